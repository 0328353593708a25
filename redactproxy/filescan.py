"""Scanning files on disk: which files a path means, accepted values, and ``file:line`` reports.

Used by ``redactproxy scan PATH...`` and the pre-commit hook. A directory means the files git
would track in it (``git ls-files --cached --others --exclude-standard``, so ``.gitignore``
is respected), or every non-hidden file below it outside a git work tree. Binary files are
skipped. An allow file lists accepted values, one per line, as the value itself or as
``sha256:<hex>`` of it (so a real value never has to be written down).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from redactproxy.detect.base import Finding
from redactproxy.errors import ConfigError
from redactproxy.masking import mask_value

__all__ = ["ALLOW_FILE", "AllowList", "Located", "expand_paths", "locate", "read_text_file"]

#: Default allow file, looked up in the current directory.
ALLOW_FILE = ".redactproxy-allow"


def _git_files(directory: Path) -> list[Path] | None:
    try:
        r = subprocess.run(["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard", "--", "."],
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None  # not a git work tree
    return [directory / p for p in r.stdout.decode().split("\0") if p]


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files to scan for ``paths`` (files as given, directories expanded), in order, unique.

    Raises:
        ConfigError: a path does not exist.
    """
    out: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = _git_files(path)
            for f in sorted(files) if files is not None else _walk(path):
                if f.is_file():
                    out[f] = None
        elif path.exists():
            out[path] = None
        else:
            raise ConfigError(f"cannot read {raw} (no such file or directory)")
    return list(out)


def read_text_file(path: Path) -> str | None:
    """The file's text, or None for a binary file.

    Raises:
        ConfigError: it cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {path} ({e.strerror})") from None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


class AllowList:
    """Accepted values: exact values and ``sha256:`` digests of values.

    Args:
        lines: Lines of an allow file (``#`` starts a comment line, blank lines ignored).
    """

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._digests: set[str] = set()
        for line in lines:
            item = line.rstrip("\r\n")
            if not item.strip() or item.lstrip().startswith("#"):
                continue
            if item.startswith("sha256:"):
                self._digests.add(item[7:].strip().lower())
            else:
                self._values.add(item.strip())

    @classmethod
    def load(cls, path: Path) -> AllowList:
        """Read an allow file.

        Raises:
            ConfigError: it cannot be read.
        """
        try:
            return cls(path.read_text(encoding="utf-8").splitlines())
        except OSError as e:
            raise ConfigError(f"cannot read allow file {path} ({e.strerror})") from None

    def allows(self, value: str) -> bool:
        """True if ``value`` was accepted."""
        return value in self._values or (
            bool(self._digests) and hashlib.sha256(value.encode()).hexdigest() in self._digests)


@dataclass(frozen=True, slots=True)
class Located:
    """A finding placed in a file: 1-based line and column, a masked preview."""

    path: str
    line: int
    column: int
    entity: str
    rule: str
    preview: str

    def line_text(self) -> str:
        """``path:line:column: ENTITY (rule) preview`` (the preview never shows the value)."""
        return f"{self.path}:{self.line}:{self.column}: {self.entity} ({self.rule}) {self.preview}"


def locate(path: str, text: str, findings: Iterable[Finding]) -> list[Located]:
    """Line and column of each finding in ``text``."""
    out = []
    for f in findings:
        line = text.count("\n", 0, f.start) + 1
        column = f.start - (text.rfind("\n", 0, f.start) + 1) + 1
        out.append(Located(path, line, column, f.entity, f.rule,
                           mask_value(text[f.start:f.end], f.entity)))
    return out
