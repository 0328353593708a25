"""OpenAI Codex CLI itself (npm @openai/codex) through `redactproxy run`.

Runs when the CLI is installed (`.ci/run` installs it under `.ci/node`; elsewhere set
REDACTPROXY_CODEX); skipped otherwise. Every host Codex calls (api.openai.com, chatgpt.com,
api.github.com, github.com) is routed to the fake upstream: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.agents import agent_binary, run_agent
from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CODEX = agent_binary("codex", "REDACTPROXY_CODEX")
pytestmark = pytest.mark.skipif(CODEX is None, reason="Codex CLI not installed (see .ci/run)")


def _ws_upgrades(lines: list[str]) -> list[str]:
    """The proxy's log lines for WebSocket upgrades of the Responses API."""
    return [ln for ln in lines if "method=GET" in ln and "path=/v1/responses " in ln]


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
    turns = [q for q in upstream.requests if q.route == "/v1/responses" and q.method == "POST"]
    assert turns, [q.path for q in upstream.requests]
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    # The fake echoes the user turn (Codex puts its environment context before it): the
    # CLI prints it with the real values restored and no placeholder left.
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout
    # The WebSocket is answered at once (426: Codex falls back to HTTPS on the first try)
    # instead of being retried before the first model request.
    upgrades = _ws_upgrades(proxy.lines[seen:])
    assert len(upgrades) <= 1, upgrades
    assert all("status=426" in ln for ln in upgrades), upgrades
