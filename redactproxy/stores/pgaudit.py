"""The audit chain on PostgreSQL: the same rows and hashes as ``redactproxy.audit``.

Every replica appends to one chain. An append locks the ``audit_chain`` row
(``SELECT ... FOR UPDATE``) for its short transaction, so replicas take turns and each row
links to the one committed before it (row ids continue from the chain's row count: a row
added by hand collides with the next append, which then fails closed); triggers refuse
``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the rows (someone with the table owner's rights
can still drop them, which ``verify`` then names, as with the SQLite file). Rows hash
exactly as in the SQLite store, so ``report``, ``report verify`` and ``report export`` read
both alike.
"""

from __future__ import annotations

from typing import Any

from redactproxy.audit import (
    FINDING_COLUMNS,
    GENESIS,
    STORED_COLUMNS,
    StoredRequest,
    VerifyResult,
    finding_values,
    merge_by_row_id,
    request_values,
    row_hash,
    row_values,
    verify_chain,
)
from redactproxy.errors import StoreError
from redactproxy.records import RequestRecord
from redactproxy.stores.postgres import Database

__all__ = ["PgAuditStore"]

_TABLE = {"requests": "audit_requests", "findings": "audit_findings"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_requests (
    row_id BIGINT PRIMARY KEY, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL,
    request_id TEXT NOT NULL, started DOUBLE PRECISION NOT NULL, project TEXT NOT NULL,
    client TEXT NOT NULL, method TEXT NOT NULL, host TEXT NOT NULL, path TEXT NOT NULL,
    provider TEXT, api TEXT, model_requested TEXT, model_served TEXT,
    finding_count BIGINT NOT NULL, restored BIGINT NOT NULL, streamed BIGINT NOT NULL,
    status BIGINT, ttfb_ms DOUBLE PRECISION, total_ms DOUBLE PRECISION, tokens_in BIGINT,
    tokens_out BIGINT, request_bytes BIGINT NOT NULL, verdict TEXT NOT NULL, reason TEXT,
    alerts TEXT NOT NULL, developer TEXT
);
CREATE INDEX IF NOT EXISTS audit_requests_started ON audit_requests(started);
CREATE TABLE IF NOT EXISTS audit_findings (
    row_id BIGINT PRIMARY KEY, prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL,
    request_row BIGINT NOT NULL, request_id TEXT NOT NULL, entity TEXT NOT NULL,
    rule TEXT NOT NULL, action TEXT NOT NULL, placeholder TEXT, value_hash TEXT NOT NULL,
    field TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_findings_request ON audit_findings(request_row);
CREATE TABLE IF NOT EXISTS audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1), head TEXT NOT NULL, rows BIGINT NOT NULL
);
INSERT INTO audit_chain (id, head, rows) VALUES (1, '""" + GENESIS + """', 0)
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION redactproxy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$;
DO $$ DECLARE t TEXT; BEGIN
  FOREACH t IN ARRAY ARRAY['audit_requests', 'audit_findings'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = t || '_append_only') THEN
      EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW '
                     'EXECUTE FUNCTION redactproxy_append_only()', t || '_append_only', t);
      EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
                     'EXECUTE FUNCTION redactproxy_append_only()', t || '_no_truncate', t);
    END IF;
  END LOOP;
