"""WebSocket transports on AI hosts, through the real proxy with real TLS and a real client."""

from __future__ import annotations

import json
import ssl
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

WS_HEADERS = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13",
              "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
              "openai-beta": "responses_websockets=2026-02-04"}
TOOL = {"type": "function", "name": "lookup", "description": "Look a customer up",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}


def _connect(proxy: ProxyProcess, url: str = "wss://api.openai.com/v1/responses",
             ) -> ClientConnection:
    ctx = ssl.create_default_context(cafile=str(proxy.trust))
    return connect(url, proxy=proxy.url, ssl=ctx, open_timeout=30, additional_headers={
        "authorization": "Bearer sk-test-fake", "openai-beta": "responses_websockets=2026-02-04"})


def _create(text: str) -> str:
    return json.dumps({
        "type": "response.create", "model": "gpt-5", "instructions": f"Support for {EMAIL}.",
        "input": [{"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": text}]}],
        "tools": [TOOL], "tool_choice": "auto", "stream": True, "store": False})


def _turn(ws: ClientConnection) -> list[dict[str, Any]]:
    events = []
    while True:
        ev = json.loads(ws.recv(timeout=60))
        events.append(ev)
        if ev["type"] in ("response.completed", "error"):
            return events


def test_responses_websocket_is_redacted_and_restored(proxy: ProxyProcess,
                                                      upstream: FakeUpstream) -> None:
    upstream.chunk_chars = 2  # placeholders split across many deltas
    with _connect(proxy) as ws:
        turns = []
        for text in (f"Please email {EMAIL} about the key {GITHUB}",
                     # > 4 kB of multi-byte text: a modified message must not be cut into
                     # frames inside a character
                     "日本語のテキスト。" * 600 + f" {EMAIL}",
                     # ends like a placeholder that never completes: the held-back text is
                     # sent in a delta of its own before the event that ends the text, in order
                     f"And again: {EMAIL} <EMAIL"):
            ws.send(_create(text))
            turns.append((text, _turn(ws)))
    for text, events in turns:
        deltas = "".join(e["delta"] for e in events
                         if e["type"] == "response.output_text.delta")
        done = next(e["text"] for e in events if e["type"] == "response.output_text.done")
        assert deltas == done == "Echo: " + text  # restored, deltas split anywhere
    session = upstream.websockets[-1]
    assert len(session.messages) == 3
    for message in session.messages:
        assert isinstance(message, str) and "\ufffd" not in message
        assert_absent(message.encode(), (EMAIL, GITHUB))
    sent = json.loads(session.messages[0])
    assert "<EMAIL_ADDRESS_" in sent["instructions"]
    assert "<GITHUB_TOKEN_" in sent["input"][0]["content"][0]["text"]
    assert sent["tools"] == [TOOL]  # untouched


@pytest.mark.parametrize("message,reason", [
    (b"\x00\x01 fake audio frame", "binary"),
    (json.dumps({"type": "input_audio_buffer.append", "audio": "AAAA"}), "cannot be scanned"),
    (json.dumps({"type": "some.future_event", "text": EMAIL}), "cannot be scanned"),
    ("not json " + EMAIL, "not JSON"),
])
def test_unscannable_websocket_message_is_refused(proxy: ProxyProcess, upstream: FakeUpstream,
                                                  message: str | bytes, reason: str) -> None:
    with _connect(proxy) as ws:
        ws.send(message)
        event = json.loads(ws.recv(timeout=60))
        assert event["type"] == "error", event
        assert "redactproxy" in event["error"]["message"] and reason in event["error"]["message"]
        ws.send(_create(f"mail {EMAIL}"))  # nothing more passes on this connection
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1)
    assert upstream.websockets[-1].messages == []


def test_detector_failure_refuses_the_message(proxy_factory, upstream: FakeUpstream) -> None:
    pp = proxy_factory(env={"REDACTPROXY_FAULT": "raise"})
    with _connect(pp) as ws:
        ws.send(_create(f"Please email {EMAIL}"))
        event = json.loads(ws.recv(timeout=60))
    assert event["type"] == "error" and "redactproxy" in event["error"]["message"]
    assert upstream.websockets[-1].messages == []


def test_unscannable_websocket_upgrade_gets_426(proxy: ProxyProcess,
                                                upstream: FakeUpstream) -> None:
    """A WebSocket redactproxy cannot scan is refused with 426, so clients fall back to HTTPS
    at once (Codex CLI retries a 403 seven times before falling back)."""
    with proxy.client() as c:
        r = c.get("https://api.openai.com/v1/chat/completions", headers=WS_HEADERS)
    assert r.status_code == 426
    assert "redactproxy" in r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "unscannable_websocket"
    assert upstream.requests == []
