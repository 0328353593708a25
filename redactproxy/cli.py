"""The ``redactproxy`` command line: a thin shell that parses arguments and calls the core.

Each sub-command lives in its own module exposing ``register(subparsers)``; this file only
assembles them and turns ``RedactProxyError`` into one line ``redactproxy: <message>``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from redactproxy import __version__
from redactproxy.errors import RedactProxyError

__all__ = ["build_parser", "main"]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Return the parser with the sub-commands ``argv`` needs registered (None: every one)."""
    from redactproxy.commands import registers

    parser = argparse.ArgumentParser(
        prog="redactproxy",
        description="Local privacy-filtering proxy for AI APIs.",
    )
    parser.add_argument("--version", action="version", version=f"redactproxy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in registers(argv):
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except RedactProxyError as e:
        print(f"redactproxy: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
