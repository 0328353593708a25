"""The audit store: an append-only, hash-chained SQLite log of what was redacted and sent.

It answers "what left this machine, when, and what was taken out of it" without holding
anything sensitive: a request row carries metadata only (host, path without query, models,
tokens, verdict, alerts) and a finding row carries entity, rule, action, placeholder and a
keyed hash, never a value, a masked preview or a context.

Every row of both tables is a link of one chain, in ``row_id`` order::

    row_hash = sha256(prev_hash || canonical JSON of the row)

so ``verify()`` names the first row edited or deleted by hand. The chain is not keyed:
someone able to rewrite the whole file can rebuild it, which an exported chain head
(``redactproxy report export``) then exposes. The ``chain`` table keeps the head and row
count so that rows cut from the end are detected too.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redactproxy.errors import StoreError
from redactproxy.home import home_dir, secure_file
from redactproxy.masking import safe_path
from redactproxy.records import RequestRecord

__all__ = [
    "FILE_NAME",
    "GENESIS",
    "STORED_COLUMNS",
    "AuditStore",
    "StoredRequest",
    "VerifyResult",
    "default_path",
    "request_values",
    "row_hash",
    "row_values",
    "verify_chain",
]

FILE_NAME = "audit.sqlite3"
#: ``prev_hash`` of the first row.
GENESIS = "0" * 64
_SCHEMA_VERSION = 2

# Columns hashed for each table, in storage order (row_id, prev_hash, row_hash come first).
REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id", "started", "project", "client", "method", "host", "path", "provider", "api",
    "model_requested", "model_served", "finding_count", "restored", "streamed", "status",
    "ttfb_ms", "total_ms", "tokens_in", "tokens_out", "request_bytes", "verdict", "reason",
    "alerts",
)
FINDING_COLUMNS: tuple[str, ...] = (
    "request_row", "request_id", "entity", "rule", "action", "placeholder", "value_hash",
    "field",
)
#: Request columns added later: hashed only when set, so rows written before still verify.
OPTIONAL_REQUEST_COLUMNS: tuple[str, ...] = ("developer",)
#: Columns stored per table (hashed ones, then optional ones), in the order rows are read.
STORED_COLUMNS = {"requests": REQUEST_COLUMNS + OPTIONAL_REQUEST_COLUMNS,
                  "findings": FINDING_COLUMNS}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    row_id INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL,
    request_id TEXT NOT NULL, started REAL NOT NULL, project TEXT NOT NULL,
    client TEXT NOT NULL, method TEXT NOT NULL, host TEXT NOT NULL, path TEXT NOT NULL,
    provider TEXT, api TEXT, model_requested TEXT, model_served TEXT,
    finding_count INTEGER NOT NULL, restored INTEGER NOT NULL, streamed INTEGER NOT NULL,
    status INTEGER, ttfb_ms REAL, total_ms REAL, tokens_in INTEGER, tokens_out INTEGER,
    request_bytes INTEGER NOT NULL, verdict TEXT NOT NULL, reason TEXT, alerts TEXT NOT NULL,
    developer TEXT
);
CREATE INDEX IF NOT EXISTS requests_started ON requests(started);
CREATE TABLE IF NOT EXISTS findings (
    row_id INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL,
    request_row INTEGER NOT NULL, request_id TEXT NOT NULL, entity TEXT NOT NULL,
    rule TEXT NOT NULL, action TEXT NOT NULL, placeholder TEXT, value_hash TEXT NOT NULL,
    field TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_request ON findings(request_row);
CREATE TABLE IF NOT EXISTS chain (
    id INTEGER PRIMARY KEY CHECK (id = 1), head TEXT NOT NULL, rows INTEGER NOT NULL
);
INSERT OR IGNORE INTO chain (id, head, rows) VALUES (1, '""" + GENESIS + """', 0);
CREATE TRIGGER IF NOT EXISTS requests_no_update BEFORE UPDATE ON requests
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS requests_no_delete BEFORE DELETE ON requests
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS findings_no_update BEFORE UPDATE ON findings
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS findings_no_delete BEFORE DELETE ON findings
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
"""


def default_path() -> Path:
    """Return where the audit store lives: ``audit.sqlite3`` under ``home_dir()``."""
    return home_dir() / FILE_NAME


