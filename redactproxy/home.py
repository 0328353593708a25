"""Where redactproxy keeps its state: one per-user directory, readable by its owner only.

Every store (vault, audit log) lives under ``home_dir()`` so that one environment variable,
``REDACTPROXY_HOME``, moves all of it (tests, several profiles) and one ``chmod`` protects it.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from redactproxy.errors import StoreError

__all__ = ["ENV_VAR", "SECRET_FILE", "home_dir", "proxy_secret", "secure_file",
           "write_private_json"]

#: Environment variable that overrides the per-user data directory.
ENV_VAR = "REDACTPROXY_HOME"
#: The per-install proxy secret (the proxy URL's password), mode 0600 in ``home_dir()``.
SECRET_FILE = "proxy-secret"


def _default_dir() -> Path:
    """Return the platform's per-user data directory for redactproxy."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "redactproxy"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "redactproxy"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "redactproxy"


def home_dir() -> Path:
    """Return redactproxy's data directory, creating it (mode 0700) if it does not exist.

    ``REDACTPROXY_HOME`` wins over the platform default (``~/.local/share/redactproxy`` on
    Linux). An existing directory is used as is: its permissions are the user's choice.

    Raises:
        StoreError: if the directory cannot be created.
    """
    env = os.environ.get(ENV_VAR)
    path = Path(env).expanduser() if env else _default_dir()
    if not path.is_dir():
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
        except OSError as e:
            raise StoreError(f"cannot create data directory {path}: {e.strerror}") from e
    return path


def secure_file(path: Path) -> None:
    """Make ``path`` readable and writable by its owner only (0600).

    Raises:
        StoreError: if the permissions cannot be changed.
    """
    try:
        os.chmod(path, 0o600)
    except OSError as e:
        raise StoreError(f"cannot restrict permissions of {path}: {e.strerror}") from e


def write_private_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically, readable by its owner only.

    Raises:
        OSError: if the file cannot be written.
    """
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def proxy_secret() -> str:
    """The per-install secret clients put in the proxy URL, created on first use (0600).

    Only the user who can read ``<home>/proxy-secret`` (its owner) can use the proxy:
    another local user reaches the loopback port but not the file.

    Raises:
        StoreError: if the file cannot be read or created.
    """
    path = home_dir() / SECRET_FILE
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        pass
    except OSError as e:
        raise StoreError(f"cannot create the proxy secret {path}: {e.strerror}") from e
    else:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(f"cannot read the proxy secret {path}: {e}") from e
    if len(value) < 16:
        raise StoreError(f"the proxy secret {path} is empty or too short; delete the file to "
                         "make a new one")
    return value
