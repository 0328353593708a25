"""``redactproxy service install|uninstall|status``: keep the proxy running as a per-user service.

Usage: ``redactproxy service install [--port 8080] [--project DIR]`` · ``redactproxy service
status`` · ``redactproxy service uninstall``

Writes a systemd user unit (Linux) or a launchd agent (macOS) that starts ``redactproxy start
--no-ui`` at login and restarts it when it dies, then asks the service manager to start it.
Where no per-user service manager runs (a container, a CI box), the file is written and the
commands that would start it are printed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
from pathlib import Path

from redactproxy.errors import ConfigError

__all__ = ["register"]


def _files():  # type: ignore[no-untyped-def]
    from redactproxy.service import service_files

    try:
        return service_files()
    except ValueError as e:
        raise ConfigError(f"service: {e}") from None


def _run(cmds: tuple[tuple[str, ...], ...]) -> str | None:
    """Run the commands; None if they all worked, else a one-line reason."""
    for cmd in cmds:
        try:
            r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            return f"{cmd[0]} not found"
        if r.returncode != 0:
            why = (r.stderr.strip() or r.stdout.strip()).splitlines()
            return f"`{shlex.join(cmd)}` exited {r.returncode}: {why[-1] if why else ''}"
    return None


def _install(args: argparse.Namespace) -> int:
    from redactproxy.home import home_dir
    from redactproxy.service import launchd_plist, start_command, systemd_unit

    files = _files()
    project = (args.project or Path.home()).resolve()
    argv = start_command(args.port, project, ["--no-nlp"] if args.no_nlp else None)
    env = dict(os.environ)
    files.path.parent.mkdir(parents=True, exist_ok=True)
    if files.manager == "systemd":
        files.path.write_text(systemd_unit(argv, env), encoding="utf-8")
    else:
        files.path.write_bytes(launchd_plist(argv, env, home_dir() / "service.log"))
    print(f"wrote {files.path}")
    error = _run(files.enable)
    if error:
        print(f"could not start it here ({error}); where a {files.manager} user session runs:")
        for cmd in files.enable:
            print(f"  {shlex.join(cmd)}")
        return 1
    print(f"started; it starts at login and restarts if it dies. Logs: "
          f"{'journalctl --user -u redactproxy' if files.manager == 'systemd' else files.path}")
    return 0


def _uninstall(args: argparse.Namespace) -> int:
    files = _files()
    if not files.path.exists():
        print(f"not installed ({files.path} does not exist)")
        return 0
    error = _run(files.disable)
    files.path.unlink()
    print(f"removed {files.path}")
    if error:
        print(f"note: could not stop it through {files.manager} ({error})")
    elif files.manager == "systemd":
        _run((("systemctl", "--user", "daemon-reload"),))
    return 0


def _status(args: argparse.Namespace) -> int:
    from redactproxy.doctor import check_proxy, proxy_address
    from redactproxy.home import home_dir

    files = _files()
    if not files.path.exists():
        print(f"not installed (no {files.path}); install: redactproxy service install")
        return 3
    print(f"installed: {files.path}")
    try:
        r = subprocess.run(list(files.status), capture_output=True, text=True, timeout=30)
        out = (r.stdout or r.stderr).strip()
    except FileNotFoundError:
        out = f"{files.status[0]} not found"
    print(out or f"{files.manager}: no answer")
    print(check_proxy(*proxy_address(home_dir())).line())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``service`` command."""
    parser = subparsers.add_parser(
        "service", help="run the proxy as a per-user service (systemd / launchd)",
        description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="service_command", required=True, metavar="ACTION")
    p = sub.add_parser("install", help="write the service and start it (at login from now on)")
    p.add_argument("--port", type=int, default=8080, help="forward-proxy port (default: 8080)")
    p.add_argument("--project", type=Path, default=None, metavar="DIR",
                   help="default project for requests without a project id (default: ~)")
    p.add_argument("--no-nlp", action="store_true", help="patterns only, no NER")
    p.set_defaults(func=_install)
    p = sub.add_parser("uninstall", help="stop the service and remove it")
    p.set_defaults(func=_uninstall)
    p = sub.add_parser("status", help="is the service installed and running?")
    p.set_defaults(func=_status)
