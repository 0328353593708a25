"""One PostgreSQL connection shared by a proxy's stores: transactions, reconnects, schema.

psycopg 3 is an optional dependency (the ``team`` extra); importing this module without it
raises ``StoreError`` saying how to install it. Each store method runs one short transaction
under a lock; a connection lost to an outage is dropped and reopened by the next call, so
the proxy refuses requests while the database is down and serves them again once it is back,
without a restart. Errors never carry the URL's password.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redactproxy.errors import StoreError

try:
    import psycopg
except ImportError as e:  # pragma: no cover - exercised by the install check
    raise StoreError("PostgreSQL stores need psycopg: pip install 'redactproxy[team]' "
                     "(or psycopg[binary])") from e

__all__ = ["Database", "safe_url"]

#: Seconds to wait for a connection, and for one statement (an outage must not hang requests).
CONNECT_TIMEOUT = 3
STATEMENT_TIMEOUT_MS = 5000


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


class Database:
    """A lazily (re)opened connection to ``url`` and the schema of the stores.

    Args:
        url: ``postgresql://user:password@host:port/dbname`` (libpq URL or key=value string).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = safe_url(url)
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Any] | None = None
        self._schemas: set[str] = set()

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._drop()
        self._conn = psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            application_name="redactproxy")
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    @contextmanager
    def transaction(self, what: str, *, isolation: str | None = None,
                    autocommit: bool = False) -> Iterator[psycopg.Cursor[Any]]:
        """Run the block in one transaction; database errors become ``StoreError``.

        Args:
            what: What is being done, for the error message (``write audit store``).
            isolation: ``REPEATABLE READ`` for consistent multi-statement reads.
            autocommit: Run each statement on its own instead (single reads).
        """
        with self._lock:
            try:
                conn = self._connect()
                if autocommit:
                    with conn.cursor() as cur:
                        yield cur
                    return
                with conn.transaction(), conn.cursor() as cur:
                    if isolation:
                        cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                    yield cur
            except psycopg.Error as e:
                if isinstance(e, psycopg.OperationalError) or (
                        self._conn is not None and self._conn.broken):
                    self._drop()
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise StoreError(f"cannot {what} ({self.where}): {first}") from None

    def query(self, what: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """One statement on its own (no explicit transaction: one round trip)."""
        with self.transaction(what, autocommit=True) as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []

    def ensure_schema(self, name: str, ddl: str) -> None:
        """Create tables once per process; an advisory lock orders replicas starting together."""
        if name in self._schemas:
            return
        with self.transaction(f"create the {name} tables") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('redactproxy-schema'))")
            cur.execute(ddl)
        self._schemas.add(name)

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        with self._lock:
            self._drop()