END $$;
"""


class PgAuditStore:
    """Append-only, hash-chained audit log in PostgreSQL; a ``RecordSink``.

    Args:
        db: The shared connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        db.ensure_schema("audit", SCHEMA)

    @property
    def path(self) -> str:
        """Where the store lives (the URL without its password), for messages."""
        return self._db.where

    def record_started(self, rec: RequestRecord) -> None:
        """Do nothing: only finished requests are audited."""

    def record_finished(self, rec: RequestRecord) -> None:
        """Append ``rec``; see ``append``."""
        self.append(rec)

    def append(self, rec: RequestRecord) -> int:
        """Append one finished request and its findings as chained rows (one transaction).

        Raises:
            StoreError: if the rows cannot be written (nothing is written then).
        """
        return self.append_many([rec])[0]

    def append_many(self, recs: list[RequestRecord]) -> list[int]:
        """Append requests in order, in one transaction; return their request row ids.

        The chain row is locked first (replicas take turns), then every row is sent in one
        pipelined batch: a handful of round trips whatever the number of findings.

        Raises:
            StoreError: if the rows cannot be written (nothing is written then).
        """
        firsts: list[int] = []
        with self._db.transaction("write audit store") as cur:
            head, count = cur.execute(
                "SELECT head, rows FROM audit_chain WHERE id = 1 FOR UPDATE").fetchone()
            row_id = int(count)
            batches: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
            for rec in recs:
                first = row_id + 1
                firsts.append(first)
                rows: list[tuple[str, dict[str, Any]]] = [("requests", request_values(rec))]
                rows += [("findings", v) for v in finding_values(rec, first)]
                for table, values in rows:
                    row_id += 1
                    h = row_hash(head, table, row_id, values)
                    batches.setdefault((table, tuple(values)), []).append(
                        (row_id, head, h, *values.values()))
                    head = h
            with cur.connection.pipeline():
                for (table, cols), params in batches.items():
                    marks = ", ".join(["%s"] * (len(cols) + 3))
                    cur.executemany(f"INSERT INTO {_TABLE[table]} (row_id, prev_hash, "
                                    f"row_hash, {', '.join(cols)}) VALUES ({marks})", params)
                cur.execute("UPDATE audit_chain SET head = %s, rows = %s WHERE id = 1",
                            (head, row_id))
        return firsts

    def check(self) -> None:
        """Raise ``StoreError`` unless the database answers and the tables are there."""
        with self._db.transaction("reach audit store") as cur:
            cur.execute("SELECT head FROM audit_chain WHERE id = 1").fetchone()
            cur.execute("SELECT 1 FROM audit_requests LIMIT 1").fetchone()

    def verify(self) -> VerifyResult:
        """Recompute the chain from one consistent snapshot (replicas may be appending)."""
        with self._db.transaction("read audit store", isolation="REPEATABLE READ") as cur:
            cursors = {}
            for t, cols in STORED_COLUMNS.items():
                cursors[t] = iter(cur.execute(
                    f"SELECT row_id, prev_hash, row_hash, {', '.join(cols)} FROM {_TABLE[t]} "
                    "ORDER BY row_id").fetchall())
            chain = cur.execute("SELECT head, rows FROM audit_chain WHERE id = 1").fetchone()
        if chain is None:
            raise StoreError(f"audit store {self.path}: the chain row is missing")
        return verify_chain(merge_by_row_id(cursors), chain[0], int(chain[1]))

    def requests(self, since: float | None = None, until: float | None = None,
                 project: str | None = None) -> list[StoredRequest]:
        """Return the request rows started in ``[since, until)``, with their findings."""
        where, args = ["TRUE"], []  # type: ignore[var-annotated]
        for cond, value in (("started >= %s", since), ("started < %s", until),
                            ("project = %s", project)):
            if value is not None:
                where.append(cond)
                args.append(value)
        cols = ", ".join(STORED_COLUMNS["requests"])
        with self._db.transaction("read audit store", isolation="REPEATABLE READ") as cur:
            out = [StoredRequest(r[0], r[1], r[2], row_values("requests", tuple(r[3:])))
                   for r in cur.execute(
                       f"SELECT row_id, prev_hash, row_hash, {cols} FROM audit_requests "
                       f"WHERE {' AND '.join(where)} ORDER BY row_id", args).fetchall()]
            by_row = {r.row_id: r for r in out}
            if by_row:
                for f in cur.execute(
                        f"SELECT row_id, prev_hash, row_hash, {', '.join(FINDING_COLUMNS)} "
                        "FROM audit_findings WHERE request_row BETWEEN %s AND %s "
                        "ORDER BY row_id", (min(by_row), max(by_row))).fetchall():
                    parent = by_row.get(f[3])
                    if parent is not None:
                        parent.findings.append({
                            "row_id": f[0], "prev_hash": f[1], "row_hash": f[2],
                            **dict(zip(FINDING_COLUMNS, f[3:], strict=True))})
        return out

    def close(self) -> None:
        """Nothing to release here: the shared connection is closed by its owner."""

    def __enter__(self) -> PgAuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
