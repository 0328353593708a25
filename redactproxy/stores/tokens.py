"""Per-developer access tokens for a team gateway, stored hashed beside the audit store.

A developer's tool sends its token where its API key would go (``Authorization: Bearer``,
``x-api-key``, ``x-goog-api-key``); the gateway looks up the token's SHA-256 (tokens are 256
random bits, so a plain hash is enough), swaps the token for the team's real key and records
the developer's name with the request. The database never holds a usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redactproxy.errors import StoreError
from redactproxy.home import secure_file

__all__ = ["TOKEN_PREFIX", "TokenInfo", "TokenStore", "is_token", "token_digest"]

TOKEN_PREFIX = "rpt_"
_TOKEN_RE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS access_tokens (
    name TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    created DOUBLE PRECISION NOT NULL,
    revoked DOUBLE PRECISION
);
"""

#: Runs one statement: ``(sql with ? marks, args) -> rows``; raises StoreError.
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def token_digest(token: str) -> str:
    """SHA-256 hex of a token: what the store keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_token(value: str) -> bool:
    """True if ``value`` has the shape of an access token (``rpt_`` + 43 characters)."""
    return _TOKEN_RE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One developer's token, without the token."""

    name: str
    created: float
    revoked: float | None

    @property
    def active(self) -> bool:
        """True unless revoked."""
        return self.revoked is None


class TokenStore:
    """Create, list, revoke and check tokens.

    Args:
        query: Runs one statement against the backing database (see ``sqlite_query``
            and ``redactproxy.stores.location``).
    """

    def __init__(self, query: Query) -> None:
        self._query = query
        self._cache: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    #: Seconds a check is cached; a revocation reaches every replica within this time.
    CACHE_SECONDS = 2.0

    def create(self, name: str) -> str:
        """Create a token for ``name`` and return it (shown once, never stored).

        Raises:
            ValueError: the name is malformed or already has an active token.
        """
        if not _NAME_RE.fullmatch(name):
            raise ValueError(f"invalid developer name {name!r}: letters, digits and ._@- "
                             "(up to 64, starting with a letter or digit)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        rows = self._query("SELECT revoked FROM access_tokens WHERE name = ?", (name,))
        if rows and rows[0][0] is None:
            raise ValueError(f"{name} already has an active token; revoke it first")
        if rows:
            self._query("DELETE FROM access_tokens WHERE name = ?", (name,))
        self._query("INSERT INTO access_tokens (name, digest, created, revoked) "
                    "VALUES (?, ?, ?, NULL)", (name, token_digest(token), time.time()))
        return token

    def list(self) -> list[TokenInfo]:
        """All tokens, by name."""
        return [TokenInfo(r[0], float(r[1]), None if r[2] is None else float(r[2]))
                for r in self._query("SELECT name, created, revoked FROM access_tokens "
                                     "ORDER BY name", ())]

    def revoke(self, name: str) -> bool:
        """Revoke ``name``'s token; False if it has no active one."""
        rows = self._query("UPDATE access_tokens SET revoked = ? WHERE name = ? "
                           "AND revoked IS NULL RETURNING name", (time.time(), name))
        return bool(rows)

    def count_active(self) -> int:
        """Number of tokens not revoked."""
        return int(self._query("SELECT count(*) FROM access_tokens WHERE revoked IS NULL",
                               ())[0][0])

    def developer(self, token: str) -> str | None:
        """The name behind an active ``token``, or None (unknown or revoked).

        Raises:
            StoreError: if the store cannot be read (the caller refuses the request).
        """
        if not is_token(token):
            return None
        digest = token_digest(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[1] < self.CACHE_SECONDS:
            return hit[0]
        rows = self._query("SELECT name FROM access_tokens WHERE digest = ? "
                           "AND revoked IS NULL", (digest,))
        name = rows[0][0] if rows else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (name, now)
        return name


def sqlite_query(path: Path) -> Query:
    """A ``Query`` over the SQLite file ``path`` (created 0600 with the table)."""
    lock = threading.Lock()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
        secure_file(path)
        db.executescript(SCHEMA)
    except (sqlite3.Error, OSError) as e:
        raise StoreError(f"cannot open token store {path}: {e}") from e

    def query(sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        with lock:
            try:
                return db.execute(sql, tuple(args)).fetchall()
            except sqlite3.Error as e:
                raise StoreError(f"cannot use token store {path}: {e}") from e

    return query
