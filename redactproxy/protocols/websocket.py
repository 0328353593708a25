"""Where model input and output live in WebSocket messages: OpenAI Responses and Realtime.

Both transports send one JSON event per text message. Client-to-server messages carry model
input (``response.create`` with ``input`` items, ``instructions`` and tools; Realtime
``conversation.item.create`` and ``session.update``); they are scanned like a Responses body.
Types that carry audio or are unknown cannot be scanned and are refused. Server-to-client
events are the Responses SSE event types; their deltas are restored with the same
``StreamRewriter`` as SSE streams, fed one message at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redactproxy.protocols.answers import StreamRewriter, restore_json
from redactproxy.restore import Lookup
from redactproxy.sse import SSEParser
from redactproxy.toolguard import ToolGuard

__all__ = ["API", "EventRestorer", "client_message", "websocket_kind"]

#: The API name whose rules pick the texts to scan in client messages.
API = "openai-responses"

#: Client message types each transport may send, all scanned as a whole (every string that
#: is not an id or enum). Anything else is refused: it cannot be known what it carries.
_CLIENT_TYPES: dict[str, frozenset[str]] = {
    "responses": frozenset({"response.create", "response.append", "response.processed",
                            "response.cancel"}),
    "realtime": frozenset({
        "session.update", "transcription_session.update", "conversation.item.create",
        "conversation.item.truncate", "conversation.item.delete", "conversation.item.retrieve",
        "response.create", "response.cancel", "input_audio_buffer.commit",
        "input_audio_buffer.clear", "output_audio_buffer.clear"}),
}
_AUDIO_PARTS = frozenset({"input_audio", "audio"})


def websocket_kind(path: str) -> str | None:
    """``responses`` or ``realtime`` for a WebSocket path redactproxy can scan, else None."""
    bare = path.split("?", 1)[0].rstrip("/")
    if bare.endswith("/responses"):
        return "responses"
    if bare.endswith("/realtime"):
        return "realtime"
    return None


def _audio_in(node: Any) -> bool:
    """True if a message carries audio (a content part or an ``audio`` string)."""
    if isinstance(node, dict):
        if node.get("type") in _AUDIO_PARTS or isinstance(node.get("audio"), str):
            return True
        return any(_audio_in(v) for v in node.values())
    if isinstance(node, list):
        return any(_audio_in(v) for v in node)
    return False


def client_message(kind: str, text: str) -> Any:
    """Parse a client text message and check that it can be scanned.

    Args:
        kind: ``websocket_kind`` of the connection.
        text: The message.

    Returns:
        The parsed JSON event (scan it with the rules of :data:`API`).

    Raises:
        ValueError: naming why the message cannot be scanned (not JSON, unknown type, audio).
    """
    try:
        doc = json.loads(text)
    except ValueError:
        raise ValueError("a WebSocket message is not JSON") from None
    kind_of = doc.get("type") if isinstance(doc, dict) else None
    if not isinstance(kind_of, str):
        raise ValueError("a WebSocket message has no event type")
    if kind_of not in _CLIENT_TYPES[kind]:
        raise ValueError(f"WebSocket event type {kind_of!r} cannot be scanned")
    if _audio_in(doc):
        raise ValueError(f"WebSocket event {kind_of!r} carries audio, which cannot be scanned")
    return doc


class EventRestorer:
    """Restore placeholders in server events, one message at a time (deltas split anywhere).

    Args:
        lookup: Placeholder to value for the connection's project.
        on_event: Called with each parsed event (model and usage reporting).
        json_text: The request asked for JSON output: restored values are JSON-escaped.
        tools: Decides what tool-call arguments get (credentials by decision), as on SSE.

    ``feed`` returns the messages to send for one message: usually one, none while a
    placeholder split across deltas is held back, two when held-back text must go out in a
    delta of its own before the event that ends its channel.
    """

    def __init__(self, lookup: Lookup, on_event: Callable[[Any], None] | None = None, *,
                 json_text: bool = False, tools: ToolGuard | None = None) -> None:
        self._lookup = lookup
        self._tools = tools
        self._rewriter = StreamRewriter(API, lookup, on_event, json_text=json_text, tools=tools)
        self._whole = 0

    @property
    def restored(self) -> int:
        """Placeholders restored so far."""
        return self._rewriter.restored + self._whole

    def feed(self, text: str) -> list[str]:
        """Take one server text message; return the messages to send in its place, in order."""
        if "\r" in text:  # SSE framing would split it: restore it whole
            new, n = _restore_whole(text, self._lookup, self._tools)
            self._whole += n
            return [new]
        framed = "".join(f"data: {line}\n" for line in text.split("\n")) + "\n"
        out = self._rewriter.feed(framed.encode("utf-8"))
        return _messages(out)

    def finish(self) -> list[str]:
        """End of the connection: messages still held back."""
        return _messages(self._rewriter.finish())


def _restore_whole(text: str, lookup: Lookup,
                   tools: ToolGuard | None) -> tuple[str, int]:
    try:
        return restore_json(text, lookup, tools)
    except ValueError:
        return text, 0


def _messages(out: bytes) -> list[str]:
    return [ev.data for ev in SSEParser().feed(out) if ev.data is not None]
