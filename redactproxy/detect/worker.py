"""Run detection in a separate process, so spaCy and big regex passes never stall the proxy.

Analysis is CPU-bound; on mitmproxy's event loop it would freeze every other stream. The
worker is one child process that loads the detectors once and analyses batches of texts
sent over a pipe. The proxy side awaits results with a timeout; a worker that times out
or dies is killed and restarted, and the request that waited is refused, never forwarded
unscanned. Findings are cached by content hash, so history a client resends every turn
costs a dictionary lookup.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from redactproxy.caps import Caps, note_full
from redactproxy.detect.base import Finding
from redactproxy.detect.engine import DetectorSpec, Engine
from redactproxy.errors import DetectorError, DetectorUnavailable

__all__ = ["DetectorPool", "DetectorWorker", "FindingsCache", "default_workers"]

log = logging.getLogger("redactproxy.detect")

#: Test hook: ``raise`` makes the worker fail every analysis, ``hang`` makes it never answer.
FAULT_ENV = "REDACTPROXY_FAULT"


def _child(conn: Connection, warm_spec: DetectorSpec | None) -> None:
    """Worker process main loop: build engines on demand, answer analysis requests."""
    # Ctrl-C in the terminal reaches the whole process group; the parent stops us itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from redactproxy.memtrace import start_from_env

    start_from_env("detector")  # off unless REDACTPROXY_TRACEMALLOC is set
    fault = os.environ.get(FAULT_ENV, "")
    engines: dict[str, Engine] = {}
    nlp_cache: dict[str, Any] = {}
    try:
        if warm_spec is not None:
            engines[warm_spec.key()] = Engine(warm_spec, nlp_cache)
        conn.send(("ready", None, None))
    except Exception as e:  # noqa: BLE001 - reported to the parent, which refuses requests
        conn.send(("failed", None, f"{type(e).__name__}: {e}"))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        req_id, spec, texts = msg
        try:
            if fault == "hang":
                time.sleep(3600)
            if fault == "raise":
                raise RuntimeError("fault injected by REDACTPROXY_FAULT=raise")
            key = spec.key()
            engine = engines.get(key)
            if engine is None:
                engine = engines[key] = Engine(spec, nlp_cache)
            conn.send(("result", req_id, engine.analyze_many(texts)))
        except Exception as e:  # noqa: BLE001 - every failure goes back to the waiting request
            conn.send(("error", req_id, f"{type(e).__name__}: {e}"))


class FindingsCache:
    """LRU cache of findings by (spec key, text digest), bounded by its estimated size.

    The texts are not kept (a digest stands for each), so what an entry costs is its key
    and findings, whatever the text's length: ``ENTRY_BYTES`` plus ``FINDING_BYTES`` per
    finding (measured on CPython 3.12 with findings unpickled from the worker, rounded up).

    Args:
        max_bytes: Estimated bytes held at most (``redactproxy.caps.Caps.findings``).
    """

    ENTRY_BYTES = 400
    FINDING_BYTES = 160

    def __init__(self, max_bytes: int = Caps.findings) -> None:
        self._data: OrderedDict[tuple[str, bytes], tuple[int, list[Finding]]] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _digest(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, spec_key: str, text: str) -> list[Finding] | None:
        """Cached findings for ``text``, or None."""
        key = (spec_key, self._digest(text))
        item = self._data.get(key)
        if item is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return item[1]

    def put(self, spec_key: str, text: str, findings: list[Finding]) -> None:
        """Remember findings for ``text``."""
        key = (spec_key, self._digest(text))
        if key in self._data:
            return
        cost = self.ENTRY_BYTES + self.FINDING_BYTES * len(findings)
        self._data[key] = (cost, findings)
        self._bytes += cost
        if self._bytes > self._max:
            note_full("findings cache", f"{self._max} bytes")
        while self._bytes > self._max and self._data:
            _, (n, _f) = self._data.popitem(last=False)
            self._bytes -= n

    @property
    def size(self) -> int:
        """Estimated bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)


