"""The one record every detector returns, and the interface detectors follow.

Detectors know nothing of placeholders, vaults or HTTP: they take text and return
character spans. Everything downstream (the vault, the audit store, the view) works on
``Finding`` values, so a new detector plugs in without touching them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["ACTIONS", "Action", "Detector", "Finding"]

Action = Literal["redact", "mask", "block", "allow"]
ACTIONS: tuple[str, ...] = ("redact", "mask", "block", "allow")


@dataclass(frozen=True, slots=True)
class Finding:
    """A sensitive span in one text.

    Args:
        start: Character offset of the first character of the value.
        end: Character offset one past the last character of the value.
        entity: Upper-case entity type, used in placeholders (``EMAIL_ADDRESS``).
        rule: Id of the rule or recognizer that found it (``pii.email``, ``nlp.PERSON``).
        score: Confidence in [0, 1].
        action: What policy says to do with it: ``redact`` (reversible placeholder),
            ``mask`` (one-way), ``block`` (refuse the request), ``allow`` (leave it).
    """

    start: int
    end: int
    entity: str
    rule: str
    score: float = 1.0
    action: Action = "redact"

    def __len__(self) -> int:
        return self.end - self.start


class Detector(Protocol):
    """Anything that finds sensitive spans in text.

    Implementations must be pure with respect to their input (same text, same findings)
    so results can be cached by content hash.
    """

    def analyze(self, text: str) -> list[Finding]:
        """Return the findings in ``text``, in any order, possibly overlapping."""
        ...
