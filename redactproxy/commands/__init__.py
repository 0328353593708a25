"""Sub-commands of the CLI, one module each; every module exposes ``register(subparsers)``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]


def _commands() -> list[Register]:
    from redactproxy.commands import envrun, start

    commands: list[Register] = [start.register, envrun.register_env, envrun.register_run]
    for name in ("scan", "rules", "keys", "report", "tokens", "doctor", "ca", "paste",
                 "service"):
        try:
            module = __import__(f"redactproxy.commands.{name}", fromlist=["register"])
        except ModuleNotFoundError:
            continue
        commands.append(module.register)
    return commands


COMMANDS: list[Register] = _commands()
