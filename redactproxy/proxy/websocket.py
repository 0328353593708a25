"""Redact WebSocket messages to AI APIs and restore placeholders in their events.

``RedactProxy.request`` lets an upgrade through only on a path whose messages can be scanned
(``protocols.websocket``) and leaves a :class:`WebSocketSession` in ``flow.metadata``; this
addon does the rest, message by message. Client text messages are held while they are
scanned (mitmproxy pauses the connection until the hook returns, so order is kept) and
forwarded redacted. A message that cannot be scanned (binary frames, audio, unknown event
types, a detector failure) is never forwarded: the client gets an ``error`` event naming
the reason and nothing more passes on that connection in either direction.
Server events are restored as they come, like an SSE stream.

Usage: added by ``RedactProxy`` itself (its ``addons`` attribute); nothing to configure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mitmproxy import ctx, http
from mitmproxy.proxy.layers import websocket as websocket_layer
from mitmproxy.websocket import WebSocketMessage

from redactproxy.errors import RedactProxyError
from redactproxy.protocols.websocket import EventRestorer, client_message
from redactproxy.records import RequestRecord

__all__ = ["WS_META", "WebSocketRedactor", "WebSocketSession"]

log = logging.getLogger("redactproxy")
WS_META = "redactproxy_ws"


@dataclass
class WebSocketSession:
    """What redaction needs for one WebSocket connection (in ``flow.metadata[WS_META]``).

    Args:
        kind: ``responses`` or ``realtime`` (``protocols.websocket.websocket_kind``).
        record: The connection's record; findings of every message are added to it.
        redact: ``(text, parsed) -> redacted text``; raises ``RedactProxyError`` to refuse.
        restorer: Restores the server's events.
        finish: Reports the record once the connection ended (an awaitable when it first
            checks placeholders against a shared store).
    """

    kind: str
    record: RequestRecord
    redact: Callable[[str, Any], Awaitable[str]]
    restorer: EventRestorer
    finish: Callable[[], Awaitable[None] | None]
    refused: str | None = None
    #: Messages we injected towards the client that have not passed the hook yet. While
    #: any are on their way, server messages are re-injected too, so order is kept.
    injecting: int = 0


class WebSocketRedactor:
    """Scan client messages, restore server events, refuse what cannot be scanned."""

    def load(self, loader: Any) -> None:
        # mitmproxy cuts a modified text message into ~4 kB frames, decoding each piece on
        # its own: a character split across two pieces would be replaced by U+FFFD. Send
        # modified messages as one frame instead (the APIs accept large frames).
        websocket_layer.Fragmentizer.FRAGMENT_SIZE = 1 << 62

    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        session: WebSocketSession | None = flow.metadata.get(WS_META)
        if session is None or flow.websocket is None:
            return
        msg = flow.websocket.messages[-1]
        if msg.injected:
            if not msg.from_client:
                session.injecting = max(0, session.injecting - 1)
            return
        if session.refused is not None:
            msg.drop()
        elif msg.from_client:
            await self._client_message(flow, session, msg)
        else:
            self._server_message(flow, session, msg)

    def websocket_end(self, flow: http.HTTPFlow) -> Awaitable[None] | None:
        session: WebSocketSession | None = flow.metadata.pop(WS_META, None)
        if session is None:
            return None
        session.record.restored = session.restorer.restored
        return session.finish()

    async def _client_message(self, flow: http.HTTPFlow, session: WebSocketSession,
                              msg: WebSocketMessage) -> None:
        if not msg.is_text:
            self._refuse(flow, session, msg, "binary WebSocket frames (such as audio) cannot "
                                             "be scanned")
            return
        try:
            text = msg.text
            new = await session.redact(text, client_message(session.kind, text))
        except (RedactProxyError, ValueError) as e:
            self._refuse(flow, session, msg, str(e))
        except Exception as e:  # noqa: BLE001 - fail closed, never forward unscanned
            log.exception("WebSocket redaction failed")
            self._refuse(flow, session, msg, f"internal error while redacting "
                                             f"({type(e).__name__})")
        else:
            _set_text(msg, new)

    def _refuse(self, flow: http.HTTPFlow, session: WebSocketSession, msg: WebSocketMessage,
                reason: str) -> None:
        msg.drop()
        reason = reason if reason.startswith("redactproxy") else f"redactproxy: {reason}"
        reason += "; the message was not forwarded and this WebSocket carries nothing more"
        log.warning("redactproxy refused a WebSocket message to %s%s: %s",
                    flow.request.pretty_host, flow.request.path.split("?", 1)[0], reason)
        session.refused = reason
        session.record.verdict = "refused"
        session.record.reason = reason
        # The Responses/Realtime error event: clients show its message and end the turn.
        event = {"type": "error", "status": 400,
                 "error": {"type": "invalid_request_error", "code": "redactproxy_refused",
                           "message": reason, "param": None}}
        self._inject(flow, session, json.dumps(event).encode(), True)

    def _server_message(self, flow: http.HTTPFlow, session: WebSocketSession,
                        msg: WebSocketMessage) -> None:
        if msg.is_text:
            try:
                outs = [(m.encode("utf-8"), True) for m in session.restorer.feed(msg.text)]
            except Exception:  # noqa: BLE001 - keep the answer flowing, unrestored
                log.exception("WebSocket event restoration failed; passed on unchanged")
                outs = [(msg.content, True)]
        else:
            outs = [(msg.content, False)]
        if session.injecting:  # keep the order of what we injected before
            msg.drop()
            for data, is_text in outs:
                self._inject(flow, session, data, is_text)
            return
        if not outs:
            msg.drop()  # held back: a placeholder may go on in the next delta
            return
        first, *rest = outs
        if msg.is_text:
            _set_text(msg, first[0].decode("utf-8"))
        for data, is_text in rest:
            self._inject(flow, session, data, is_text)

    def _inject(self, flow: http.HTTPFlow, session: WebSocketSession, data: bytes,
                is_text: bool) -> None:
        session.injecting += 1
        ctx.master.commands.call("inject.websocket", flow, True, data, is_text)


def _set_text(msg: WebSocketMessage, text: str) -> None:
    """Replace a message's text; never with the original frame sizes (see ``load``)."""
    data = text.encode("utf-8")
    if data == msg.content:
        return
    if len(data) == len(msg.content):
        # Same length: mitmproxy would reuse the original frame boundaries, which may fall
        # inside a character of the new text. JSON allows trailing whitespace.
        data += b" "
    msg.content = data
