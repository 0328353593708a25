"""Which placeholders an answer may restore: only those the proxy itself wrote into its request.

The upstream (possibly a hostile relay) sees every placeholder it is sent, and a local
process can type any placeholder-shaped text. Neither is a key to the vault: an answer gets
back the values behind the placeholders the proxy put into *the request it answers* (the
whole history is re-redacted every turn, so ordinary conversations keep working), plus
those of earlier requests it continues on the server (OpenAI Responses
``previous_response_id`` and ``conversation``), which ``Links`` remembers by id.

``Grant`` is the restricted lookup the restorers get; it also notes what the answer tried
to use without being granted, so the addon can report it. Pure: no mitmproxy, no network.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from redactproxy.errors import StoreError
from redactproxy.home import secure_file
from redactproxy.placeholders import PLACEHOLDER_RE
from redactproxy.restore import Lookup

__all__ = ["Grant", "Links", "continued_ids", "placeholders_in"]

#: Server-side conversations remembered (response and conversation ids), newest kept.
LINKS_LIMIT = 20_000


def placeholders_in(texts: Iterable[str]) -> set[str]:
    """Every placeholder-shaped token in ``texts``."""
    found: set[str] = set()
    for text in texts:
        if "<" in text:
            found.update(m.group(0) for m in PLACEHOLDER_RE.finditer(text))
    return found


class Grant:
    """The lookup one answer restores with: the vault, limited to granted placeholders.

    Args:
        resolve: The project's vault lookup (placeholder to value). With a shared store it
            answers from this process's memory only (restoration runs on the event loop).

    Attributes:
        allowed: Placeholders the answer may restore (filled once the request is redacted).
        typed: Placeholder-shaped text the client itself sent (forwarded as typed; never
            restored, unless the proxy also wrote the same placeholder into the request).
        refused: Placeholders the answer used that name a vault value but were not granted,
            in first-seen order (relay-steered: the request did not contain them).
        unresolved: Placeholders the answer used, not granted, that ``resolve`` did not
            know: with a shared store they may still name a value (numbered by another
            replica, or dropped from memory) until ``confirm`` says which do.
    """

    __slots__ = ("_resolve", "_values", "allowed", "refused", "typed", "unresolved")

    def __init__(self, resolve: Lookup) -> None:
        self._resolve = resolve
        self._values: dict[str, str] = {}
        self.allowed: set[str] = set()
        self.typed: set[str] = set()
        self.refused: list[str] = []
        self.unresolved: list[str] = []

    def _value(self, placeholder: str) -> str | None:
        value = self._values.get(placeholder)
        return value if value is not None else self._resolve(placeholder)

    def __call__(self, placeholder: str) -> str | None:
        if placeholder in self.allowed:
            return self._value(placeholder)
        if placeholder in self.typed or placeholder in self.refused:
            return None
        if self._value(placeholder) is not None:
            self.refused.append(placeholder)
        elif placeholder not in self.unresolved:
            self.unresolved.append(placeholder)
        return None

    def pin(self, values: dict[str, str]) -> None:
        """Hold the values read for this request (restoration then needs no cache entry)."""
        self._values.update(values)

    def confirm(self, known: Iterable[str]) -> None:
        """``unresolved`` was checked against the store: those ``known`` names a value of
        go to ``refused``; the rest name nothing (a model's invention) and are dropped."""
        known = set(known)
        self.refused += [p for p in self.unresolved if p in known and p not in self.refused]
        self.unresolved = []

    def known(self, placeholders: Iterable[str]) -> list[str]:
        """Those of ``placeholders`` that name a value in the vault, sorted."""
        return sorted(p for p in placeholders if self._value(p) is not None)


def continued_ids(doc: Any) -> tuple[str | None, str | None]:
    """Server-side state a request continues: ``(previous_response_id, conversation id)``.

    Both are OpenAI Responses fields (``conversation`` is a string or ``{"id": ...}``);
    ``(None, None)`` for stateless requests.
    """
    if not isinstance(doc, dict):
        return None, None
    prev = doc.get("previous_response_id")
    conv = doc.get("conversation")
    if isinstance(conv, dict):
        conv = conv.get("id")
    return (prev if isinstance(prev, str) and prev else None,
            conv if isinstance(conv, str) and conv else None)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    placeholders TEXT NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (scope, id)
);
"""


class Links:
    """Server-side conversation id -> placeholders granted along it, per project scope.

    Bounded (``limit`` ids, least recently used dropped). With a ``path`` (used when the
    vault itself is persistent) links survive a restart, so a Responses conversation
    continued after the proxy restarted still restores its values. The file holds
    placeholder names and provider ids only, never a value.

    Args:
        path: SQLite file, or None to keep links in memory.
        limit: Most ids kept.
    """

    def __init__(self, path: Path | None = None, limit: int = LINKS_LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._mem: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        self.path = path
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                secure_file(path)
                self._db.executescript(_SCHEMA)
                rows = self._db.execute(
                    "SELECT scope, id, placeholders FROM links ORDER BY used").fetchall()
            except (sqlite3.Error, OSError) as e:
                raise StoreError(f"cannot open conversation links {path}: {e}") from e
            for scope, rid, phs in rows[-limit:]:
                self._mem[(scope, rid)] = frozenset(json.loads(phs))

    def get(self, scope: str, ids: Iterable[str]) -> set[str]:
        """Placeholders granted along every conversation in ``ids`` (unknown ids: none)."""
        out: set[str] = set()
        with self._lock:
            for rid in ids:
                phs = self._mem.get((scope, rid))
                if phs is not None:
                    self._mem.move_to_end((scope, rid))
                    out |= phs
        return out

    def add(self, scope: str, rid: str, placeholders: Iterable[str]) -> None:
        """Remember that ``rid`` continues with ``placeholders`` (merged with what it had)."""
        key = (scope, rid)
        with self._lock:
            phs = frozenset(placeholders) | self._mem.get(key, frozenset())
            self._mem[key] = phs
            self._mem.move_to_end(key)
            dropped = []
            while len(self._mem) > self._limit:
                dropped.append(self._mem.popitem(last=False)[0])
            if self._db is None:
                return
            try:
                self._db.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?)",
                                 (scope, rid, json.dumps(sorted(phs)), time.time()))
                self._db.executemany("DELETE FROM links WHERE scope = ? AND id = ?", dropped)
            except sqlite3.Error as e:
                raise StoreError(f"cannot write conversation links {self.path}: {e}") from e

    def __len__(self) -> int:
        return len(self._mem)

    def close(self) -> None:
        """Close the file."""
        if self._db is not None:
            self._db.close()
            self._db = None
