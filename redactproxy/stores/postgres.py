"""A small pool of PostgreSQL connections shared by a proxy's stores: transactions,
reconnects, schema.

psycopg 3 is an optional dependency (the ``team`` extra); importing this module without it
raises ``StoreError`` saying how to install it. Each store method runs one short transaction
on a connection taken from the pool (at most ``POOL_SIZE`` per process, so replicas x pool
stays far below the server's ``max_connections`` however many clients the gateway serves);
the proxy calls the stores from worker threads (``redactproxy.proxy.offloop``), never from
its event loop, so a slow statement delays only the requests that need it. A connection
lost to an outage is dropped and reopened by the next call, so the proxy refuses requests
while the database is down and serves them again once it is back, without a restart.
Errors never carry the URL's password.
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
#: Connections per process: the store threads (``offloop.STORE_THREADS``) plus the writer.
POOL_SIZE = 6


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


class Database:
    """Lazily (re)opened connections to ``url`` (a pool of ``size``) and the stores' schema.

    Args:
        url: ``postgresql://user:password@host:port/dbname`` (libpq URL or key=value string).
        size: Most connections open at once; callers beyond that wait for a free one.
    """

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self.url = url
        self.where = safe_url(url)
        self.size = size
        self._free: list[psycopg.Connection[Any] | None] = [None] * size
        self._slots = threading.Semaphore(size)
        self._pool_lock = threading.Lock()
        self._mine = threading.local()  # the connection a thread holds (nested transactions)
        self._schemas: set[str] = set()

    def _connect(self, conn: psycopg.Connection[Any] | None) -> psycopg.Connection[Any]:
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        _close(conn)
        return psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            application_name="redactproxy")

    @contextmanager
    def _checkout(self) -> Iterator[list[psycopg.Connection[Any] | None]]:
        """A pool slot (``[connection or None]``) for this thread; nested calls share it."""
        held = getattr(self._mine, "slot", None)
        if held is not None:
            yield held
            return
        self._slots.acquire()
        with self._pool_lock:
            slot = [self._free.pop()]
        self._mine.slot = slot
        try:
            yield slot
        finally:
            self._mine.slot = None
            with self._pool_lock:
                self._free.append(slot[0])
            self._slots.release()

    @contextmanager
    def transaction(self, what: str, *, isolation: str | None = None,
                    autocommit: bool = False) -> Iterator[psycopg.Cursor[Any]]:
        """Run the block in one transaction; database errors become ``StoreError``.

        Args:
            what: What is being done, for the error message (``write audit store``).
            isolation: ``REPEATABLE READ`` for consistent multi-statement reads.
            autocommit: Run each statement on its own instead (single reads).
        """
        with self._checkout() as slot:
            try:
                conn = slot[0] = self._connect(slot[0])
                if autocommit:
                    with conn.cursor() as cur:
                        yield cur
                    return
                with conn.transaction(), conn.cursor() as cur:
                    if isolation:
                        cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                    yield cur
            except psycopg.Error as e:
                conn = slot[0]
                if conn is not None and (isinstance(e, psycopg.OperationalError)
                                         or conn.broken):
                    _close(conn)
                    slot[0] = None
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
        """Close the idle connections (a later call reopens them)."""
        with self._pool_lock:
            for i, conn in enumerate(self._free):
                _close(conn)
                self._free[i] = None


def _close(conn: psycopg.Connection[Any] | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except psycopg.Error:
            pass
