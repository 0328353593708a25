"""Answers the proxy restored, remembered by keyed hash per project: NER only on what is new.

A conversation is resent every turn, and its assistant turns are the provider's own answers,
which the proxy restored on their way back. Running NER on them again finds nothing the
provider does not already know. So for every answer text the proxy restored, we keep a
keyed hash (HMAC-SHA256 with a per-process random key, truncated; never the text) and the
spans where restored values sit (offset, length, entity type: positions, never values).
When that exact text comes back in an assistant turn of the same project, it skips NER:
its restored values become placeholders again from these spans (the vault gives each value
its placeholder, so the provider sees its own answer byte for byte), and the pattern rules,
known secrets and deny terms still run on it (cheap, and the rule packs apply to every
byte that leaves). Text a client wrote into an assistant turn itself (prefill, edited
history, few-shot examples) has no matching hash and is analysed like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections import OrderedDict

from redactproxy.caps import Caps, note_full
from redactproxy.detect.base import Finding

__all__ = ["ECHO_RULE", "AnswerHashes", "Span"]

#: ``(start, end, entity)`` of one restored value inside an answer text.
Span = tuple[int, int, str]
#: Rule id of findings that come from a remembered answer's spans.
ECHO_RULE = "restored.answer"


class AnswerHashes:
    """Keyed hashes of restored answer texts per project scope, bounded (LRU).

    Args:
        max_entries: Answers remembered across all scopes; the oldest are forgotten first.
        key: HMAC key (random per process when omitted).
    """

    def __init__(self, max_entries: int = Caps.answers, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)
        self._max = max_entries
        self._data: OrderedDict[bytes, tuple[Span, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, scope: str, text: str) -> bytes:
        msg = scope.encode() + b"\0" + text.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, msg, hashlib.sha256).digest()[:16]

    def add(self, scope: str, text: str, spans: list[Span] | tuple[Span, ...]) -> None:
        """Remember that the proxy handed ``text`` (with restored values at ``spans``) back."""
        if not text:
            return
        d = self._digest(scope, text)
        with self._lock:
            self._data[d] = tuple(spans)
            self._data.move_to_end(d)
            if len(self._data) > self._max:
                note_full("remembered answers", str(self._max))
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def spans(self, scope: str, text: str) -> tuple[Span, ...] | None:
        """The restored-value spans of ``text`` if the proxy restored exactly it, else None."""
        d = self._digest(scope, text)
        with self._lock:
            found = self._data.get(d)
            if found is not None:
                self._data.move_to_end(d)
            return found

    def findings(self, scope: str, text: str) -> list[Finding] | None:
        """Findings that put ``text``'s restored values back as placeholders, or None."""
        spans = self.spans(scope, text)
        if spans is None:
            return None
        return [Finding(s, e, entity, ECHO_RULE, 1.0) for s, e, entity in spans
                if 0 <= s < e <= len(text)]

    def __len__(self) -> int:
        return len(self._data)
