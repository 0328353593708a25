"""The placeholder vault: value ⇄ placeholder, per project scope, persistent and encrypted.

The same value always gets the same placeholder within a scope (so a conversation resent
every turn produces the same upstream bytes and prompt caching keeps working), two values
never share one, and numbering is per entity type (``<EMAIL_ADDRESS_1>``,
``<EMAIL_ADDRESS_2>``). On disk each value is AES-GCM encrypted with a key kept in the OS
keyring and looked up by an HMAC of the value; without a key the vault stays in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from redactproxy.errors import StoreError
from redactproxy.home import secure_file
from redactproxy.placeholders import format_placeholder

__all__ = ["Vault", "VaultCipher"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    number INTEGER NOT NULL,
    digest BLOB NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (scope, entity, number),
    UNIQUE (scope, digest)
);
"""


class VaultCipher:
    """The vault's encryption: AES-GCM per value, bound to its row; HMAC digests for lookups.

    Shared by every vault store (SQLite here, PostgreSQL in ``redactproxy.stores``), so a
    database only ever holds ciphertext and keyed digests; the key stays with the proxy.

    Args:
        key: 32-byte AES key; None gives a per-process random digest key and no encryption.
    """

    def __init__(self, key: bytes | None) -> None:
        self.aead = AESGCM(key) if key else None
        self.mac_key = hashlib.sha256(b"redactproxy-vault-digest" + key).digest() if key else (
            os.urandom(32))

    @staticmethod
    def aad(scope: str, entity: str, number: int) -> bytes:
        """Associated data binding a ciphertext to its scope, entity and number."""
        return f"{scope}\0{entity}\0{number}".encode()

    def digest(self, scope: str, value: str) -> bytes:
        """Keyed hash of ``value`` in ``scope``: finds a value's row without storing it."""
        return hmac.new(self.mac_key, f"{scope}\0{value}".encode(), hashlib.sha256).digest()

    def encrypt(self, scope: str, entity: str, number: int, value: str) -> tuple[bytes, bytes]:
        """Return ``(nonce, ciphertext)`` of ``value`` for its row."""
        assert self.aead is not None
        nonce = os.urandom(12)
        return nonce, self.aead.encrypt(nonce, value.encode(), self.aad(scope, entity, number))

    def decrypt(self, scope: str, entity: str, number: int, nonce: bytes, ct: bytes) -> str:
        """Return the value of one row; raises on a wrong key or a tampered row."""
        assert self.aead is not None
        return self.aead.decrypt(nonce, ct, self.aad(scope, entity, number)).decode()


class Vault:
    """Placeholders for values, per scope (a project).

    Args:
        path: SQLite file to persist to; None keeps everything in memory.
        key: 32-byte AES key (from the keyring). Required when ``path`` is given.
    """

    def __init__(self, path: Path | None = None, key: bytes | None = None) -> None:
        if path is not None and (key is None or len(key) != 32):
            raise ValueError("a persistent vault needs a 32-byte key")
        self._lock = threading.Lock()
        self._key = key
        self._cipher = VaultCipher(key)
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[tuple[str, str], str] = {}
        self._counters: dict[tuple[str, str], int] = {}
        self._db: sqlite3.Connection | None = None
        self.path = path
        if path is not None:
            self._open(path)

    @property
    def persistent(self) -> bool:
        """True if mappings survive a restart (a keyring key and a file are in use)."""
        return self._db is not None

    def _open(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            secure_file(path)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=DELETE")
            self._db.executescript(_SCHEMA)
            rows = self._db.execute(
                "SELECT scope, entity, number, nonce, ciphertext FROM entries").fetchall()
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open vault {path}: {e}") from e
        self._load_rows(rows)

    def _load_rows(self, rows: list[tuple[str, str, int, bytes, bytes]]) -> None:
        path = self.path
        for scope, entity, number, nonce, ct in rows:
            try:
                value = self._cipher.decrypt(scope, entity, number, nonce, ct)
            except Exception as e:  # wrong key or tampered row
                raise StoreError(
                    f"cannot decrypt vault {path} (the keyring's vault key does not match it); "
                    "move the file away to start a new vault") from e
            self._remember(scope, entity, number, value)

    def _remember(self, scope: str, entity: str, number: int, value: str) -> str:
        ph = format_placeholder(entity, number)
        self._by_value[(scope, value)] = ph
        self._by_placeholder[(scope, ph)] = value
        key = (scope, entity)
        self._counters[key] = max(self._counters.get(key, 0), number)
        return ph

    def placeholder(self, scope: str, entity: str, value: str) -> str:
        """Return the placeholder for ``value`` in ``scope``, creating it if new.

        Raises:
            StoreError: if the new mapping cannot be persisted (the caller fails closed).
        """
        existing = self._by_value.get((scope, value))
        if existing is not None:
            return existing
        with self._lock:
            existing = self._by_value.get((scope, value))
            if existing is not None:
                return existing
            if self._db is None:
                return self._remember(scope, entity, self._counters.get((scope, entity), 0) + 1,
                                      value)
            try:
                try:
                    return self._insert(scope, entity, value)
                except sqlite3.IntegrityError:
                    # Another process (`redactproxy redact`, a second proxy) numbered values
                    # in this scope since we loaded: take its rows, then number again.
                    if not self._reload():
                        raise
                    return self._by_value.get((scope, value)) or self._insert(
                        scope, entity, value)
            except sqlite3.Error as e:
                raise StoreError(f"cannot write vault {self.path}: {e}") from e

    def _insert(self, scope: str, entity: str, value: str) -> str:
        """Persist the next number of ``entity`` for ``value`` (lock held)."""
        assert self._db is not None
        number = self._counters.get((scope, entity), 0) + 1
        nonce, ct = self._cipher.encrypt(scope, entity, number, value)
        self._db.execute(
            "INSERT INTO entries (scope, entity, number, digest, nonce, ciphertext, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (scope, entity, number, self._cipher.digest(scope, value), nonce, ct, time.time()))
        return self._remember(scope, entity, number, value)

    def _reload(self) -> bool:
        """Read rows other processes added; True if there were any."""
        assert self._db is not None
        before = len(self._by_placeholder)
        try:
            rows = self._db.execute(
                "SELECT scope, entity, number, nonce, ciphertext FROM entries").fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"cannot read vault {self.path}: {e}") from e
        self._load_rows([r for r in rows if (r[0], format_placeholder(r[1], r[2]))
                          not in self._by_placeholder])
        return len(self._by_placeholder) > before

    def lookup(self, scope: str, placeholder: str) -> str | None:
        """Return the value behind ``placeholder`` in ``scope``, or None."""
        return self._by_placeholder.get((scope, placeholder))

    def size(self, scope: str | None = None) -> int:
        """Number of mappings (in one scope, or all)."""
        if scope is None:
            return len(self._by_value)
        return sum(1 for s, _ in self._by_value if s == scope)

    def close(self) -> None:
        """Close the database file."""
        if self._db is not None:
            self._db.close()
            self._db = None
