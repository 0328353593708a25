"""Coding agents' own system prompts and tool definitions go out untouched.

Each installed agent (Claude Code, Codex CLI, Gemini CLI, Qwen Code; found under ``.ci/node``
or the npm prefix in ``REDACTPROXY_AGENTS``) runs one headless prompt through ``redactproxy run``
against the fake upstream. Its vendor prompt and tool descriptions are full of capitalised
product and section names that a small NER model tags PERSON; none of them may become a
placeholder, while the names the user wrote in the same request must. Agents that are not
installed are skipped. Each run prints one line (the benchmark line per agent prompt).

With ``REDACTPROXY_AGENT_CAPTURE=DIR`` each agent instead runs with a one-word prompt and a
project file that lets names through, and its largest model request is written to
``DIR/<agent>.json`` as the agent really sent it (``benchmarks/agent_prompts.py --captured
DIR`` measures detection on it). Vendor prompts are never committed: DIR is yours.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("Maria Gonzalez", "Kwame Mensah", "王建华")
CAPTURE = os.environ.get("REDACTPROXY_AGENT_CAPTURE")
# Capture mode: names, places and groups pass, so the body is the agent's own text.
_LET_NAMES_PASS = "".join(f'[entities.{e}]\naction = "allow"\n'
                          for e in ("PERSON", "LOCATION", "NRP"))
PROMPT = ("Reply with one word. Context: Maria Gonzalez reviewed the patch, Kwame Mensah "
          "approved it, and 客户王建华反馈无法登录.")
# agent -> (binary, extra argv, environment, path prefix of its model calls)
AGENTS: dict[str, tuple[str, list[str], dict[str, str], str]] = {
    "claude-code": ("claude", ["-p"], {"ANTHROPIC_API_KEY": "sk-ant-test-fake-key",
                                       "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                                       "DISABLE_AUTOUPDATER": "1"}, "/v1/messages"),
    # Codex sends its instructions and tools in a ``response.create`` WebSocket message.
    "codex-cli": ("codex", ["exec", "--skip-git-repo-check"],
                  {"OPENAI_API_KEY": "sk-test-fake-key"}, "/v1/responses"),
    "gemini-cli": ("gemini", ["--skip-trust", "-m", "gemini-2.5-flash", "-p"],
                   {"GEMINI_API_KEY": "test-fake-gemini-key"}, "/v1beta/models"),
    "qwen-code": ("qwen", ["--auth-type", "openai", "-p"],
                  {"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": "https://api.openai.com/v1",
                   "OPENAI_MODEL": "gpt-4o"}, "/v1/chat/completions"),
}


def _binary(name: str) -> str | None:
    dirs = [os.environ.get("REDACTPROXY_AGENTS", ""), str(ROOT / ".ci" / "node")]
    for d in dirs:
        p = Path(d) / "node_modules" / ".bin" / name
        if d and p.exists():
            return str(p)
    return None


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_agent_prompt_untouched_user_names_found(agent: str, proxy: ProxyProcess,
                                                 upstream: FakeUpstream,
                                                 tmp_path: Path) -> None:
    binary, argv, extra, path = AGENTS[agent]
    exe = _binary(binary)
    if exe is None or shutil.which("node") is None:
        pytest.skip(f"{agent} not installed (set REDACTPROXY_AGENTS to an npm prefix)")
    project = tmp_path / "repo"
    project.mkdir()
    (tmp_path / "home").mkdir()
    (tmp_path / "codex-home").mkdir()
    if CAPTURE:
        (project / ".redactproxy.toml").write_text(_LET_NAMES_PASS, encoding="utf-8")
    env = {**os.environ, "REDACTPROXY_HOME": str(proxy.home), "HOME": str(tmp_path / "home"),
           "CODEX_HOME": str(tmp_path / "codex-home"), "NO_BROWSER": "1", **extra}
    r = subprocess.run([sys.executable, "-m", "redactproxy", "run", "--port", str(proxy.port),
                        "--project", str(project), "--", exe, *argv,
                        "Reply with one word." if CAPTURE else PROMPT],
                       capture_output=True, text=True, env=env, timeout=420, cwd=project)
    turns = [q for q in upstream.requests if q.path.startswith(path)]
    assert turns, (r.returncode, r.stderr[-2000:], [q.path for q in upstream.requests])
    body = max(turns, key=lambda q: len(q.body)).body.decode("utf-8", "replace")
    if CAPTURE:
        Path(CAPTURE).mkdir(parents=True, exist_ok=True)
        (Path(CAPTURE) / f"{agent}.json").write_text(body, encoding="utf-8")
        assert "<PERSON_" not in body, "capture mode must let names pass"
        return
    placeholders = sorted(set(re.findall(r"<([A-Z_]+)_\d+>", body)))
    persons = set(re.findall(r"<PERSON_\d+>", body))
    missing = [n for n in NAMES if n in body or n.encode("unicode_escape").decode() in body]
    print(f"\nagent prompt {agent}: {len(body) // 1000} KB sent, placeholders "
          f"{placeholders or 'none'}, PERSON placeholders {len(persons)} "
          f"(user names {len(NAMES)}), user names left in clear {len(missing)}")
    for m in re.finditer(r"<(?:PERSON|LOCATION|NRP)_\d+>", body):
        print(f"    {body[max(0, m.start() - 80):m.end() + 40]!r}")
    assert missing == []
    assert len(persons) == len(NAMES), placeholders  # only the user's names, nothing else
    assert not {"LOCATION", "NRP"} & set(placeholders)
