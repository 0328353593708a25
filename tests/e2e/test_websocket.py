"""WebSocket transports on AI hosts, through the real proxy with real TLS."""

from __future__ import annotations

from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

WS_HEADERS = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13",
              "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
              "openai-beta": "responses_websockets=2026-02-04"}


def test_unscannable_websocket_upgrade_gets_426(proxy: ProxyProcess,
                                                upstream: FakeUpstream) -> None:
    """A transport redactproxy cannot scan is refused with 426, so clients fall back to HTTPS
    at once (Codex CLI retries a 403 seven times before falling back)."""
    with proxy.client() as c:
        r = c.get("https://api.openai.com/v1/realtime?model=gpt-realtime", headers=WS_HEADERS)
    assert r.status_code == 426
    assert "redactproxy" in r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "unscannable_websocket"
    assert upstream.requests == []
