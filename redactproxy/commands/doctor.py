"""``redactproxy doctor``: say whether protection is really on in this shell, and what to fix.

Usage: ``redactproxy doctor`` or ``redactproxy doctor --format json``

One line per check (``ok``, ``warn`` or ``fail`` and the fix); exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from redactproxy.doctor import run_checks

__all__ = ["register"]


def _doctor(args: argparse.Namespace) -> int:
    checks = run_checks(project=args.project, nlp=not args.no_nlp)
    if args.format == "json":
        print(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        for c in checks:
            print(c.line())
        fails = sum(c.status == "fail" for c in checks)
        warns = sum(c.status == "warn" for c in checks)
        print(f"\n{fails} failure(s), {warns} warning(s)" if fails or warns
              else "\nall checks passed: protection is on")
    return 1 if any(c.status == "fail" for c in checks) else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``doctor`` command."""
    parser = subparsers.add_parser(
        "doctor", help="check that protection is really on, and say what to fix",
        description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", type=Path, default=None, metavar="DIR",
                        help="project whose rule files are checked (default: current dir)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-nlp", action="store_true",
                        help="skip loading the NER model (faster)")
    parser.set_defaults(func=_doctor)