def row_hash(prev_hash: str, table: str, row_id: int, values: dict[str, Any]) -> str:
    """Return the chain hash of one row.

    Args:
        prev_hash: ``row_hash`` of the previous row (``GENESIS`` for the first).
        table: ``requests`` or ``findings``; hashed so a row cannot move between tables.
        row_id: The row's position in the chain.
        values: The row's columns (without ``row_id``, ``prev_hash``, ``row_hash``).
    """
    doc = {"table": table, "row_id": row_id, **values}
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of ``AuditStore.verify``.

    Args:
        ok: True if every row matches its hash and links to the one before.
        rows: Rows checked (both tables).
        first_bad_row_id: ``row_id`` of the first row altered, missing or out of chain.
        message: One line for the user.
        head: Hash of the last good row.
    """

    ok: bool
    rows: int
    first_bad_row_id: int | None
    message: str
    head: str = GENESIS


@dataclass(slots=True)
class StoredRequest:
    """One request row as read back, with its finding rows (dicts of their columns).

    ``values`` are exactly the hashed columns (``alerts`` as JSON text, ``streamed`` as 0/1),
    so ``row_hash(prev_hash, "requests", row_id, values)`` recomputes ``row_hash``.
    """

    row_id: int
    prev_hash: str
    row_hash: str
    values: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alerts(self) -> list[str]:
        """The request's alerts, decoded.

        Raises:
            StoreError: if the column is not a JSON list (edited by hand).
        """
        try:
            alerts = json.loads(self.values["alerts"])
        except ValueError:
            alerts = None
        if not isinstance(alerts, list):
            raise StoreError(f"audit row {self.row_id} has unreadable alerts "
                             f"(run `redactproxy report verify`)")
        return [str(a) for a in alerts]


def row_values(table: str, columns: tuple[Any, ...]) -> dict[str, Any]:
    """The hashed values of a row read back in ``STORED_COLUMNS[table]`` column order.

    Optional columns (``developer``) count only when set, as they did when written.
    """
    values = dict(zip(STORED_COLUMNS[table], columns, strict=True))
    for name in OPTIONAL_REQUEST_COLUMNS if table == "requests" else ():
        if values.get(name) is None:
            values.pop(name, None)
    return values


def _opt(value: Any, kind: type) -> Any:
    """Coerce to the type SQLite hands back (REAL stays float), so hashes match on reading."""
    return None if value is None else kind(value)


def request_values(rec: RequestRecord) -> dict[str, Any]:
    """The hashed columns of a request row for ``rec`` (no value, only metadata)."""
    values = {
        "request_id": rec.id, "started": float(rec.started), "project": rec.project,
        "client": rec.client, "method": rec.method, "host": rec.host,
        "path": safe_path(rec.path), "provider": rec.provider, "api": rec.api,
        "model_requested": rec.model_requested, "model_served": rec.model_served,
        "finding_count": len(rec.findings), "restored": int(rec.restored),
        "streamed": int(rec.streamed), "status": _opt(rec.status, int),
        "ttfb_ms": _opt(rec.ttfb_ms, float), "total_ms": _opt(rec.total_ms, float),
        "tokens_in": _opt(rec.tokens_in, int), "tokens_out": _opt(rec.tokens_out, int),
        "request_bytes": int(rec.request_bytes), "verdict": rec.verdict, "reason": rec.reason,
        "alerts": json.dumps(list(rec.alerts), ensure_ascii=False),
    }
    if rec.developer is not None:
        values["developer"] = rec.developer
    return values


def finding_values(rec: RequestRecord, request_row: int) -> list[dict[str, Any]]:
    """The hashed columns of the finding rows of ``rec``, child rows of ``request_row``."""
    return [{"request_row": request_row, "request_id": rec.id, "entity": f.entity,
             "rule": f.rule, "action": f.action, "placeholder": f.placeholder,
             "value_hash": f.value_hash, "field": f.field} for f in rec.findings]


def verify_chain(rows: Iterable[tuple[str, int, str, str, dict[str, Any]]], chain_head: str,
                 chain_rows: int) -> VerifyResult:
    """Recompute a chain and name the first row altered, removed or out of order.

    Args:
        rows: ``(table, row_id, prev_hash, row_hash, values)`` of both tables by ``row_id``.
        chain_head: The head recorded in the ``chain`` row.
        chain_rows: The row count recorded in the ``chain`` row.
    """
    head, expected = GENESIS, 1
    checked = 0
    for table, row_id, prev, stored, values in rows:
        if row_id != expected:
            return VerifyResult(False, checked, expected,
                                f"row {expected} is missing (deleted?)", head)
        if prev != head:
            return VerifyResult(False, checked, row_id,
                                f"row {row_id} ({table}) does not follow row "
                                f"{row_id - 1}: chain broken", head)
        if row_hash(prev, table, row_id, values) != stored:
            return VerifyResult(False, checked, row_id,
                                f"row {row_id} ({table}) was altered: hash mismatch", head)
        head, expected, checked = stored, expected + 1, checked + 1
    if chain_rows > checked:
        return VerifyResult(False, checked, checked + 1,
                            f"row {checked + 1} is missing: the chain records "
                            f"{chain_rows} rows, {checked} remain (deleted at the end?)",
                            head)
    if (chain_head, chain_rows) != (head, checked):
        return VerifyResult(False, checked, None,
                            "chain head does not match the last row", head)
    return VerifyResult(True, checked, None, f"ok: {checked} rows, chain intact", head)


def merge_by_row_id(cursors: dict[str, Iterator[tuple[Any, ...]]],
                    ) -> Iterator[tuple[str, int, str, str, dict[str, Any]]]:
    """Merge per-table rows ``(row_id, prev_hash, row_hash, *columns)`` into chain order."""
    pending = {t: next(c, None) for t, c in cursors.items()}
    while True:
        live = [(r[0], t) for t, r in pending.items() if r is not None]
        if not live:
            return
        _, t = min(live)
        r = pending[t]
        assert r is not None
        yield t, r[0], r[1], r[2], row_values(t, tuple(r[3:]))
        pending[t] = next(cursors[t], None)


class AuditStore:
    """Append-only audit log in SQLite; a ``RecordSink`` that writes each finished request.

    One connection and one lock serve every thread; each append is one short
    ``BEGIN IMMEDIATE`` transaction that reads the chain head inside it, so two proxies
    sharing a home directory still build one valid chain.

    Args:
        path: Database file; ``default_path()`` if None. Created with mode 0600.
        create: If False, a missing file is an error instead of a new empty store
            (for commands that only read).

    Raises:
        StoreError: if the file cannot be created, opened or is not an audit store.
    """

    def __init__(self, path: Path | None = None, *, create: bool = True) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()
        if not self.path.exists():
            if not create:
                raise StoreError(f"no audit store at {self.path} (start the proxy first)")
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            except OSError as e:
                raise StoreError(f"cannot create audit store {self.path}: {e.strerror}") from e
        secure_file(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None, timeout=5.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, _SCHEMA_VERSION):
                raise StoreError(f"audit store {self.path} has schema version {version}, "
                                 f"this redactproxy reads {_SCHEMA_VERSION}")
            if version == 0:
                self._db.executescript(_SCHEMA + f"PRAGMA user_version={_SCHEMA_VERSION};")
            elif version == 1:  # v2 adds the developer column (unset rows hash as before)
                self._db.executescript("ALTER TABLE requests ADD COLUMN developer TEXT; "
                                       f"PRAGMA user_version={_SCHEMA_VERSION};")
        except sqlite3.Error as e:
            raise StoreError(f"cannot open audit store {self.path}: {e}") from e

    # --- RecordSink ----------------------------------------------------------------------

    def record_started(self, rec: RequestRecord) -> None:
        """Do nothing: only finished requests are audited."""

    def record_finished(self, rec: RequestRecord) -> None:
        """Append ``rec``; see ``append``."""
        self.append(rec)

    # --- writing -------------------------------------------------------------------------

    def append(self, rec: RequestRecord) -> int:
        """Append one finished request and its findings as chained rows.

        Args:
            rec: The finished record; only its metadata and finding descriptors are kept.

        Returns:
            The ``row_id`` of the request row.

        Raises:
            StoreError: if the rows cannot be written (nothing is written then).
        """
        rows: list[tuple[str, dict[str, Any]]] = [("requests", request_values(rec))]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    head, count = self._db.execute(
                        "SELECT head, rows FROM chain WHERE id = 1").fetchone()
                    first = self._next_row_id()
                    rows += [("findings", v) for v in finding_values(rec, first)]
                    for offset, (table, values) in enumerate(rows):
                        row_id = first + offset
                        h = row_hash(head, table, row_id, values)
                        cols = tuple(values)
                        self._db.execute(
                            f"INSERT INTO {table} (row_id, prev_hash, row_hash, "
                            f"{', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 3))})",
                            (row_id, head, h, *values.values()))
                        head = h
                    self._db.execute("UPDATE chain SET head = ?, rows = ? WHERE id = 1",
                                     (head, count + len(rows)))
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise StoreError(f"cannot write audit store {self.path}: {e}") from e
        return first

    def _next_row_id(self) -> int:
        row = self._db.execute(
            "SELECT MAX(m) FROM (SELECT MAX(row_id) AS m FROM requests "
            "UNION ALL SELECT MAX(row_id) FROM findings)").fetchone()
        return int(row[0] or 0) + 1

    # --- reading -------------------------------------------------------------------------

    def _rows(self) -> Iterator[tuple[str, int, str, str, dict[str, Any]]]:
        """Yield ``(table, row_id, prev_hash, row_hash, values)`` of both tables by row_id."""
        cursors = {
            t: iter(self._db.execute(f"SELECT row_id, prev_hash, row_hash, {', '.join(cols)} "
                                     f"FROM {t} ORDER BY row_id"))
            for t, cols in STORED_COLUMNS.items()
        }
        yield from merge_by_row_id(cursors)

    def check(self) -> None:
        """Raise ``StoreError`` unless the store can take a row now (tables there, writable).

        The proxy calls this after an append failed, before it lets traffic through again.
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute("SELECT head, rows FROM chain WHERE id = 1").fetchone()
                    self._db.execute("SELECT 1 FROM requests LIMIT 1").fetchone()
                    self._db.execute("SELECT 1 FROM findings LIMIT 1").fetchone()
                finally:
                    self._db.execute("ROLLBACK")
            except sqlite3.Error as e:
                raise StoreError(f"audit store {self.path}: {e}") from e

    def verify(self) -> VerifyResult:
        """Recompute the chain and name the first row that was altered or removed.

        Returns:
            ``VerifyResult``; ``ok`` is False with ``first_bad_row_id`` set on any mismatch.

        Raises:
            StoreError: if the database cannot be read.
        """
        with self._lock:
            try:
                return self._verify()
            except sqlite3.Error as e:
                raise StoreError(f"cannot read audit store {self.path}: {e}") from e

    def _verify(self) -> VerifyResult:
        rows = list(self._rows())  # read the rows before the head: appends may follow
        chain_head, chain_rows = self._db.execute(
            "SELECT head, rows FROM chain WHERE id = 1").fetchone()
        return verify_chain(rows, chain_head, chain_rows)

    def requests(self, since: float | None = None, until: float | None = None,
                 project: str | None = None) -> list[StoredRequest]:
        """Return the request rows started in ``[since, until)``, with their findings.

        Args:
            since: Epoch seconds, inclusive; None for the beginning.
            until: Epoch seconds, exclusive; None for now.
            project: Only this project's requests, if given.

        Raises:
            StoreError: if the database cannot be read.
        """
        where: list[str] = ["1 = 1"]
        args: list[object] = []
        if since is not None:
            where.append("started >= ?")
            args.append(since)
        if until is not None:
            where.append("started < ?")
            args.append(until)
        if project is not None:
            where.append("project = ?")
            args.append(project)
        cols = ", ".join(STORED_COLUMNS["requests"])
        fcols = ", ".join(FINDING_COLUMNS)
        with self._lock:
            try:
                out = [StoredRequest(r[0], r[1], r[2], row_values("requests", tuple(r[3:])))
                       for r in self._db.execute(
                           f"SELECT row_id, prev_hash, row_hash, {cols} FROM requests "
                           f"WHERE {' AND '.join(where)} ORDER BY row_id", args)]
                by_row = {r.row_id: r for r in out}
                if by_row:
                    for f in self._db.execute(
                            f"SELECT row_id, prev_hash, row_hash, {fcols} FROM findings "
                            f"WHERE request_row BETWEEN ? AND ? ORDER BY row_id",
                            (min(by_row), max(by_row))):
                        parent = by_row.get(f[3])
                        if parent is not None:
                            parent.findings.append({
                                "row_id": f[0], "prev_hash": f[1], "row_hash": f[2],
                                **dict(zip(FINDING_COLUMNS, f[3:], strict=True))})
            except sqlite3.Error as e:
                raise StoreError(f"cannot read audit store {self.path}: {e}") from e
        return out

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
