"""Bare-mitmproxy baseline addon: route every upstream connection to the fake, nothing else.

Usage: ``mitmdump -s benchmarks/_route.py --set bench_upstream=PORT
--set ssl_verify_upstream_trusted_ca=CA.pem``. Host and SNI are kept (address replacement in
``server_connect``), and event streams are passed through as they arrive, as redactproxy does
(without ``stream`` mitmproxy would buffer the whole answer and the baseline would be unfair).
"""

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks


class Route:
    def load(self, loader: Loader) -> None:
        loader.add_option("bench_upstream", int, 0, "Port of the fake upstream on 127.0.0.1.")

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.server.address is not None:
            if data.server.sni is None:
                data.server.sni = data.server.address[0]
            data.server.address = ("127.0.0.1", ctx.options.bench_upstream)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response and "text/event-stream" in flow.response.headers.get("content-type", ""):
            flow.response.stream = True


addons = [Route()]
