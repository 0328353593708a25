"""Put real values back in place of placeholders: whole texts, and streams fed piecewise.

A stream restorer is a small state machine: it passes text through at once and holds back
only a tail that could still grow into a placeholder (from a ``<`` on), so a placeholder
split across SSE events or TCP reads is restored without delaying anything else.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from redactproxy.placeholders import PLACEHOLDER_RE, could_be_prefix

__all__ = ["Escape", "Lookup", "StreamRestorer", "json_escape", "restore_spans", "restore_text"]

Lookup = Callable[[str], str | None]
Escape = Callable[[str], str]


def json_escape(value: str) -> str:
    """Escape ``value`` for use inside a JSON string literal (tool-call arguments)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def restore_text(text: str, lookup: Lookup, escape: Escape | None = None) -> tuple[str, int]:
    """Replace every known placeholder in ``text``; return the new text and how many.

    Unknown placeholders (a model inventing ``<EMAIL_ADDRESS_9>``) are left as they are.
    """
    if "<" not in text:
        return text, 0
    count = 0

    def sub(m: object) -> str:
        nonlocal count
        token = m.group(0)  # type: ignore[attr-defined]
        value = lookup(token)
        if value is None:
            return token
        count += 1
        return escape(value) if escape else value

    return PLACEHOLDER_RE.sub(sub, text), count


def restore_spans(text: str, lookup: Lookup) -> tuple[str, list[tuple[int, int, str]]]:
    """Like ``restore_text``, also returning ``(start, end, entity)`` of each restored value.

    Offsets are in the restored text; the entity is the placeholder's type.
    """
    if "<" not in text:
        return text, []
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = out_len = 0
    for m in PLACEHOLDER_RE.finditer(text):
        value = lookup(m.group(0))
        if value is None:
            continue
        head = text[pos:m.start()]
        parts.append(head)
        out_len += len(head)
        parts.append(value)
        spans.append((out_len, out_len + len(value), m.group(1)))
        out_len += len(value)
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), spans


class StreamRestorer:
    """Restore placeholders in text that arrives in pieces.

    Args:
        lookup: Placeholder to value, or None if unknown.
        escape: Applied to restored values (``json_escape`` inside JSON fragments).

    ``feed`` returns what can be emitted now; ``flush`` returns the held-back rest at the
    end of the stream. Output concatenated equals ``restore_text`` of the whole input.
    """

    __slots__ = ("_escape", "_lookup", "_pending", "restored")

    def __init__(self, lookup: Lookup, escape: Escape | None = None) -> None:
        self._lookup = lookup
        self._escape = escape
        self._pending = ""
        self.restored = 0

    @property
    def pending(self) -> str:
        """Text held back because it may be the start of a placeholder."""
        return self._pending

    def feed(self, chunk: str) -> str:
        """Take the next piece of text; return the text that is safe to emit now."""
        buf = self._pending + chunk if self._pending else chunk
        cut = buf.rfind("<")
        if cut != -1 and could_be_prefix(buf[cut:]):
            self._pending = buf[cut:]
            buf = buf[:cut]
        else:
            self._pending = ""
        out, n = restore_text(buf, self._lookup, self._escape)
        self.restored += n
        return out

    def flush(self) -> str:
        """Return whatever is held back; the stream (or this channel of it) has ended."""
        rest, self._pending = self._pending, ""
        out, n = restore_text(rest, self._lookup, self._escape)
        self.restored += n
        return out
