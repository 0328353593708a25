"""Claude Code itself (npm @anthropic-ai/claude-code) through `redactproxy run`.

Runs when the CLI is installed: `.ci/run` installs it under `.ci/node`; elsewhere point
REDACTPROXY_CLAUDE at a `claude` binary. Skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.agents import agent_binary
from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CLAUDE = agent_binary("claude", "REDACTPROXY_CLAUDE")
pytestmark = pytest.mark.skipif(CLAUDE is None,
                                reason="Claude Code CLI not installed (see .ci/run)")


def test_claude_code_print_mode(proxy: ProxyProcess, upstream: FakeUpstream,
                                tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    env = {**os.environ, "REDACTPROXY_HOME": str(proxy.home), "HOME": str(tmp_path / "home"),
           "ANTHROPIC_API_KEY": "sk-ant-test-fake-key",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = subprocess.run([sys.executable, "-m", "redactproxy", "run", "--port", str(proxy.port),
                        "--project", str(project), "--", str(CLAUDE), "-p", prompt],
                       capture_output=True, text=True, env=env, timeout=180, cwd=project)
    assert r.returncode == 0, r.stdout + r.stderr
    turns = [q for q in upstream.requests if q.path.startswith("/v1/messages")]
    assert turns, [q.path for q in upstream.requests]
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    # The fake upstream echoes the user turn (Claude Code adds its reminders around it):
    # the CLI prints it with the real values restored and no placeholder left.
    assert prompt in r.stdout
    assert "<EMAIL_ADDRESS_" not in r.stdout and "<GITHUB_TOKEN_" not in r.stdout


def test_claude_code_with_a_relay_in_its_settings(proxy: ProxyProcess, upstream: FakeUpstream,
                                                  tmp_path: Path) -> None:
    # The relay is named only in the project's .claude/settings.json, and `run --inspect ai`
    # leaves discovery as the one reason the proxy decrypts its traffic.
    project = tmp_path / "repo"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(
        '{"env": {"ANTHROPIC_BASE_URL": "https://relay.example.test"}}')
    env = {**os.environ, "REDACTPROXY_HOME": str(proxy.home), "HOME": str(tmp_path / "home"),
           "ANTHROPIC_API_KEY": "sk-ant-test-fake-key",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    prompt = f"Please email {EMAIL} about the key {GITHUB}"
    r = subprocess.run([sys.executable, "-m", "redactproxy", "run", "--inspect", "ai",
                        "--port", str(proxy.port), "--project", str(project), "--",
                        str(CLAUDE), "-p", prompt],
                       capture_output=True, text=True, env=env, timeout=180, cwd=project)
    assert r.returncode == 0, r.stdout + r.stderr
    turns = [q for q in upstream.requests if q.hostname == "relay.example.test"]
    assert turns and all(q.path.startswith("/v1/messages") for q in turns)
    for q in upstream.requests:
        assert_absent(q.body, (EMAIL, GITHUB))
    assert prompt in r.stdout
