"""InterceptPolicy with mitmproxy's own test flows: why a flow is an AI call, TLS decisions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mitmproxy import tls
from mitmproxy.proxy.mode_specs import ProxyMode
from mitmproxy.test import taddons, tflow, tutils

from redactproxy.config import ProjectConfig
from redactproxy.errors import ConfigError
from redactproxy.proxy.policy import InterceptPolicy, proxy_credentials


def _policy(tmp_path: Path, *, inspect: str | None = None, hosts: tuple[str, ...] = (),
            env: dict[str, str] | None = None, ignore: tuple[str, ...] = (),
            broken: bool = False) -> InterceptPolicy:
    cfg = ProjectConfig(root=tmp_path, name="p", hosts=hosts, inspect=inspect,
                        ignore_hosts=ignore)

    def config(pid: str | None) -> ProjectConfig:
        if broken:
            raise ConfigError("x.toml:1: broken")
        return cfg

    return InterceptPolicy(config, lambda: ("keyed.example.net",), environ=env or {},
                           home=tmp_path / "home")


def _flow(host: str, path: str, method: str = "POST", mode: str = "regular") -> object:
    f = tflow.tflow(req=tutils.treq(host=host, path=path.encode(), method=method.encode()))
    f.client_conn.proxy_mode = ProxyMode.parse(mode)
    return f


@pytest.mark.parametrize("host,path,inspect,env,why", [
    ("api.openai.com", "/v1/chat/completions", None, {}, "listed"),
    ("keyed.example.net", "/anything", None, {}, "listed"),
    ("relay.example.net", "/v1/chat/completions", None, {}, None),
    ("relay.example.net", "/v1/chat/completions", None,
     {"OPENAI_BASE_URL": "https://relay.example.net/v1"}, "discovered"),
    ("relay.example.net", "/v1/chat/completions", "all", {}, "unlisted"),
    ("relay.example.net", "/v1/files", "all", {}, None),
    ("www.example.org", "/upload", "all", {}, None),
])
def test_ai_call(tmp_path: Path, host: str, path: str, inspect: str | None,
                 env: dict[str, str], why: str | None) -> None:
    assert _policy(tmp_path, inspect=inspect, env=env).ai_call(_flow(host, path)) == why


def test_get_is_no_ai_call_under_inspect_all(tmp_path: Path) -> None:
    p = _policy(tmp_path, inspect="all")
    assert p.ai_call(_flow("x.example", "/v1/chat/completions", "GET")) is None


@pytest.mark.parametrize("upstream", ["https://relay.example.net", "http://10.1.2.3:8000",
                                      "https://localhost:9443"])
def test_every_gateway_request_is_an_ai_call(tmp_path: Path, upstream: str) -> None:
    f = _flow("relay.example.net", "/whatever/path", "POST", f"reverse:{upstream}@8081")
    assert _policy(tmp_path).ai_call(f) == "gateway"


def test_ignore_hosts_and_broken_rules(tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": "https://relay.example.net/v1"}
    assert _policy(tmp_path, env=env, ignore=("relay.example.net",)).ai_call(
        _flow("relay.example.net", "/v1/chat/completions")) is None
    # A broken rule file: intercepted, so the request is refused with the reason.
    assert _policy(tmp_path, broken=True).ai_call(_flow("www.example.org", "/")) == "listed"


def _hello(host: str) -> tls.ClientHelloData:
    """A real ClientHello (from Python's ssl, no SNI) on a connection to ``host``."""
    import ssl

    from mitmproxy.options import Options
    from mitmproxy.proxy.context import Context

    out = ssl.MemoryBIO()
    conn = ssl.create_default_context().wrap_bio(ssl.MemoryBIO(), out)
    with pytest.raises(ssl.SSLWantReadError):
        conn.do_handshake()
    record = out.read()
    client = tflow.tclient_conn()
    client.sni = None
    context = Context(client, Options())
    context.server.address = (host, 443)
    return tls.ClientHelloData(context, tls.ClientHello(record[9:]))


def test_tls_decisions_and_pinning_fallback(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    p = _policy(tmp_path, inspect="all")
    with taddons.context(p):
        h = _hello("www.example.org")
        p.tls_clienthello(h)
        assert not h.ignore_connection  # inspect = "all": decrypted
        data = tls.TlsData(h.context.client, h.context)
        with caplog.at_level(logging.WARNING, "redactproxy"):
            p.tls_failed_client(data)
            p.tls_failed_client(data)
        assert [r.getMessage() for r in caplog.records].count(
            "www.example.org rejected the proxy's certificate (pinning?); its connections are "
            "tunnelled without inspection from now on") == 1
        h = _hello("www.example.org")
        p.tls_clienthello(h)
        assert h.ignore_connection  # remembered: tunnelled from now on
        # An AI host never falls back.
        h = _hello("api.openai.com")
        p.tls_failed_client(tls.TlsData(h.context.client, h.context))
        p.tls_clienthello(h)
        assert not h.ignore_connection
    q = _policy(tmp_path)  # inspect = "ai": only AI hosts are decrypted
    for host, ignored in (("www.example.org", True), ("api.openai.com", False)):
        h = _hello(host)
        q.tls_clienthello(h)
        assert h.ignore_connection is ignored


def test_proxy_credentials() -> None:
    import base64

    def basic(s: str) -> str:
        return "Basic " + base64.b64encode(s.encode()).decode()

    assert proxy_credentials(basic("myapp-3f9a1c:run")) == ("myapp-3f9a1c", "run")
    assert proxy_credentials(basic("myapp-3f9a1c")) == ("myapp-3f9a1c", None)
    assert proxy_credentials("Bearer x") == (None, None)
    assert proxy_credentials("Basic !!!") == (None, None)
