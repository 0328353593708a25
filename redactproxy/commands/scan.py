"""``redactproxy scan [FILE|-]``: run the proxy's detector on a file, offline, and show findings.

Usage: ``redactproxy scan .env --project .`` or ``git diff | redactproxy scan - --format json``

The same ``Engine`` the proxy runs, built from the project's rule files, in this process (no
worker, no proxy). Text mode prints the input with findings highlighted and labelled (it is
the user's own file on their own terminal, so values are shown); JSON gives character
offsets and the input with each finding replaced by ``<ENTITY>``, never the values alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rich.text import Text

from redactproxy.config import load_project
from redactproxy.detect.base import Finding
from redactproxy.detect.engine import Engine
from redactproxy.errors import ConfigError

__all__ = ["redacted", "register", "to_json"]


def redacted(text: str, findings: list[Finding]) -> str:
    """``text`` with each (non-overlapping) finding replaced by ``<ENTITY>``."""
    out: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[pos:f.start])
        out.append(f"<{f.entity}>")
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def to_json(text: str, findings: list[Finding]) -> str:
    """The JSON report: findings as character offsets, plus the redacted text."""
    return json.dumps({
        "findings": [{"entity": f.entity, "start": f.start, "end": f.end, "rule": f.rule,
                      "score": round(f.score, 3)} for f in findings],
        "redacted": redacted(text, findings),
    }, ensure_ascii=False, indent=2)


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise ConfigError(f"cannot read {source} ({e.strerror or e.__class__.__name__})") from None


def _print_text(text: str, findings: list[Finding]) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    console.print(_labelled(text, findings), end="" if text.endswith("\n") else "\n")
    counts = Counter(f.entity for f in findings)
    summary = ", ".join(f"{n} {e}" for e, n in counts.most_common()) or "nothing found"
    console.print(f"\n{len(findings)} finding(s): {summary}", markup=False)


def _labelled(text: str, findings: list[Finding]) -> Text:
    """A rich ``Text`` of the input with each finding highlighted and tagged ``[ENTITY]``."""
    out = Text()
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[pos:f.start])
        out.append(text[f.start:f.end], style="bold black on yellow")
        out.append(f"[{f.entity}]", style="bold red")
        pos = f.end
    out.append(text[pos:])
    return out


def _scan(args: argparse.Namespace) -> int:
    project = load_project(args.project, nlp=not args.no_nlp)
    text = _read(args.file)
    findings = Engine(project.spec).analyze(text)
    if args.format == "json":
        print(to_json(text, findings))
    else:
        _print_text(text, findings)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``scan`` command."""
    parser = subparsers.add_parser(
        "scan", help="show what the detector finds in a file (offline)",
        description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", nargs="?", default="-", metavar="FILE",
                        help="file to scan, or - for standard input (default)")
    parser.add_argument("--project", default=".", metavar="DIR",
                        help="project whose .redactproxy.toml rules apply (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: highlighted input and a summary; json: offsets")
    parser.add_argument("--no-nlp", action="store_true",
                        help="rule packs only, no NER (fast, no model load)")
    parser.set_defaults(func=_scan)
