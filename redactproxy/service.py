"""A per-user service keeping the proxy running: systemd user unit (Linux), launchd agent (macOS).

The service runs ``redactproxy start --no-ui`` with this installation's own interpreter
(``python -m redactproxy``, so a pipx or uv tool venv keeps working after ``PATH`` changes),
starts at login, restarts when the proxy dies, and writes its log lines to the service
manager (the journal: ``journalctl --user -u redactproxy``; on macOS a log file, since
launchd has no journal).
"""

from __future__ import annotations

import os
import plistlib
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LAUNCHD_LABEL", "UNIT_NAME", "ServiceFiles", "launchd_plist", "service_files",
           "start_command", "systemd_unit"]

UNIT_NAME = "redactproxy.service"
LAUNCHD_LABEL = "dev.redactproxy.proxy"
#: Variables the service inherits from the shell that installs it, when set.
_PASSED_ENV = ("REDACTPROXY_HOME", "REDACTPROXY_CONFIG")


def start_command(port: int, project: Path, extra: list[str] | None = None) -> list[str]:
    """The argv the service runs."""
    return [sys.executable, "-m", "redactproxy", "start", "--no-ui", "--listen-port", str(port),
            "--project", str(project), *(extra or [])]


def _systemd_quote(arg: str) -> str:
    if arg and not any(c in arg for c in ' \t"\'\\$%;'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    return '"' + escaped.replace("%", "%%") + '"'


def _environment(env: dict[str, str]) -> dict[str, str]:
    return {k: env[k] for k in _PASSED_ENV if env.get(k)}


def systemd_unit(argv: list[str], env: dict[str, str]) -> str:
    """The text of the systemd user unit."""
    lines = [
        "[Unit]",
        "Description=redactproxy: privacy-filtering proxy for AI APIs",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_quote(a) for a in argv),
    ]
    for key, value in _environment(env).items():
        lines.append(f"Environment={_systemd_quote(f'{key}={value}')}")
    lines += [
        "Restart=on-failure",
        "RestartSec=2",
        "StandardOutput=journal",
        "StandardError=journal",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def launchd_plist(argv: list[str], env: dict[str, str], log: Path) -> bytes:
    """The launchd agent property list."""
    data: dict[str, object] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": argv,
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": str(log),
        "StandardErrorPath": str(log),
    }
    if _environment(env):
        data["EnvironmentVariables"] = _environment(env)
    return plistlib.dumps(data)


@dataclass(frozen=True, slots=True)
class ServiceFiles:
    """Where the service definition lives and how the service manager is driven.

    Args:
        manager: ``systemd`` or ``launchd``.
        path: The unit or plist file.
        enable: Commands that load and start it.
        disable: Commands that stop and unload it.
        status: Command that shows its state.
    """

    manager: str
    path: Path
    enable: tuple[tuple[str, ...], ...]
    disable: tuple[tuple[str, ...], ...]
    status: tuple[str, ...]


def service_files(platform: str | None = None) -> ServiceFiles:
    """The service definition for this platform.

    Raises:
        ValueError: the platform has no supported per-user service manager.
    """
    platform = platform or sys.platform
    if platform == "darwin":
        path = Path.home() / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        domain = f"gui/{os.getuid()}"
        return ServiceFiles(
            "launchd", path,
            (("launchctl", "bootstrap", domain, str(path)),),
            (("launchctl", "bootout", domain, str(path)),),
            ("launchctl", "print", f"{domain}/{LAUNCHD_LABEL}"))
    if platform.startswith("linux"):
        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        path = config / "systemd" / "user" / UNIT_NAME
        return ServiceFiles(
            "systemd", path,
            (("systemctl", "--user", "daemon-reload"),
             ("systemctl", "--user", "enable", "--now", UNIT_NAME)),
            (("systemctl", "--user", "disable", "--now", UNIT_NAME),),
            ("systemctl", "--user", "status", "--no-pager", UNIT_NAME))
    raise ValueError(f"no per-user service manager supported on {platform} (Linux systemd and "
                     "macOS launchd are)")