class DetectorWorker:
    """The proxy's handle on the detection process.

    Args:
        warm_spec: Spec to build while the proxy already listens (model load).
        timeout: Seconds a request may wait for its analysis once the worker is ready.
        warmup_timeout: Seconds a request may wait while the worker is still loading.
    """

    def __init__(self, warm_spec: DetectorSpec | None = None, *, timeout: float = 30.0,
                 warmup_timeout: float = 60.0, cache: FindingsCache | None = None) -> None:
        self.warm_spec = warm_spec
        self.timeout = timeout
        self.warmup_timeout = warmup_timeout
        self.cache = cache if cache is not None else FindingsCache()
        self.state = "stopped"
        self.error: str | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[list[list[Finding]]]] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._ready = threading.Event()
        self._generation = 0

    def start(self) -> None:
        """Spawn the worker process; returns at once (the model loads in the background)."""
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._generation += 1
        self._ready.clear()
        self.state = "loading"
        self.error = None
        self._proc = ctx.Process(target=_child, args=(child, self.warm_spec),
                                 name="redactproxy-detector", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        threading.Thread(target=self._reader, args=(parent, self._generation),
                         name="redactproxy-detector-reader", daemon=True).start()

    def _reader(self, conn: Connection, generation: int) -> None:
        while True:
            try:
                kind, req_id, payload = conn.recv()
            except (EOFError, OSError):
                break
            if kind == "ready":
                self.state = "ready"
                self._ready.set()
            elif kind == "failed":
                self.state = "failed"
                self.error = payload
                self._ready.set()
                log.error("detector failed to load: %s", payload)
            else:
                with self._lock:
                    fut = self._pending.pop(req_id, None)
                if fut is not None and not fut.done():
                    if kind == "result":
                        fut.set_result(payload)
                    else:
                        fut.set_exception(DetectorError(f"detector failed: {payload}"))
        if generation == self._generation:
            self._fail_pending("detector process exited")
            if self.state != "stopped":
                self.state = "failed"

    def _fail_pending(self, why: str) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(DetectorUnavailable(why))

    def restart(self) -> None:
        """Kill the worker (stuck or dead) and start a fresh one."""
        self._kill()
        self.start()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._generation += 1
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(5)
        self._fail_pending("detector restarted")

    def close(self) -> None:
        """Stop the worker process."""
        self.state = "stopped"
        self._kill()

    def _submit(self, spec: DetectorSpec, texts: list[str]) -> Future[list[list[Finding]]]:
        if self._conn is None or self.state in ("failed", "stopped"):
            if self.state == "failed" and self.error:
                raise DetectorError(f"detector unavailable: {self.error}")
            self.restart()
        fut: Future[list[list[Finding]]] = Future()
        req_id = next(self._ids)
        with self._lock:
            self._pending[req_id] = fut
        try:
            with self._send_lock:
                assert self._conn is not None
                self._conn.send((req_id, spec, texts))
        except (OSError, ValueError) as e:
            with self._lock:
                self._pending.pop(req_id, None)
            raise DetectorError(f"detector unreachable: {e}") from e
        return fut

    async def analyze(self, spec: DetectorSpec, texts: Sequence[str],
                      sent: list[str] | None = None) -> list[list[Finding]]:
        """Findings for each text, from cache or the worker.

        Args:
            spec: What to detect.
            texts: The texts.
            sent: If given, the texts that were not cached (and went to the worker) are
                appended to it (for reporting how much was analysed).

        Raises:
            DetectorError: the worker failed, died or did not answer in time.
        """
        key = spec.key()
        results: list[list[Finding] | None] = [self.cache.get(key, t) for t in texts]
        missing = list(dict.fromkeys(t for t, r in zip(texts, results, strict=True)
                                     if r is None))
        if missing:
            if sent is not None:
                sent.extend(missing)
            loading = self.state == "loading"
            limit = self.warmup_timeout if loading else self.timeout
            loop = asyncio.get_running_loop()
            fut = await loop.run_in_executor(None, self._submit, spec, missing)
            try:
                found = await asyncio.wait_for(asyncio.wrap_future(fut), limit)
            except TimeoutError:
                log.error("detector timed out after %.1fs; restarting it", limit)
                await loop.run_in_executor(None, self.restart)
                raise DetectorUnavailable(f"detector timed out after {limit:g}s") from None
            fresh = dict(zip(missing, found, strict=True))
            for text, fs in fresh.items():
                self.cache.put(key, text, fs)
            results = [r if r is not None else fresh[t]
                       for t, r in zip(texts, results, strict=True)]
        return [r or [] for r in results]

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the worker has loaded (or failed); True if ready."""
        self._ready.wait(timeout)
        return self.state == "ready"


def default_workers(cpus: int | None = None) -> int:
    """Analysis processes for this machine: one on two cores or fewer (the proxy and the
    clients need the other), else half the cores, at most four (each holds a spaCy model,
    ~150 MB)."""
    n = cpus if cpus is not None else (os.cpu_count() or 1)
    return 1 if n <= 2 else min(4, n // 2)


class DetectorPool:
    """Several ``DetectorWorker`` processes behind one interface, sharing one cache.

    A request's uncached texts are spread over the workers (longest first, each to the
    least loaded), so a turn with several new texts is analysed in parallel.

    Args:
        warm_spec: Spec every worker builds at start.
        workers: Number of processes (``default_workers()`` when None).
        timeout: Seconds a request may wait for its analysis once ready.
        cache_bytes: Estimated size of the shared findings cache.
    """

    def __init__(self, warm_spec: DetectorSpec | None = None, *, workers: int | None = None,
                 timeout: float = 30.0, cache_bytes: int = Caps.findings) -> None:
        self.cache = FindingsCache(cache_bytes)
        self.warm_spec = warm_spec
        self.workers = [DetectorWorker(warm_spec, timeout=timeout, cache=self.cache)
                        for _ in range(max(1, workers or default_workers()))]

    @property
    def timeout(self) -> float:
        """Seconds a request may wait for its analysis."""
        return self.workers[0].timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        for w in self.workers:
            w.timeout = value

    @property
    def state(self) -> str:
        """``ready`` once any worker is, else the first worker's state."""
        states = [w.state for w in self.workers]
        return "ready" if "ready" in states else states[0]

    @property
    def error(self) -> str | None:
        """The first worker's load error, if any."""
        return next((w.error for w in self.workers if w.error), None)

    def start(self) -> None:
        """Spawn every worker process."""
        for w in self.workers:
            w.start()

    def close(self) -> None:
        """Stop every worker process."""
        for w in self.workers:
            w.close()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every worker has loaded (or failed); True if all are ready."""
        return all([w.wait_ready(timeout) for w in self.workers])

    async def analyze(self, spec: DetectorSpec, texts: Sequence[str],
                      sent: list[str] | None = None) -> list[list[Finding]]:
        """Findings for each text, the uncached ones spread over the workers."""
        if len(self.workers) == 1:
            return await self.workers[0].analyze(spec, texts, sent)
        key = spec.key()
        missing = list(dict.fromkeys(t for t in texts if self.cache.get(key, t) is None))
        shares: list[list[str]] = [[] for _ in self.workers]
        loads = [0] * len(self.workers)
        for t in sorted(missing, key=len, reverse=True):
            i = loads.index(min(loads))
            shares[i].append(t)
            loads[i] += len(t)
        await asyncio.gather(*(w.analyze(spec, share, sent)
                               for w, share in zip(self.workers, shares, strict=True) if share))
        return await self.workers[0].analyze(spec, texts)  # all cached now
