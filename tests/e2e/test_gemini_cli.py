"""Gemini CLI itself (npm @google/gemini-cli) through `redactproxy run`.

Runs when the CLI is installed (`.ci/run` installs it under `.ci/node`; elsewhere set
REDACTPROXY_GEMINI); skipped otherwise. Its usage statistics are switched off in its
settings and play.googleapis.com is routed to the fake upstream all the same.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.agents import agent_binary, run_agent
from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

GEMINI = agent_binary("gemini", "REDACTPROXY_GEMINI")
pytestmark = pytest.mark.skipif(GEMINI is None,
                                reason="Gemini CLI not installed (see .ci/run)")


def gemini_home(home: Path, settings: dict | None = None) -> Path:
    """A throw-away HOME with Gemini CLI settings (usage statistics off)."""
    (home / ".gemini").mkdir(parents=True)
    base = {"privacy": {"usageStatisticsEnabled": False}}
    (home / ".gemini" / "settings.json").write_text(json.dumps({**base, **(settings or {})}))
    return home


def test_gemini_cli_prompt(proxy: ProxyProcess, upstream: FakeUpstream, tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    home = gemini_home(tmp_path / "home")
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = run_agent(proxy, project, home, [str(GEMINI), "-p", prompt, "--skip-trust"],
                  {"GEMINI_API_KEY": "AIzaSyA-fake-key-for-tests-0000000000"})
    assert r.returncode == 0, r.stdout + r.stderr
    routes = [q.route for q in upstream.requests]
    # A JSON-mode routing call answered in JSON (else the CLI retries with back-off), then
    # the streamed turn.
    routing = [q for q in upstream.requests if q.route.endswith(":generateContent")]
    assert len(routing) == 1, routes
    assert routing[0].json()["generationConfig"]["responseMimeType"] == "application/json"
    assert any(q.route.endswith(":streamGenerateContent") for q in upstream.requests), routes
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout


def google_sign_in(home: Path) -> None:
    """A synthetic Google sign-in: Gemini CLI's cached OAuth credentials and account."""
    gemini = home / ".gemini"
    (gemini / "oauth_creds.json").write_text(json.dumps({
        "access_token": "ya29.fake-access-token-for-tests",
        "refresh_token": "1//fake-refresh-token", "token_type": "Bearer",
        "scope": "https://www.googleapis.com/auth/cloud-platform "
                 "https://www.googleapis.com/auth/userinfo.email openid",
        "expiry_date": int(time.time() * 1000) + 86_400_000}))
    (gemini / "google_accounts.json").write_text(json.dumps({"active": "dev@example.org",
                                                             "old": []}))


def test_gemini_cli_signed_in_with_google(proxy: ProxyProcess, upstream: FakeUpstream,
                                          tmp_path: Path) -> None:
    """Signed in with Google, Gemini CLI sends Code Assist envelopes to cloudcode-pa: the
    Gemini request under ``request`` is redacted and the answers under ``response`` restored."""
    project = tmp_path / "repo"
    project.mkdir()
    # Google's token check goes through the proxy too, so the CLI (which trusts only the
    # proxy CA) reaches the fake upstream that answers for Google in this test.
    (project / ".redactproxy.toml").write_text(
        '[proxy]\nhosts = ["oauth2.googleapis.com", "www.googleapis.com"]\n')
    home = gemini_home(tmp_path / "home", {"security": {"auth": {
        "selectedType": "oauth-personal"}}})
    google_sign_in(home)
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = run_agent(proxy, project, home, [str(GEMINI), "-p", prompt, "--skip-trust"], {})
    assert r.returncode == 0, r.stdout + r.stderr
    routes = [(q.hostname, q.route) for q in upstream.requests]
    assert ("cloudcode-pa.googleapis.com", "/v1internal:streamGenerateContent") in routes, routes
    assert not [h for h, _ in routes if h == "generativelanguage.googleapis.com"]
    turn = next(q for q in upstream.requests
                if q.route == "/v1internal:streamGenerateContent").json()
    assert "<EMAIL_ADDRESS_" in json.dumps(turn["request"]["contents"])
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout
