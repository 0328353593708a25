"""``redactproxy scan [PATH|-]...``: run the proxy's detector on files, offline, and show findings.

Usage: ``redactproxy scan .env --project .`` or ``git diff | redactproxy scan - --format json``
or ``redactproxy scan --check src/ README.md`` (exit 1 on findings: the pre-commit hook)

The same ``Engine`` the proxy runs, built from the project's rule files, in this process (no
worker, no proxy). Text mode prints the input with findings highlighted and labelled (it is
the user's own file on their own terminal, so values are shown); JSON gives character
offsets and the input with each finding replaced by ``<ENTITY>`` (presidio-anonymizer), never
the values alone.
Several paths, a directory (its git-tracked and unignored files) or ``--check`` print one
``file:line:column: ENTITY (rule) preview`` line per finding with masked previews instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from rich.text import Text

from redactproxy.anonymize import labelled
from redactproxy.config import load_project
from redactproxy.detect.base import Finding
from redactproxy.detect.engine import Engine
from redactproxy.errors import ConfigError

__all__ = ["register", "to_json"]


def to_json(text: str, findings: list[Finding]) -> str:
    """The JSON report: findings as character offsets, plus the redacted text."""
    return json.dumps({
        "findings": [{"entity": f.entity, "start": f.start, "end": f.end, "rule": f.rule,
                      "score": round(f.score, 3)} for f in findings],
        "redacted": labelled(text, findings),  # presidio-anonymizer's <ENTITY> labels
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
    engine = Engine(project.spec)
    paths = args.paths or ["-"]
    if not args.check and len(paths) == 1 and not Path(paths[0]).is_dir():
        text = _read(paths[0])
        findings = engine.analyze(text)
        if args.format == "json":
            print(to_json(text, findings))
        else:
            _print_text(text, findings)
        return 0
    return _scan_files(engine, paths, args)


def _scan_files(engine: Engine, paths: list[str], args: argparse.Namespace) -> int:
    """Several files: one line per finding; exit 1 on any finding with ``--check``."""
    from redactproxy.filescan import ALLOW_FILE, AllowList, expand_paths, locate, read_text_file
    from redactproxy.redact import select

    if args.allow:
        allow = AllowList.load(Path(args.allow))
    else:
        allow = AllowList.load(Path(ALLOW_FILE)) if Path(ALLOW_FILE).is_file() else AllowList()
    located = []
    sources = [("-", _read("-"))] if paths == ["-"] else [
        (str(p), read_text_file(p)) for p in expand_paths(paths)]
    for name, text in sources:
        if text is None:
            continue  # binary
        kept = [f for f in select(engine.analyze(text)) if not allow.allows(text[f.start:f.end])]
        located += locate(name, text, kept)
    if args.format == "json":
        print(json.dumps([asdict(x) for x in located], ensure_ascii=False, indent=2))
    else:
        for x in located:
            print(x.line_text())
        if located and args.check:
            print(f"redactproxy: {len(located)} finding(s); remove them, or accept a value by "
                  f"adding it (or sha256:<hex> of it) to {args.allow or ALLOW_FILE}",
                  file=sys.stderr)
    return 1 if located and args.check else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``scan`` command."""
    parser = subparsers.add_parser(
        "scan", help="show what the detector finds in a file (offline)",
        description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to scan, or - for standard input (default)")
    parser.add_argument("--check", action="store_true",
                        help="one file:line:column line per finding; exit 1 on any (for hooks)")
    parser.add_argument("--allow", default=None, metavar="FILE",
                        help="accepted values, one per line or sha256:<hex> (default: "
                             "./.redactproxy-allow if present)")
    parser.add_argument("--project", default=".", metavar="DIR",
                        help="project whose .redactproxy.toml rules apply (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: highlighted input and a summary; json: offsets")
    parser.add_argument("--no-nlp", action="store_true",
                        help="rule packs only, no NER (fast, no model load)")
    parser.set_defaults(func=_scan)
