"""Evidence that outlives a database outage: records not yet written wait in memory.

While the shared store is down the proxy refuses new AI requests (fail closed), but the
requests forwarded just before still finish, and the refusals themselves are evidence too.
``BufferedEvidence`` keeps their records in order and writes them, oldest first, as soon as
the store answers again (before any new row), so no audit row is lost to an outage.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from redactproxy.records import RequestRecord

__all__ = ["BufferedEvidence"]

log = logging.getLogger("redactproxy")


class BufferedEvidence:
    """Wrap an evidence store: appends that fail are queued and retried in order.

    Args:
        store: The audit store (``append``, ``check``, ``verify``, ``requests``).
        limit: Records kept while the store is down; beyond that the oldest are dropped
            and counted in ``dropped`` (traffic is refused all that time).
    """

    def __init__(self, store: Any, limit: int = 100_000) -> None:
        self.store = store
        self.dropped = 0
        self._pending: deque[RequestRecord] = deque()
        self._limit = limit
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Records waiting for the store."""
        return len(self._pending)

    def record_started(self, rec: RequestRecord) -> None:
        """Do nothing: only finished requests are audited."""

    def record_finished(self, rec: RequestRecord) -> None:
        """Write ``rec`` after every queued record; queue it and raise if the store fails."""
        with self._lock:
            self._pending.append(rec)
            if len(self._pending) > self._limit:
                self._pending.popleft()
                self.dropped += 1
                log.error("audit store down too long: %d records dropped", self.dropped)
            self._flush()

    def check(self) -> None:
        """Raise ``StoreError`` unless the store answers and every queued record is written."""
        with self._lock:
            self.store.check()
            self._flush()

    def _flush(self) -> None:
        many = getattr(self.store, "append_many", None)
        while self._pending:  # StoreError leaves the rest queued, in order
            if many is not None and len(self._pending) > 1:
                batch = [self._pending[i] for i in range(min(500, len(self._pending)))]
                many(batch)
                for _ in batch:
                    self._pending.popleft()
            else:
                self.store.append(self._pending[0])
                self._pending.popleft()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

