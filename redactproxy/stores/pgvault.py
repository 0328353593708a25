"""The placeholder vault on PostgreSQL, shared by every replica of a team gateway.

Same contract as ``redactproxy.vault.Vault`` (one placeholder per value and scope, numbered
per entity type, values AES-GCM encrypted under a key the database never sees), with the
numbering allocated in the database so that replicas agree:

* ``vault_entries`` has ``UNIQUE (scope, digest)`` (a keyed HMAC of the value), so one value
  gets one row however many replicas insert it at the same moment;
* ``vault_counters`` holds the last number per ``(scope, entity)``; incrementing it in the
  same transaction as the insert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) locks
  that row, so numbers are handed out one at a time and never twice;
* the loser of a race on the same value (its insert hits the unique digest) rolls back its
  counter increment and reads the winner's placeholder.

Mappings are cached in memory once seen (the ``cache_limit`` most recently stored,
``redactproxy.caps``: a gateway serving a team for months must not grow without bound); a
placeholder another replica created, or one dropped from the cache, is read from the
database again when needed (``fetch``, beside the event loop; a request holds the values it
was granted, so restoration never depends on what the cache still has).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from redactproxy.caps import Caps, note_full
from redactproxy.errors import StoreError
from redactproxy.placeholders import format_placeholder, parse_placeholder
from redactproxy.stores.postgres import Database
from redactproxy.vault import VaultCipher

__all__ = ["PgVault"]

log = logging.getLogger("redactproxy")

SCHEMA = """
CREATE TABLE IF NOT EXISTS vault_entries (
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    number INTEGER NOT NULL,
    digest BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, entity, number),
    UNIQUE (scope, digest)
);
CREATE TABLE IF NOT EXISTS vault_counters (
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (scope, entity)
);
"""


class _Taken(Exception):
    """Another replica stored the same value first: roll back and use its placeholder."""


class PgVault:
    """Placeholders for values, per scope, in PostgreSQL.

    Args:
        db: The shared connection.
        key: 32-byte AES key (key file, environment or keyring; never stored in the database).
        cache_limit: Mappings kept in memory (the least recently stored dropped first).
    """

    def __init__(self, db: Database, key: bytes, cache_limit: int = Caps.vault) -> None:
        if len(key) != 32:
            raise ValueError("a persistent vault needs a 32-byte key")
        self._db = db
        self._cipher = VaultCipher(key)
        self._lock = threading.Lock()
        self._by_value: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._by_placeholder: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.cache_limit = cache_limit
        db.ensure_schema("vault", SCHEMA)

    @property
    def persistent(self) -> bool:
        """Always True: mappings live in the database."""
        return True

    @property
    def path(self) -> str:
        """Where the vault lives (the URL without its password)."""
        return self._db.where

    def _remember(self, scope: str, entity: str, number: int, value: str) -> str:
        ph = format_placeholder(entity, number)
        with self._lock:
            self._by_value[(scope, value)] = ph
            self._by_value.move_to_end((scope, value))
            self._by_placeholder[(scope, ph)] = value
            self._by_placeholder.move_to_end((scope, ph))
            if len(self._by_placeholder) > self.cache_limit:
                note_full("vault mappings", str(self.cache_limit))
            while len(self._by_value) > self.cache_limit:
                self._by_value.popitem(last=False)
            while len(self._by_placeholder) > self.cache_limit:
                self._by_placeholder.popitem(last=False)
        return ph

    def placeholder(self, scope: str, entity: str, value: str) -> str:
        """Return the placeholder for ``value`` in ``scope``, allocating it if new.

        Raises:
            StoreError: if the database cannot be reached (the caller fails closed).
        """
        existing = self._by_value.get((scope, value))
        if existing is not None:
            return existing
        digest = self._cipher.digest(scope, value)
        rows = self._db.query("write vault", "SELECT entity, number FROM vault_entries "
                              "WHERE scope = %s AND digest = %s", (scope, digest))
        if rows:  # another replica (or an earlier run) numbered it already
            return self._remember(scope, rows[0][0], rows[0][1], value)
        try:
            with self._db.transaction("write vault") as cur:
                number = cur.execute(
                    "INSERT INTO vault_counters (scope, entity, last) VALUES (%s, %s, 1) "
                    "ON CONFLICT (scope, entity) DO UPDATE SET last = vault_counters.last + 1 "
                    "RETURNING last", (scope, entity)).fetchone()[0]
                nonce, ct = self._cipher.encrypt(scope, entity, number, value)
                inserted = cur.execute(
                    "INSERT INTO vault_entries (scope, entity, number, digest, nonce, "
                    "ciphertext, created) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (scope, digest) DO NOTHING RETURNING number",
                    (scope, entity, number, digest, nonce, ct, time.time())).fetchone()
                if inserted is None:
                    raise _Taken
                return self._remember(scope, entity, number, value)
        except _Taken:
            pass
        with self._db.transaction("read vault") as cur:
            row = cur.execute("SELECT entity, number FROM vault_entries "
                              "WHERE scope = %s AND digest = %s", (scope, digest)).fetchone()
        if row is None:  # pragma: no cover - the winner's row is committed before we conflict
            raise StoreError("vault entry vanished during allocation")
        return self._remember(scope, row[0], row[1], value)

    def lookup(self, scope: str, placeholder: str) -> str | None:
        """Return the value behind ``placeholder`` in ``scope``, or None.

        A placeholder first seen on another replica is read (and decrypted) once; if the
        database is unreachable the placeholder stays unrestored and a warning is logged.
        """
        value = self._by_placeholder.get((scope, placeholder))
        if value is not None:
            return value
        parts = parse_placeholder(placeholder)
        if parts is None:
            return None
        entity, number = parts
        try:
            with self._db.transaction("read vault") as cur:
                row = cur.execute("SELECT nonce, ciphertext FROM vault_entries WHERE "
                                  "scope = %s AND entity = %s AND number = %s",
                                  (scope, entity, number)).fetchone()
        except StoreError as e:
            log.warning("placeholder not restored: %s", e)
            return None
        if row is None:
            return None
        try:
            value = self._cipher.decrypt(scope, entity, number, bytes(row[0]), bytes(row[1]))
        except Exception:  # noqa: BLE001 - wrong key or tampered row: never guess a value
            log.error("vault row %s/%s cannot be decrypted (wrong vault key?)", entity, number)
            return None
        self._remember(scope, entity, number, value)
        return value

    def cached(self, scope: str, placeholder: str) -> str | None:
        """The value behind ``placeholder`` if this process has seen it (no database call).

        Restoration runs on the proxy's event loop: it uses this, after ``warm`` read the
        request's placeholders beside the loop.
        """
        return self._by_placeholder.get((scope, placeholder))

    def warm(self, scope: str, placeholders: Iterable[str]) -> None:
        """Read the values of ``placeholders`` not cached yet, in one query (blocking).

        A database failure is logged: those placeholders then stay unrestored, as with
        ``lookup``.
        """
        try:
            self.fetch(scope, placeholders)
        except StoreError as e:
            log.warning("placeholders not restored: %s", e)

    def fetch(self, scope: str, placeholders: Iterable[str]) -> dict[str, str]:
        """The values behind ``placeholders`` (those that name one), from memory or in one
        query to the database (blocking: call it beside the event loop).

        Raises:
            StoreError: if the database cannot be read for placeholders not in memory.
        """
        found: dict[str, str] = {}
        wanted: dict[tuple[str, int], str] = {}
        for ph in placeholders:
            value = self._by_placeholder.get((scope, ph))
            if value is not None:
                found[ph] = value
                continue
            parts = parse_placeholder(ph)
            if parts is not None:
                wanted[parts] = ph
        if not wanted:
            return found
        rows = self._db.query(
            "read vault", "SELECT entity, number, nonce, ciphertext FROM vault_entries "
            "WHERE scope = %s AND (entity, number) IN (SELECT * FROM unnest("
            "%s::text[], %s::int[]))",
            (scope, [e for e, _ in wanted], [n for _, n in wanted]))
        for entity, number, nonce, ct in rows:
            try:
                value = self._cipher.decrypt(scope, entity, number, bytes(nonce), bytes(ct))
            except Exception:  # noqa: BLE001 - wrong key or tampered row: never guess a value
                log.error("vault row %s/%s cannot be decrypted (wrong vault key?)", entity,
                          number)
                continue
            found[self._remember(scope, entity, number, value)] = value
        return found

    def size(self, scope: str | None = None) -> int:
        """Number of mappings in the database (in one scope, or all)."""
        with self._db.transaction("read vault") as cur:
            if scope is None:
                return int(cur.execute("SELECT count(*) FROM vault_entries").fetchone()[0])
            return int(cur.execute("SELECT count(*) FROM vault_entries WHERE scope = %s",
                                   (scope,)).fetchone()[0])

    def close(self) -> None:
        """Forget the cache; the shared connection is closed by its owner."""
        with self._lock:
            self._by_value.clear()
            self._by_placeholder.clear()
