"""Evidence written beside the event loop, and kept through a database outage.

``BufferedEvidence`` queues finished requests' records and a writer thread appends them,
oldest first and in batches, so an audit write never holds up the proxy's event loop (and
with it every stream of the replica). While the store is down the records wait in memory
and the writer retries; the proxy refuses new AI requests meanwhile (fail closed: ``check``
raises, and ``on_failure`` tells the proxy at once), but the requests forwarded just before
still finish, and the refusals themselves are evidence too. As soon as the store answers
again the queue is written before any new row, so no audit row is lost to an outage.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from redactproxy.errors import StoreError
from redactproxy.records import RequestRecord

__all__ = ["BufferedEvidence"]

log = logging.getLogger("redactproxy")

#: Seconds between attempts while the store is down, and between idle reachability checks.
RETRY = 0.5
PROBE = 1.0
#: Most records written in one transaction.
BATCH = 500


class BufferedEvidence:
    """Wrap an evidence store: records are appended in order by a writer thread.

    Args:
        store: The audit store (``append``, ``check``, ``verify``, ``requests``).
        limit: Records kept while the store is down; beyond that the oldest are dropped
            and counted in ``dropped`` (traffic is refused all that time).
        on_failure: Called (from the writer thread) with the reason when the store fails.

    Attributes:
        error: Why the store cannot take rows now, or None while it can.
    """

    def __init__(self, store: Any, limit: int = 100_000,
                 on_failure: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.dropped = 0
        self.written = 0
        self.error: str | None = None
        self._probing = threading.Lock()
        self.on_failure = on_failure
        self._pending: deque[RequestRecord] = deque()
        self._limit = limit
        self._lock = threading.Lock()  # the queue
        self._write_lock = threading.Lock()  # one writer at a time: rows stay in order
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="redactproxy-evidence",
                                        daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Records waiting for the store."""
        return len(self._pending)

    def record_started(self, rec: RequestRecord) -> None:
        """Do nothing: only finished requests are audited."""

    def record_finished(self, rec: RequestRecord) -> None:
        """Queue ``rec`` for the writer; raise ``StoreError`` if the store is known down.

        Never waits for the database: the record is queued either way.
        """
        with self._lock:
            self._pending.append(rec)
            if len(self._pending) > self._limit:
                self._pending.popleft()
                self.dropped += 1
                log.error("audit store down too long: %d records dropped", self.dropped)
            self._wake.notify()
        error = self.error
        if error is not None:
            raise StoreError(error)

    def check(self) -> None:
        """Raise ``StoreError`` while the store is down.

        No database call while it works (the writer would know it failed). While it is
        down, ask it again (blocking: call it off the event loop), one caller at a time;
        the others are refused at once meanwhile. Traffic resumes as soon as the database
        is back.
        """
        error = self.error
        if error is None:
            return
        if not self._probing.acquire(blocking=False):
            raise StoreError(error)
        try:
            self.probe()
        finally:
            self._probing.release()

    def probe(self) -> None:
        """Ask the store now (blocking: call it off the event loop); raise ``StoreError``."""
        try:
            self.store.check()
        except StoreError as e:
            self._failed(str(e))
            raise
        if self.error is not None:
            self.flush()

    def flush(self) -> None:
        """Write every queued record now (blocking); raise ``StoreError`` if the store fails."""
        with self._write_lock:
            try:
                self._write_pending()
            except StoreError as e:
                self._failed(str(e))
                raise
            self.error = None

    def _write_pending(self) -> None:
        many = getattr(self.store, "append_many", None)
        while True:
            with self._lock:
                batch = [self._pending[i] for i in range(min(BATCH, len(self._pending)))]
            if not batch:
                return
            if many is not None and len(batch) > 1:
                many(batch)  # StoreError leaves the batch queued, in order
            else:
                batch = batch[:1]
                self.store.append(batch[0])
            with self._lock:
                for _ in batch:
                    self._pending.popleft()
            self.written += len(batch)

    def _failed(self, reason: str) -> None:
        first = self.error is None
        self.error = reason
        if first:
            log.error("audit store failed: %s", reason)
        if self.on_failure is not None:
            self.on_failure(reason)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending and not self._closed:
                    self._wake.wait(RETRY if self.error is not None else PROBE)
                if self._closed:
                    return
                busy = bool(self._pending)
            try:
                if busy:
                    self.flush()
                else:
                    self.probe()
            except StoreError:
                with self._lock:
                    if not self._closed:
                        self._wake.wait(RETRY)
            except Exception:  # noqa: BLE001 - the writer must outlive one bad record
                log.exception("audit writer failed")
                with self._lock:
                    self._wake.wait(RETRY)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the writer after a last attempt to write what is queued."""
        with self._lock:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)
        try:
            self.flush()
        except StoreError:
            log.error("audit store unavailable at shutdown: %d records not written",
                      self.pending)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)
