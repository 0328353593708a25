"""Projects: which rule files apply to a request, and the registry behind proxy user names.

One proxy serves many projects. ``redactproxy env``/``run`` inside project X put X's id in
the proxy URL's user name (``http://<id>:x@127.0.0.1:8080``); the proxy reads it from the
CONNECT request and looks the id up in ``projects.json`` under ``REDACTPROXY_HOME``.
Requests without a user name use the proxy's default project (``start --project``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redactproxy.config import ProjectConfig, load_project
from redactproxy.errors import UnknownProject
from redactproxy.home import home_dir, write_private_json

__all__ = ["ProjectSet", "lookup", "project_id", "register", "registered"]


def project_id(root: Path) -> str:
    """A short, stable, URL-safe id for a project directory (``myapp-3f9a1c``)."""
    root = root.expanduser().resolve()
    slug = re.sub(r"[^a-z0-9]+", "-", root.name.lower()).strip("-")[:24] or "root"
    return f"{slug}-{hashlib.sha256(str(root).encode()).hexdigest()[:6]}"


def _registry_path() -> Path:
    return home_dir() / "projects.json"


def _read_registry() -> dict[str, str]:
    try:
        data = json.loads(_registry_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def register(root: Path) -> str:
    """Record ``root`` in the registry and return its id."""
    root = root.expanduser().resolve()
    pid = project_id(root)
    data = _read_registry()
    if data.get(pid) != str(root):
        data[pid] = str(root)
        write_private_json(_registry_path(), data)
    return pid


def registered() -> dict[str, Path]:
    """Every registered project: id -> directory."""
    return {pid: Path(path) for pid, path in _read_registry().items()}


def lookup(pid: str) -> Path | None:
    """The directory registered under ``pid``, or None."""
    path = _read_registry().get(pid)
    return Path(path) if path else None


class ProjectSet:
    """The configurations of every project the proxy has seen, reloaded when files change.

    Args:
        default_root: Project of requests without a proxy user name.
        nlp: Whether NER may run at all.
        known: Returns the known-secrets detector for a project root (or None).
    """

    def __init__(self, default_root: Path, *, nlp: bool = True,
                 known: Callable[[Path], Any] | None = None) -> None:
        self.default_root = default_root.expanduser().resolve()
        self.default_id = project_id(self.default_root)
        self._nlp = nlp
        self._known = known
        self._configs: dict[str, ProjectConfig] = {}
        self._lock = threading.Lock()

    def load_default(self) -> ProjectConfig:
        """Load the default project now (start-up fails on a broken rule file)."""
        return self.get(None)

    def _root(self, pid: str | None) -> Path:
        if pid is None or pid == self.default_id:
            return self.default_root
        root = lookup(pid)
        if root is None:
            raise UnknownProject(f"unknown project id '{pid}' in the proxy user name; run "
                                 "`redactproxy env` inside the project to register it")
        return root

    def get(self, pid: str | None) -> ProjectConfig:
        """The current configuration of project ``pid`` (None: the default project).

        Raises:
            UnknownProject: the id is not registered (fail closed).
            ConfigError: a rule file is broken (fail closed).
        """
        key = pid or self.default_id
        cfg = self._configs.get(key)
        if cfg is not None and not cfg.stale():
            return cfg
        with self._lock:
            root = self._root(pid)
            known = self._known(root) if self._known else None
            cfg = load_project(root, nlp=self._nlp, known=known)
            self._configs[key] = cfg
            return cfg

    def invalidate(self) -> None:
        """Forget loaded configurations (known secrets changed); they reload on next use."""
        with self._lock:
            self._configs.clear()

    def loaded(self) -> list[ProjectConfig]:
        """Configurations loaded so far."""
        return list(self._configs.values())
