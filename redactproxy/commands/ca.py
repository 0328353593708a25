"""``redactproxy ca path|install|uninstall``: trust the proxy CA where CA variables do not reach.

Usage: ``redactproxy ca path`` · ``sudo redactproxy ca install`` · ``sudo redactproxy ca uninstall``

``install`` adds the proxy CA to the system trust store (update-ca-certificates on
Debian/Ubuntu, ``trust anchor`` on Fedora/Arch, ``security add-trusted-cert`` on macOS) and to
the Java keystore when ``keytool`` exists; ``uninstall`` removes exactly that again. Not root:
nothing runs, the exact commands are printed instead.
"""

from __future__ import annotations

import argparse
import os

from redactproxy.errors import ConfigError

__all__ = ["register"]


def _path(args: argparse.Namespace) -> int:
    from redactproxy.ca import ensure_ca

    print(ensure_ca())
    return 0


def _change(args: argparse.Namespace) -> int:
    from redactproxy.ca import ensure_ca
    from redactproxy.trust import anchor_name, is_root, plans, run_plan

    action = args.action
    ca = ensure_ca()
    name = anchor_name()
    todo = plans(action, ca, java=not args.no_java, name=name)
    if not todo:
        raise ConfigError(f"ca {action}: no system trust store this command knows on this "
                          f"machine; add {ca} by hand")
    if any(p.needs_root for p in todo) and not is_root():
        print(f"ca {action} needs root; run:")
        for p in todo:
            for line in p.shell():
                print(f"  {line}")
        print("(or run: sudo redactproxy ca " + action +
              (f" with REDACTPROXY_HOME={os.environ['REDACTPROXY_HOME']}"
               if os.environ.get("REDACTPROXY_HOME") else "") + ")")
        return 1
    errors = []
    for p in todo:
        error = run_plan(p)
        if error:
            errors.append(f"{p.store}: {error}")
        else:
            print(f"{'added to' if action == 'install' else 'removed from'} {p.store}: {name}")
    if errors:
        raise ConfigError(f"ca {action}: " + "; ".join(errors))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``ca`` command."""
    parser = subparsers.add_parser(
        "ca", help="the proxy CA: its path; add it to / remove it from the system trust store",
        description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="ca_command", required=True, metavar="ACTION")
    p = sub.add_parser("path", help="print the proxy CA certificate's path (PEM)")
    p.set_defaults(func=_path)
    for action, text in (("install", "trust the proxy CA system-wide (and in Java)"),
                         ("uninstall", "remove the proxy CA from those stores again")):
        p = sub.add_parser(action, help=text)
        p.add_argument("--no-java", action="store_true",
                       help="leave the Java keystore alone")
        p.set_defaults(func=_change, action=action)
