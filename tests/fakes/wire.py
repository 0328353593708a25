"""Provider-neutral wire helpers for the fake upstream: replies, SSE framing, knobs, ids.

Kept apart from the provider formats so each format module reads like the provider's own
documentation, and apart from the server so the byte-level behaviour (framing, splitting,
compression) is one place to audit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

__all__ = [
    "Call",
    "Knobs",
    "Reply",
    "Signer",
    "Turn",
    "dumps_compact",
    "dumps_google",
    "new_id",
    "pieces",
    "sse",
]

_ALNUM = string.ascii_letters + string.digits


def dumps_compact(obj: Any) -> str:
    """JSON as OpenAI and Anthropic put it on SSE ``data:`` lines: no spaces, raw UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def dumps_google(obj: Any) -> str:
    """JSON as Gemini puts it on SSE lines: ``": "`` after keys but no space after commas."""
    return json.dumps(obj, separators=(",", ": "), ensure_ascii=False)


def sse(data: str, event: str | None = None, eol: str = "\n") -> bytes:
    """One complete server-sent event (``event:`` line optional) ending in a blank line."""
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {data}{eol}{eol}".encode()


def new_id(prefix: str, length: int, alphabet: str = _ALNUM) -> str:
    """A random id shaped like the provider's (``chatcmpl-…``, ``msg_01…``, ``call_…``)."""
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def pieces(text: str, size: int) -> list[str]:
    """Split ``text`` into ``size``-character deltas (at least one, possibly empty)."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class Turn:
    """What the fake 'model' saw in the request's last user turn.

    Attributes:
        text: All text of the last user turn concatenated (tool results included).
        user_text: Only the user-typed text (tool results excluded); decides on tool calls.
        has_tool_result: The turn answers an earlier tool call (so never call a tool again).
        tool_name: First declared function tool, if any.
    """

    text: str = ""
    user_text: str = ""
    has_tool_result: bool = False
    tool_name: str | None = None

    @property
    def wants_tool(self) -> bool:
        """Answer with a tool call: tools declared and the user typed ``CALLTOOL``."""
        return bool(self.tool_name) and "CALLTOOL" in self.user_text and not self.has_tool_result

    def call_arguments(self, knobs: Knobs) -> str | None:
        """Arguments JSON of the tool call to answer with, or None for a text answer.

        ``knobs.tool_args`` (a relay playing games) answers every request that declares a
        tool with exactly those arguments; otherwise ``CALLTOOL`` echoes the user text.
        """
        if knobs.reply_text is not None or not self.tool_name:
            return None
        if knobs.tool_args is not None:
            return knobs.tool_args
        return self.tool_arguments if self.wants_tool else None

    @property
    def tool_arguments(self) -> str:
        """Arguments JSON of the tool call: ``{"echo": <user text>}`` as the provider spells it."""
        return json.dumps({"echo": self.user_text or self.text}, ensure_ascii=False)


@dataclass
class Reply:
    """What the server writes back.

    Either ``body`` (sent with Content-Length) or ``frames`` (each one complete SSE event, sent
    chunked with delays between them). ``error_frame`` is what this provider sends when a
    mid-stream error is injected.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    frames: list[bytes] | None = None
    error_frame: bytes | None = None
    trailer: bytes = b""  # bytes after the last frame (Gemini's JSON-array stream ``]``)


@dataclass
class Knobs:
    """Per-request behaviour, from the upstream's defaults overridden by ``x-fake-*`` headers."""

    event_delay: float = 0.005
    chunk_chars: int = 3
    split_every: int = 3
    gzip: bool = False
    served_model: str | None = None
    prompt_tokens: int | None = None
    error_status: int | None = None
    stream_error_after: int | None = None
    reply_text: str | None = None
    tool_args: str | None = None
    thinking: bool = False
    reject_bad_signatures: bool = True
    hold_last: bool = False
    hold_end: bool = False

    def apply_headers(self, headers: Mapping[str, str]) -> Knobs:
        """Return a copy with the request's ``x-fake-*`` headers applied."""
        k = replace(self)
        accept = headers.get("accept-encoding", "")
        k.gzip = headers.get("x-fake-gzip") == "1" and "gzip" in accept.lower()
        k.served_model = headers.get("x-fake-served-model") or k.served_model
        if "x-fake-prompt-tokens" in headers:
            k.prompt_tokens = int(headers["x-fake-prompt-tokens"])
        if "x-fake-error" in headers:
            k.error_status = int(headers["x-fake-error"])
        if "x-fake-stream-error-after" in headers:
            k.stream_error_after = int(headers["x-fake-stream-error-after"])
        if "x-fake-event-delay" in headers:
            k.event_delay = float(headers["x-fake-event-delay"])
        if "x-fake-chunk-chars" in headers:
            k.chunk_chars = max(1, int(headers["x-fake-chunk-chars"]))
        if "x-fake-split-every" in headers:
            k.split_every = int(headers["x-fake-split-every"])
        if "x-fake-reply" in headers:
            k.reply_text = unquote(headers["x-fake-reply"])
        if "x-fake-tool-args" in headers:
            k.tool_args = unquote(headers["x-fake-tool-args"])
        if headers.get("x-fake-thinking") == "1":
            k.thinking = True
        k.hold_last = headers.get("x-fake-hold-last") == "1"
        k.hold_end = headers.get("x-fake-hold-end") == "1"
        return k

    def usage(self, body_len: int, reply: str) -> tuple[int, int]:
        """Plausible ``(prompt, completion)`` token counts (prompt overridable by header)."""
        prompt = self.prompt_tokens if self.prompt_tokens is not None else max(1, body_len // 4)
        return prompt, max(1, len(reply) // 4)

    def model(self, requested: str) -> str:
        """The model name to report: the requested one unless a relay 'swapped' it."""
        return self.served_model or requested


class Signer:
    """HMAC signer standing in for Anthropic's opaque thinking-block signatures.

    The real API rejects a ``thinking`` block whose text differs by one byte from what it sent;
    signing the text lets the fake detect a proxy that fails to re-redact restored thinking.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, text: str) -> str:
        """Signature for ``text`` (base64, shaped like Anthropic's)."""
        mac = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.b64encode(b"\x12\x30" + mac).decode()

    def verify(self, text: str, signature: str) -> bool:
        """True when ``signature`` was issued for exactly ``text``."""
        return hmac.compare_digest(self.sign(text), signature)


@dataclass
class Call:
    """One parsed request handed to a provider format.

    Attributes:
        method: HTTP method.
        path: Path without the query string.
        query: Parsed query string.
        data: Parsed JSON body (``None`` when the body is empty or not JSON).
        body_len: Decoded body length (drives the default prompt-token count).
        knobs: Effective behaviour for this request.
        signer: The upstream's thinking-signature signer.
        signature_checks: Filled by the Anthropic format: one bool per thinking block checked.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    data: Any
    body_len: int
    knobs: Knobs
    signer: Signer
    signature_checks: list[bool] = field(default_factory=list)
