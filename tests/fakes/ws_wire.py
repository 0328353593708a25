"""OpenAI's Responses API over WebSocket, as the fake upstream speaks it.

``GET /v1/responses`` (or ``/backend-api/codex/responses``) with ``Upgrade: websocket``
(header ``OpenAI-Beta: responses_websockets=...``) opens a connection on which the client
sends ``response.create`` messages (the Responses request body plus ``"type"``) and the
server answers with the same JSON events as the SSE stream, one per text message, ending in
``response.completed`` (``"generate": false``, a warm-up, gets no output).
``response.processed`` is acknowledged silently. A binary frame or an
unknown type gets an ``error`` event, like the real API. permessage-deflate is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate

from . import openai_wire
from .wire import Call, Knobs, Reply, Signer

__all__ = ["WebSocketSession", "serve"]


@dataclass
class WebSocketSession:
    """One WebSocket connection as the fake upstream saw it.

    Attributes:
        path: Request path of the upgrade.
        headers: Upgrade request headers (lower-case names).
        messages: Every client message, text as ``str`` and binary as ``bytes``, in order.
        closed: The connection ended.
    """

    path: str
    headers: dict[str, str]
    messages: list[str | bytes] = field(default_factory=list)
    closed: bool = False


def _events(reply: Reply) -> list[str]:
    """The JSON events of an SSE reply, one string each."""
    out = []
    for frame in reply.frames or []:
        for line in frame.decode("utf-8").splitlines():
            if line.startswith("data: "):
                out.append(line[len("data: "):])
    return out


def _error(message: str, status: int = 400) -> str:
    return json.dumps({"type": "error", "status": status, "error": {
        "type": "invalid_request_error", "code": None, "message": message, "param": None}})


def serve(raw_request: bytes, recv: Callable[[], bytes], send: Callable[[bytes], None],
          session: WebSocketSession, knobs: Knobs, signer: Signer,
          on_message: Callable[[bytes], None],
          hold: Callable[[], object] | None = None) -> None:
    """Run one WebSocket connection until it closes.

    Args:
        raw_request: The upgrade request's head, as received.
        recv: Reads more bytes from the client (``b""`` at end of stream).
        send: Writes bytes to the client.
        session: Filled with what the client sent.
        knobs: Behaviour (chunk sizes, reply text) for the replies.
        signer: The upstream's signer (unused by OpenAI formats, kept for ``Call``).
        on_message: Called with each client text message (the test's recording).
        hold: Called before the last event of each answer when ``knobs.hold_last`` is set
            (the test releases it).
    """
    ws = WSConnection(ConnectionType.SERVER)
    ws.receive_data(raw_request)
    pending = ""
    while True:
        for event in ws.events():
            if isinstance(event, Request):
                send(ws.send(AcceptConnection(extensions=[PerMessageDeflate()])))
            elif isinstance(event, TextMessage):
                pending += event.data
                if not event.message_finished:
                    continue
                text, pending = pending, ""
                session.messages.append(text)
                on_message(text.encode("utf-8"))
                replies = _answer(text, knobs, signer)
                for i, reply in enumerate(replies):
                    if knobs.hold_last and hold is not None and i == len(replies) - 1:
                        hold()
                    send(ws.send(TextMessage(data=reply)))
            elif isinstance(event, BytesMessage):
                session.messages.append(bytes(event.data))
                send(ws.send(TextMessage(data=_error("binary messages are not supported"))))
            elif isinstance(event, Ping):
                send(ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                session.closed = True
                send(ws.send(event.response()))
                return
        data = recv()
        if not data:
            session.closed = True
            return
        ws.receive_data(data)


def _answer(text: str, knobs: Knobs, signer: Signer) -> list[str]:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return [_error("We could not parse the JSON body of your request.")]
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "response.processed":
        return []
    if kind != "response.create":
        return [_error(f"Invalid value: '{kind}'. Supported values are: 'response.create'.")]
    body = {k: v for k, v in data.items() if k != "type"}
    body["stream"] = True
    call = Call("POST", "/v1/responses", {}, body, len(text), knobs, signer)
    events = _events(openai_wire.responses(call))
    if body.get("generate") is False:  # a warm-up (Codex sends one first): no output
        done = json.loads(events[-1])
        done["response"]["output"] = []
        return [events[0], json.dumps(done)]
    return events
