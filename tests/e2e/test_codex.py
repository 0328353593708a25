"""OpenAI Codex CLI itself (npm @openai/codex) through `redactproxy run`.

Runs when the CLI is installed (`.ci/run` installs it under `.ci/node`; elsewhere set
REDACTPROXY_CODEX); skipped otherwise. Every host Codex calls (api.openai.com, chatgpt.com,
api.github.com, github.com) is routed to the fake upstream: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from tests.e2e.agents import agent_binary, run_agent
from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CODEX = agent_binary("codex", "REDACTPROXY_CODEX")
pytestmark = pytest.mark.skipif(CODEX is None, reason="Codex CLI not installed (see .ci/run)")


def test_codex_exec(proxy: ProxyProcess, upstream: FakeUpstream, tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    codex_home = tmp_path / "codex-home"
    codex_home.mkdir()
    seen = len(proxy.lines)
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = run_agent(proxy, project, tmp_path / "home",
                  [str(CODEX), "exec", "--skip-git-repo-check", prompt],
                  {"OPENAI_API_KEY": "sk-test-fake-key", "CODEX_HOME": str(codex_home)})
    assert r.returncode == 0, r.stdout + r.stderr
    turns = [q for q in upstream.requests if q.route == "/v1/responses" and q.method == "WS"]
    assert turns, [q.path for q in upstream.requests]
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    # The fake echoes the user turn (Codex puts its environment context before it): the
    # CLI prints it with the real values restored and no placeholder left.
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout
    # Codex talks over the Responses WebSocket, which redactproxy scans: one upgrade, no
    # refusal and no retry before the first model request.
    upgrades = [q for q in upstream.requests if q.method == "GET" and q.route == "/v1/responses"]
    assert [q.status for q in upgrades] == [101]
    assert not [ln for ln in proxy.lines[seen:] if "status=426" in ln]


def _jwt(claims: dict) -> str:
    """An unsigned JWT-shaped token (Codex reads the claims, the fake never checks them)."""
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.fake-signature"


def chatgpt_auth(codex_home: Path) -> None:
    """A synthetic ChatGPT sign-in in CODEX_HOME/auth.json (fresh, so no token refresh)."""
    exp = int(time.time()) + 86400
    auth = {"https://api.openai.com/auth": {"chatgpt_plan_type": "plus",
                                            "chatgpt_account_id": "acct-fake-1",
                                            "chatgpt_user_id": "user-fake-1"}}
    (codex_home / "auth.json").write_text(json.dumps({
        "auth_mode": "chatgpt", "OPENAI_API_KEY": None,
        "tokens": {"id_token": _jwt({"email": "dev@example.org", "exp": exp, **auth}),
                   "access_token": _jwt({"exp": exp, **auth}),
                   "refresh_token": "rt-fake-refresh", "account_id": "acct-fake-1"},
        "last_refresh": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))


def test_codex_signed_in_with_chatgpt(proxy: ProxyProcess, upstream: FakeUpstream,
                                      tmp_path: Path) -> None:
    """Signed in with ChatGPT, Codex talks to chatgpt.com/backend-api/codex: redacted too,
    while the rest of chatgpt.com (plugins, account checks) passes through untouched."""
    project = tmp_path / "repo"
    project.mkdir()
    codex_home = tmp_path / "codex-home"
    codex_home.mkdir()
    chatgpt_auth(codex_home)
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = run_agent(proxy, project, tmp_path / "home",
                  [str(CODEX), "exec", "--skip-git-repo-check", prompt],
                  {"CODEX_HOME": str(codex_home)})
    assert r.returncode == 0, r.stdout + r.stderr
    turns = [q for q in upstream.requests if q.hostname == "chatgpt.com"
             and q.route == "/backend-api/codex/responses" and q.method in ("WS", "POST")]
    assert turns, [(q.hostname, q.path) for q in upstream.requests]
    assert not [q for q in upstream.requests if q.hostname == "api.openai.com"]
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout
    # The website part of chatgpt.com reached the fake untouched (not redacted, not refused).
    checks = [q for q in upstream.requests if q.route == "/backend-api/wham/accounts/check"]
    assert checks and all(q.status == 200 for q in checks)
