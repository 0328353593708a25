"""Server-sent events framing: split a byte stream into whole events and rebuild them.

Events are kept as their original bytes so an event the proxy does not change is sent on
byte for byte; only events whose data changed are re-serialised, with the same field
order, ``data:`` spacing and line endings as the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SSEEvent", "SSEParser"]

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n")
_LINE = re.compile(r"([^\r\n]*)(\r\n|\n|\r|$)")


@dataclass(slots=True)
class SSEEvent:
    """One event: its raw bytes (terminator included) and the parsed fields."""

    raw: bytes
    event: str | None
    data: str | None

    @classmethod
    def parse(cls, raw: bytes) -> SSEEvent:
        """Parse the raw bytes of one event (UTF-8, terminator included)."""
        if raw.endswith(b"\n\n") and b"\r" not in raw:  # the usual shapes, sliced
            if raw.startswith(b"data: ") and raw.find(b"\n") == len(raw) - 2:
                return cls(raw, None, raw[6:-2].decode("utf-8"))
            if raw.startswith(b"event: "):  # Anthropic: an event line, then one data line
                nl = raw.find(b"\n")
                if raw.startswith(b"data: ", nl + 1) and raw.find(b"\n", nl + 1) == len(raw) - 2:
                    return cls(raw, raw[7:nl].decode("utf-8"), raw[nl + 7:-2].decode("utf-8"))
        text = raw.decode("utf-8")
        event: str | None = None
        data: list[str] = []
        lines = text.split("\n") if "\r" not in text else [ln for ln, _ in _LINE.findall(text)]
        for line in lines:
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
        return cls(raw, event, "\n".join(data) if data else None)

    def with_data(self, data: str) -> bytes:
        """Return the raw event with its data replaced, everything else as it was."""
        text = self.raw.decode("utf-8")
        out: list[str] = []
        done = False
        nl = "\n"
        for line, ending in _LINE.findall(text):
            if not line and not ending:
                continue
            if line.startswith("data:"):
                nl = ending or nl
                if done:
                    continue
                prefix = "data: " if line.startswith("data: ") else "data:"
                out.extend(f"{prefix}{part}{ending or nl}" for part in data.split("\n"))
                done = True
            else:
                out.append(line + ending)
        if not done:  # an event without data gets one (not expected, but keep it valid)
            out.insert(0, f"data: {data}{nl}")
        return "".join(out).encode("utf-8")


class SSEParser:
    """Incremental splitter: feed bytes, get whole events back; ``close`` returns the rest."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Add bytes; return every event completed by them, in order."""
        return [SSEEvent.parse(raw) for raw in self.feed_raw(chunk)]

    def whole(self, chunk: bytes) -> bool:
        """True if ``chunk`` is exactly one whole event and nothing is buffered: then it is
        that event's raw bytes, and the parser's state needs no update."""
        return not self._buf and chunk.endswith(b"\n\n") \
            and chunk.find(b"\n\n") == len(chunk) - 2 and b"\r" not in chunk

    def feed_raw(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the raw bytes (terminator included) of every event completed."""
        if self.whole(chunk):
            return [chunk]  # exactly one whole event (a read per event: the usual case)
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" not in buf:  # "\n" line endings only (the usual case): one split
            if b"\n\n" not in buf:
                self._buf = buf
                return []
            *whole, self._buf = buf.split(b"\n\n")
            return [raw + b"\n\n" for raw in whole]
        events: list[bytes] = []
        pos = 0
        while True:
            m = _EVENT_END.search(buf, pos)
            if m is None:
                break
            # "\r\n\n" etc. are mixed endings: take the shortest terminator match.
            events.append(buf[pos:m.end()])
            pos = m.end()
        self._buf = buf[pos:]
        return events

    def close(self) -> bytes:
        """Return bytes left that never formed a whole event (sent on unchanged)."""
        rest, self._buf = self._buf, b""
        return rest
