"""Clients that reach the fake upstream directly, under the real provider host names.

The SDKs here (openai, anthropic) are built on ``httpx2``, so their ``http_client`` must be an
``httpx2.Client``. :func:`pinned_http_client` returns one whose every TCP connection goes to
127.0.0.1 while URL, Host header, SNI and certificate checks keep the real host name -- the
same effect as ``curl --resolve`` without touching process-wide DNS.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpcore2
import httpx2

__all__ = ["LoopbackBackend", "pinned_http_client", "trusting_context"]


class LoopbackBackend(httpcore2.SyncBackend):
    """Network backend that dials 127.0.0.1 whatever host the URL names."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        return super().connect_tcp("127.0.0.1", port, timeout, local_address, socket_options)


def trusting_context(ca_path: str | Path) -> ssl.SSLContext:
    """A default client TLS context that trusts only the test CA."""
    return ssl.create_default_context(cafile=str(ca_path))


def pinned_http_client(ca_path: str | Path, timeout: float = 30.0) -> httpx2.Client:
    """An ``httpx2.Client`` (for ``OpenAI(http_client=...)`` etc.) pinned to 127.0.0.1."""
    transport = httpx2.HTTPTransport(verify=trusting_context(ca_path), trust_env=False)
    transport._pool = httpcore2.ConnectionPool(  # noqa: SLF001 - no public backend hook
        ssl_context=trusting_context(ca_path), network_backend=LoopbackBackend()
    )
    return httpx2.Client(transport=transport, timeout=timeout, trust_env=False)
