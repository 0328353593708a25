"""Give the memory a long-running proxy freed back to the system, once a minute.

With every in-memory table at its cap (``redactproxy.caps``), what a gateway replica holds
stays flat, yet its RSS crept up: glibc keeps freed chunks inside its heap, and requests of
different sizes leave them scattered between live ones, so the free space inside the heap
grows (measured with ``redactproxy.memtrace``: in use flat, free inside the heap rising).
``malloc_trim(0)`` returns the whole free pages of every arena to the kernel
(``madvise``), so RSS follows what is really held. Linux with glibc only; elsewhere this
does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time

__all__ = ["TRIM_EVERY", "start_trimming", "trim"]

log = logging.getLogger("redactproxy")

#: Seconds between two trims.
TRIM_EVERY = 60.0

_started = False


def _libc() -> ctypes.CDLL | None:
    try:
        # By its soname: ctypes.util.find_library would run ldconfig before the proxy listens,
        # and malloc_trim is glibc's (musl and macOS have no libc.so.6: then no trimming).
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def trim() -> bool:
    """Return free heap pages to the system now; False where there is no glibc."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def start_trimming(every: float = TRIM_EVERY) -> bool:
    """Trim every ``every`` seconds on a daemon thread (once per process)."""
    global _started
    libc = _libc()
    if libc is None or _started:
        return False
    _started = True

    def loop() -> None:
        while True:
            time.sleep(every)
            libc.malloc_trim(0)

    threading.Thread(target=loop, name="redactproxy-heap-trim", daemon=True).start()
    return True
