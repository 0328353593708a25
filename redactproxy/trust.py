"""The system trust stores the proxy CA can be added to, and the exact commands that do it.

For clients that ignore ``SSL_CERT_FILE`` and friends (Go and Rust binaries that read only the
system store, Java). Each store is a plan of plain commands, so what runs as root is what the
user sees printed when they are not root. Only our own entry is ever added or removed: one
file named ``redactproxy-<host>.crt`` (Debian, p11-kit), one keystore alias (Java), one
certificate (macOS).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEBIAN_DIR", "Plan", "anchor_name", "plans", "run_plan"]

DEBIAN_DIR = Path("/usr/local/share/ca-certificates")
_MAC_KEYCHAIN = "/Library/Keychains/System.keychain"


def anchor_name(host: str | None = None) -> str:
    """Name of our entry in every store: ``redactproxy-<host>``."""
    host = (host or socket.gethostname() or "localhost").split(".")[0].lower()
    return "redactproxy-" + (re.sub(r"[^a-z0-9-]+", "-", host).strip("-") or "localhost")


@dataclass(frozen=True, slots=True)
class Plan:
    """What to run for one trust store.

    Args:
        store: Human name of the store.
        commands: Commands to run in order (argv lists).
        needs_root: True if they must run as root (print them otherwise).
    """

    store: str
    commands: tuple[tuple[str, ...], ...]
    needs_root: bool

    def shell(self) -> list[str]:
        """The commands as a user would type them (with ``sudo`` when root is needed)."""
        import shlex

        sudo = "sudo " if self.needs_root else ""
        return [sudo + shlex.join(c) for c in self.commands]


def _system_plan(action: str, ca: Path, name: str) -> Plan | None:
    if sys.platform == "darwin":
        if action == "install":
            cmd: tuple[str, ...] = ("security", "add-trusted-cert", "-d", "-r", "trustRoot",
                                    "-k", _MAC_KEYCHAIN, str(ca))
            return Plan("macOS System keychain", (cmd,), True)
        return Plan("macOS System keychain", (("security", "remove-trusted-cert", "-d", str(ca)),),
                    True)
    if shutil.which("update-ca-certificates") and DEBIAN_DIR.parent.is_dir():
        dest = DEBIAN_DIR / f"{name}.crt"
        if action == "install":
            cmds: tuple[tuple[str, ...], ...] = (
                ("install", "-D", "-m", "0644", str(ca), str(dest)),
                ("update-ca-certificates",))
        else:
            # --fresh: a plain run leaves the removed file's hash links behind (Debian's
            # documented way to drop a local CA).
            cmds = (("rm", "-f", str(dest)), ("update-ca-certificates", "--fresh"))
        return Plan("system store (update-ca-certificates)", cmds, True)
    if shutil.which("trust"):
        verb = "--store" if action == "install" else "--remove"
        return Plan("system store (p11-kit trust)", (("trust", "anchor", verb, str(ca)),), True)
    return None


def _java_plan(action: str, ca: Path, name: str) -> Plan | None:
    keytool = shutil.which("keytool")
    if not keytool:
        return None
    base = ("-noprompt", "-cacerts", "-storepass", "changeit", "-alias")
    if action == "install":
        cmds: tuple[tuple[str, ...], ...] = (
            ("keytool", "-importcert", *base, name, "-file", str(ca)),)
    else:
        # Debian's ca-certificates-java hook also imports our system-store file as
        # debian:<file>.pem, and does not remove it again: we do.
        cmds = tuple(("keytool", "-delete", *base, alias) for alias in _java_aliases(name))
    return Plan("Java keystore (keytool -cacerts)", cmds, True)


def _java_aliases(name: str) -> tuple[str, str]:
    return name, f"debian:{name}.pem"


def plans(action: str, ca: Path, *, java: bool = True, name: str | None = None) -> list[Plan]:
    """The plans that ``install`` or ``uninstall`` ``ca`` on this machine.

    Raises:
        ValueError: unknown action.
    """
    if action not in ("install", "uninstall"):
        raise ValueError(f"unknown trust action {action!r}")
    name = name or anchor_name()
    found = [_system_plan(action, ca, name)]
    if java:
        found.append(_java_plan(action, ca, name))
    return [p for p in found if p is not None]


def _java_has(alias: str) -> bool:
    r = subprocess.run(["keytool", "-list", "-cacerts", "-storepass", "changeit", "-alias", alias],
                       capture_output=True, text=True)
    return r.returncode == 0


def is_root() -> bool:
    """True when running as root (always False on Windows)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def run_plan(plan: Plan) -> str | None:
    """Run ``plan``'s commands; return None on success, else a one-line error.

    A keytool command whose alias is already in (import) or already out (delete) is skipped.
    """
    for cmd in plan.commands:
        if cmd[0] == "keytool":
            alias = cmd[cmd.index("-alias") + 1]
            if _java_has(alias) == (cmd[1] == "-importcert"):
                continue
        r = subprocess.run(list(cmd), capture_output=True, text=True)
        if r.returncode != 0:
            why = (r.stderr.strip() or r.stdout.strip()).splitlines()
            return f"{' '.join(cmd[:2])} exited {r.returncode}: {why[-1] if why else ''}"
    return None
