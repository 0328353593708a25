"""Agent prompts benchmark: findings on coding agents' own instructions, and on user names.

Usage: ``python benchmarks/agent_prompts.py [--aider WHEEL_OR_DIR] [--npm PREFIX]
[--captured DIR]``

Vendor prompts are not ours to commit, so they are read at run time from installed packages
(install them into a throw-away directory, e.g. ``pip download --no-deps aider-chat -d /tmp/a``
and ``npm install --prefix /tmp/n @anthropic-ai/claude-code@2.1.197 @google/gemini-cli
@qwen-code/qwen-code``):

- aider: every string constant of ``aider/coders/*_prompts.py`` (its system prompts, example
  conversations and reminders), read with ``ast`` from the wheel or an unpacked tree;
- the npm agents (Claude Code, Gemini CLI, Qwen Code) send their prompt and tool definitions
  only when they run, so ``tests/e2e/test_agent_prompts.py`` runs them through the proxy
  (``REDACTPROXY_AGENTS=PREFIX pytest -s tests/e2e/test_agent_prompts.py`` prints one line
  per agent); ``--npm`` here runs that test. ``--captured DIR`` reads the requests that
  test saved with ``REDACTPROXY_AGENT_CAPTURE=DIR`` (the agents' real bodies: Codex CLI's
  ``response.create`` message with its instructions and tools, Claude Code's and Gemini
  CLI's largest model request) and scans every string the proxy would scan
  (``protocols.targets``), the way the proxy does.

For each prompt it prints the findings of ``Engine(DetectorSpec())`` by entity (target: no
PERSON, LOCATION or NRP), then appends a user paragraph holding three names and prints how
many of them were found (target: all).
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redactproxy.detect.engine import DetectorSpec, Engine  # noqa: E402
from redactproxy.jsonsplice import iter_strings  # noqa: E402
from redactproxy.protocols.targets import request_targets  # noqa: E402

USER = ("\n\nUser: Maria Gonzalez asked me to fix the parser; Kwame Mensah approved the plan "
        "and 客户王建华反馈无法登录.\n")
USER_NAMES = ("Maria Gonzalez", "Kwame Mensah", "王建华")


def _strings(source: str) -> list[str]:
    """Every string constant in a Python module (docstrings included)."""
    return [n.value for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) > 20]


def aider_prompts(path: Path) -> str:
    """The text of aider's prompt modules, from a wheel or a directory holding ``aider/``."""
    texts: list[str] = []
    if path.is_file():
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if name.startswith("aider/coders/") and name.endswith("_prompts.py"):
                    texts += _strings(z.read(name).decode("utf-8"))
    else:
        for f in sorted((path / "aider" / "coders").glob("*_prompts.py")):
            texts += _strings(f.read_text(encoding="utf-8"))
    return "\n\n".join(texts)


def body_strings(raw: str) -> list[str]:
    """The strings of a captured request body that the proxy scans, JSON inside strings
    value by value (as ``redact.py`` does)."""
    doc = json.loads(raw)
    out: list[str] = []
    for target in request_targets(doc, "captured"):
        value: object = doc
        for part in target.path:
            value = value[part]  # type: ignore[index]
        assert isinstance(value, str)
        if target.is_json:
            try:
                out += [v for _, _, v in iter_strings(json.loads(value)) if v]
                continue
            except ValueError:
                pass
        out.append(value)
    return out


def report(name: str, engine: Engine, texts: str | list[str]) -> None:
    """One line: findings on the agent's own text, then user names found when appended."""
    texts = [texts] if isinstance(texts, str) else texts
    found = engine.analyze_many(texts)
    by = Counter(f.entity for fs in found for f in fs)
    ner = [f"{t[f.start:f.end]!r}" for t, fs in zip(texts, found, strict=True) for f in fs
           if f.entity in ("PERSON", "LOCATION", "NRP")]
    with_user = texts[-1] + USER
    values = {with_user[f.start:f.end] for f in engine.analyze(with_user)}
    hit = sum(1 for n in USER_NAMES if n in values)
    size = sum(len(t.encode()) for t in texts)
    print(f"{name:<12} {size // 1000:>4} KB  findings {sum(by.values()):>3} "
          f"{dict(by) or ''}  PERSON/LOCATION/NRP {len(ner)} (target 0)  "
          f"user names found {hit}/{len(USER_NAMES)}")
    for v in ner[:20]:
        print(f"    {v}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aider", type=Path, help="aider-chat wheel or unpacked tree")
    ap.add_argument("--npm", type=Path, help="npm prefix with the agents installed")
    ap.add_argument("--captured", type=Path,
                    help="directory of request bodies saved by tests/e2e/test_agent_prompts.py")
    args = ap.parse_args(argv)
    engine = Engine(DetectorSpec())
    if args.aider is not None and args.aider.exists():
        report("aider", engine, aider_prompts(args.aider))
    else:
        print("aider        skipped (pass --aider)")
    if args.captured is not None:
        for path in sorted(args.captured.glob("*.json")):
            report(path.stem, engine, body_strings(path.read_text(encoding="utf-8")))
    if args.npm is not None:
        env_cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                   str(ROOT / "tests" / "e2e" / "test_agent_prompts.py")]
        r = subprocess.run(env_cmd, capture_output=True, text=True, cwd=ROOT,
                           env={**__import__("os").environ, "REDACTPROXY_AGENTS": str(args.npm)})
        for line in r.stdout.splitlines():
            if line.startswith("agent prompt"):
                print(line)
        print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-500:])
    else:
        print("npm agents   skipped (pass --npm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
