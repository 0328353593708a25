"""``redactproxy rules check|test [PATH]``: validate rule packs and run their examples.

Without PATH both act on the built-in packs. ``check`` validates the schema (regexes compile,
validators exist, ids unique); ``test`` also runs every rule's ``match`` / ``no_match``
examples and lists each failure, exiting 1 if there is any. Without PATH, ``test`` also runs
the examples of Presidio's recognizers (``detect/recognizers.py``), which the engine runs too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from redactproxy.detect.patterns import example_failures
from redactproxy.detect.rules import RulePack, load_builtin_packs, load_pack

__all__ = ["register"]


def _packs(path: str | None) -> list[RulePack]:
    if path is None:
        return load_builtin_packs()
    p = Path(path)
    if p.is_dir():
        return [load_pack(f) for f in sorted(p.glob("*.toml"))]
    return [load_pack(p)]


def _check(args: argparse.Namespace) -> int:
    for pack in _packs(args.path):
        print(f"ok: {len(pack.rules)} rules in {pack.path}")
    return 0


def _test(args: argparse.Namespace) -> int:
    failed = 0
    total = 0
    for pack in _packs(args.path):
        for rule in pack.rules:
            total += len(rule.match) + len(rule.no_match)
            for message in example_failures(rule):
                failed += 1
                print(message)
    if args.path is None:
        from redactproxy.detect import recognizers

        total += sum(len(r.match) + len(r.no_match) for r in recognizers.RECOGNIZERS)
        for message in recognizers.example_failures():
            failed += 1
            print(message)
    print(f"{'FAILED' if failed else 'ok'}: {total - failed}/{total} examples pass")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``rules`` command with ``check`` and ``test`` sub-commands."""
    parser = subparsers.add_parser("rules", help="validate and test rule packs",
                                   description=__doc__)
    sub = parser.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    for name, func, text in (
        ("check", _check, "validate rule packs (built-in, a file, or a directory of .toml)"),
        ("test", _test, "run every rule's match/no_match examples; exit 1 on any failure"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("path", nargs="?", metavar="PATH",
                       help="rule file or directory (default: the built-in packs)")
        p.set_defaults(func=func)
