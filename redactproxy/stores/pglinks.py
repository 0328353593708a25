"""Conversation links on PostgreSQL: every replica sees which placeholders a Responses
conversation was granted.

Same contract as ``redactproxy.grants.Links`` (``get`` / ``add`` by scope and server-side
id, placeholder names only, never a value), but read from the database each time, so a
turn continuing ``previous_response_id`` on another replica than the one that saw the
answer still restores the values its conversation holds. An ``add`` merges with what the
id already had (two replicas extending one ``conversation`` at once keep both sets). Links
unused for ``KEEP_DAYS`` are dropped now and then, as the in-memory ``Links`` drops its
least recently used ids.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

from redactproxy.stores.postgres import Database

__all__ = ["PgLinks"]

#: Days a conversation link is kept after its last use.
KEEP_DAYS = 30
#: Prune old links once every this many writes.
PRUNE_EVERY = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_links (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    placeholders TEXT[] NOT NULL,
    used DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, id)
);
CREATE INDEX IF NOT EXISTS conversation_links_used ON conversation_links(used);
"""


class PgLinks:
    """Server-side conversation id -> placeholders granted along it, in PostgreSQL.

    Args:
        db: The shared connection pool.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._writes = itertools.count(1)
        db.ensure_schema("links", SCHEMA)

    def get(self, scope: str, ids: Iterable[str]) -> set[str]:
        """Placeholders granted along every conversation in ``ids`` (unknown ids: none).

        Raises:
            StoreError: the database cannot be read (the request is refused, fail closed).
        """
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        rows = self._db.query("read conversation links",
                              "SELECT placeholders FROM conversation_links "
                              "WHERE scope = %s AND id = ANY(%s)", (scope, wanted))
        return {p for (phs,) in rows for p in phs}

    def add(self, scope: str, rid: str, placeholders: Iterable[str]) -> None:
        """Remember that ``rid`` continues with ``placeholders`` (merged with what it had).

        Raises:
            StoreError: the link cannot be written.
        """
        phs = sorted(set(placeholders))
        now = time.time()
        with self._db.transaction("write conversation links") as cur:
            cur.execute(
                "INSERT INTO conversation_links AS l (scope, id, placeholders, used) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (scope, id) DO UPDATE SET "
                "placeholders = ARRAY(SELECT DISTINCT p FROM unnest(l.placeholders || "
                "EXCLUDED.placeholders) AS p ORDER BY p), used = EXCLUDED.used",
                (scope, rid, phs, now))
            if next(self._writes) % PRUNE_EVERY == 0:
                cur.execute("DELETE FROM conversation_links WHERE used < %s",
                            (now - KEEP_DAYS * 86400,))

    def __len__(self) -> int:
        return int(self._db.query("count conversation links",
                                  "SELECT count(*) FROM conversation_links")[0][0])

    def close(self) -> None:
        """Nothing to release: the pool is closed by its owner."""
