"""``redactproxy report``: figures, chain verification and evidence export from the audit store.

Usage::

    redactproxy report [--since 7d|2026-11-01] [--project NAME] [--relay HOST]
                       [--format text|json]
    redactproxy report verify
    redactproxy report export --since 30d [--until 2026-12-01] [-o evidence.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redactproxy.errors import ConfigError, StoreError
from redactproxy.report import build_report, evidence_lines, parse_time, render_text

__all__ = ["register", "run_export", "run_report", "run_verify"]

_DEFAULT_SINCE = "7d"
_STORE_HELP = ("audit store to read: postgresql://USER@HOST/DB for a team gateway "
               "(default: [store] url in the user file, else the SQLite file)")


@contextmanager
def _audit(args: argparse.Namespace) -> Iterator[Any]:
    """The audit store named by ``--store`` (or the user file), for reading."""
    from redactproxy.stores.location import open_stores

    stores = open_stores(getattr(args, "store", None))
    try:
        with stores.audit(create=False) as store:
            yield store
    finally:
        stores.close()


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``report`` and its ``verify`` and ``export`` actions to the CLI."""
    p = subparsers.add_parser(
        "report", help="summarise, verify or export the audit store",
        description="Summarise what was redacted (by type, project, host and day), the "
                    "tokens billed and the alerts raised; verify the audit chain; or export "
                    "an evidence bundle. Values are never stored, so never shown.")
    p.add_argument("--since", default=None, metavar="WHEN",
                   help=f"start of the period: 7d, 12h, 2w or 2026-11-01 "
                        f"(default {_DEFAULT_SINCE})")
    p.add_argument("--project", default=None, metavar="NAME", help="one project only")
    p.add_argument("--relay", default=None, metavar="HOST",
                   help="one relay (or any host) only: its requests, tokens, redactions and "
                        "alerts (HOST or *.domain)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format (default text)")
    p.add_argument("--store", default=None, metavar="URL", help=_STORE_HELP)
    p.set_defaults(func=run_report)
    actions = p.add_subparsers(dest="report_action", metavar="ACTION")
    v = actions.add_parser("verify", help="check the audit store's hash chain",
                           description="Recompute the hash chain; exit 1 naming the first "
                                       "row altered or deleted.")
    v.add_argument("--store", default=argparse.SUPPRESS, metavar="URL", help=_STORE_HELP)
    v.set_defaults(func=run_verify)
    e = actions.add_parser("export", help="write an evidence bundle (JSON Lines)",
                           description="Write a header line with the chain head, then one "
                                       "line per request with its findings and row hashes.")
    e.add_argument("--since", required=True, metavar="WHEN",
                   help="start of the period: 30d or 2026-11-01")
    e.add_argument("--until", default=None, metavar="WHEN", help="end of the period")
    e.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                   help="file to write (mode 0600); standard output if omitted")
    e.add_argument("--store", default=argparse.SUPPRESS, metavar="URL", help=_STORE_HELP)
    e.set_defaults(func=run_export)


def _time_arg(option: str, text: str | None, now: float) -> float | None:
    if text is None:
        return None
    try:
        return parse_time(text, now)
    except ValueError as e:
        raise ConfigError(f"{e} ({option})") from None


def run_report(args: argparse.Namespace) -> int:
    """Print the summary for ``--since``/``--project`` in ``--format``."""
    now = time.time()
    since = _time_arg("--since", args.since or _DEFAULT_SINCE, now)
    with _audit(args) as store:
        rows = store.requests(since=since, project=args.project)
        chain = store.verify()
    if not chain.ok:  # figures from a tampered store are still shown, never silently
        print(f"redactproxy: warning: audit chain broken: {chain.message}", file=sys.stderr)
    rep = build_report(rows, since=since, project=args.project, relay=args.relay)
    if args.format == "json":
        print(json.dumps(rep.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(rep))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Print ``ok: N rows, chain intact`` (exit 0) or name the first bad row (exit 1)."""
    with _audit(args) as store:
        result = store.verify()
        path = store.path
    if result.ok:
        print(result.message)
        return 0
    print(f"redactproxy: audit store {path}: {result.message}", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    """Write the evidence bundle of ``--since``..``--until`` to ``-o`` or standard output."""
    now = time.time()
    since = _time_arg("--since", args.since, now)
    until = _time_arg("--until", args.until, now)
    with _audit(args) as store:
        chain = store.verify()
        rows = store.requests(since=since, until=until)
    lines = evidence_lines(rows, chain, since=since, until=until, now=now)
    if args.output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
    else:
        try:
            fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8") as f:
                for line in lines:
                    f.write(line + "\n")
        except OSError as e:
            raise StoreError(f"cannot write evidence bundle {args.output}: {e.strerror}") from e
    if not chain.ok:
        print(f"redactproxy: exported, but the audit chain is broken: {chain.message}",
              file=sys.stderr)
        return 1
    return 0
