"""Sub-commands of the CLI, one module each; every module exposes ``register(subparsers)``.

Only the module of the command being run is imported (``registers``): ``start`` then loads
nothing that ``scan``, ``report`` or ``doctor`` need, which shortens the time before the proxy
listens. Help and unknown commands import them all.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence

__all__ = ["NAMES", "Register", "registers"]

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]

_WHERE: dict[str, tuple[str, str]] = {
    "start": ("start", "register"),
    "env": ("envrun", "register_env"),
    "run": ("envrun", "register_run"),
    **{name: (name, "register") for name in ("scan", "rules", "keys", "report", "tokens",
                                             "doctor", "ca")},
    "redact": ("paste", "register"),
    "restore": ("paste", "register"),
    "service": ("service", "register"),
}

NAMES: tuple[str, ...] = tuple(_WHERE)
"""Every sub-command, in the order ``--help`` lists them."""


def registers(argv: Sequence[str] | None = None) -> list[Register]:
    """The ``register`` functions needed to parse ``argv``.

    Args:
        argv: The arguments after the program name; None means every command.

    Returns:
        Only the named command's when ``argv`` names one, every command's otherwise (a
        module that registers two commands appears once).
    """
    name = next((a for a in argv or () if not a.startswith("-")), None)
    chosen = [name] if name in _WHERE else list(_WHERE)
    return [getattr(importlib.import_module(f"redactproxy.commands.{module}"), attr)
            for module, attr in dict.fromkeys(_WHERE[command] for command in chosen)]
