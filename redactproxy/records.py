"""What the proxy reports about each request: plain data, never a raw sensitive value.

The addon fills a ``RequestRecord`` as a flow progresses and hands it to every sink
(live view, log line, audit store). Sinks read these records only; none of them sees a
request body, so none of them can leak one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

__all__ = ["FindingRecord", "RecordSink", "RequestRecord", "Verdict"]

Verdict = Literal["pending", "passed", "blocked", "refused", "upstream_error", "cancelled"]


@dataclass(slots=True)
class FindingRecord:
    """One redacted (or masked, or blocking) value, described without the value.

    Args:
        entity: Entity type (``EMAIL_ADDRESS``).
        rule: Rule or recognizer id that found it.
        action: ``redact``, ``mask`` or ``block``.
        placeholder: The placeholder sent upstream (None for ``block``).
        masked: A masked preview safe for screens (``j•••@e•••.org``).
        context: A few words around the value, with the value itself masked.
        value_hash: Keyed hash of the value (HMAC), to count repeats without keeping it.
        field: Where in the request body it was (``messages[2].content``).
    """

    entity: str
    rule: str
    action: str
    placeholder: str | None
    masked: str
    context: str = ""
    value_hash: str = ""
    field: str = ""


@dataclass(slots=True)
class RequestRecord:
    """Everything the view, log and audit store know about one intercepted request."""

    id: str
    started: float = field(default_factory=time.time)
    project: str = ""
    client: str = ""
    method: str = ""
    host: str = ""
    path: str = ""
    provider: str | None = None
    api: str | None = None
    model_requested: str | None = None
    model_served: str | None = None
    findings: list[FindingRecord] = field(default_factory=list)
    restored: int = 0
    streamed: bool = False
    status: int | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    request_bytes: int = 0
    verdict: Verdict = "pending"
    reason: str | None = None
    alerts: list[str] = field(default_factory=list)
    developer: str | None = None
    text_chars: int | None = None  # characters of text scanned in the request
    ner_chars: int | None = None  # of those, characters NER ran on (not cached, not echoed)

    def counts(self) -> dict[str, int]:
        """Return the number of findings per entity type, in first-seen order."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.entity] = out.get(f.entity, 0) + 1
        return out


class RecordSink(Protocol):
    """A consumer of request records (view, log line, audit store)."""

    def record_started(self, rec: RequestRecord) -> None:
        """Called once the request has been scanned (and forwarded or refused)."""
        ...

    def record_finished(self, rec: RequestRecord) -> None:
        """Called once the response has been fully delivered, or the flow failed."""
        ...
