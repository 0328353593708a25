"""Store calls run beside mitmproxy's event loop, never on it.

Every stream a replica serves shares one event loop. A vault allocation, a token check, a
conversation link or an audit write that waits on the database (a slow query, a lock, an
outage's connect timeout) must not stop the other streams' events, so the addon hooks hand
those calls to a few worker threads and ``await`` them. The threads are few on purpose:
the PostgreSQL pool (``redactproxy.stores.postgres.POOL_SIZE``) has one connection per
thread plus one for the evidence writer, whatever the number of clients.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["STORE_THREADS", "off_loop"]

#: Worker threads for store calls (the PostgreSQL pool keeps one connection for each).
STORE_THREADS = 4

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="redactproxy-store")
    return _executor


async def off_loop[**P, T](fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` on a store thread; exceptions reach the caller as raised."""
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool(), call)
