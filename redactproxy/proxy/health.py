"""``GET /healthz`` on a gateway: is the store reachable, is the detector ready?

Answered by the proxy itself (never forwarded, no credentials needed), for load balancers
and container health checks: ``200`` with ``{"status": "ok", "store": "ok", "detector":
"ready"}`` when requests can be served, ``503`` with the reason otherwise. It shows states
only, never a value or a key.
"""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import http
from mitmproxy.proxy.mode_specs import ReverseMode

from redactproxy.errors import StoreError
from redactproxy.proxy.offloop import off_loop

__all__ = ["Health"]


class Health:
    """Answer ``/healthz`` from the store's and the detector's state.

    Args:
        proxy: The ``RedactProxy`` addon (its ``worker``).
        store: The evidence store (``check()`` raises ``StoreError`` when it cannot write).
    """

    def __init__(self, proxy: Any, store: Any) -> None:
        self.proxy = proxy
        self.store = store

    async def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None or flow.request.path.split("?", 1)[0] != "/healthz":
            return
        if flow.request.method not in ("GET", "HEAD") or not isinstance(
                flow.client_conn.proxy_mode, ReverseMode):
            return  # gateways only: through the forward proxy /healthz is some host's path
        try:  # a real round trip when the store has one (``probe``), beside the event loop
            await off_loop(getattr(self.store, "probe", self.store.check))
            store = "ok"
        except StoreError as e:
            store = f"unavailable: {e}"
        worker = self.proxy.worker
        detector = worker.state if worker is not None else "not started"
        ok = store == "ok" and detector == "ready"
        body = {"status": "ok" if ok else "unavailable", "store": store, "detector": detector}
        flow.response = http.Response.make(200 if ok else 503, json.dumps(body).encode(),
                                           {"content-type": "application/json",
                                            "cache-control": "no-store"})
