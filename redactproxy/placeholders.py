"""The placeholder grammar: the one place that knows what a placeholder looks like.

A placeholder is ``<ENTITY_N>``: an upper-case entity type and a positive number, e.g.
``<EMAIL_ADDRESS_1>``. Models copy such tokens faithfully, they contain no character that
JSON, shells or Markdown escape, and their fixed opening ``<`` lets a stream restorer pass
every other character through without delay.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_LEN",
    "PLACEHOLDER_RE",
    "could_be_prefix",
    "format_placeholder",
    "parse_placeholder",
]

#: Longest placeholder we ever emit or restore; bounds how much a stream restorer holds back.
MAX_LEN = 64

_ENTITY = r"[A-Z][A-Z0-9_]{0,40}"
PLACEHOLDER_RE = re.compile(rf"<({_ENTITY})_([1-9][0-9]{{0,8}})>")
# Any prefix of a placeholder, anchored at the end of a buffer.
_PREFIX_RE = re.compile(r"<(?:[A-Z][A-Z0-9_]*)?$")
_ENTITY_RE = re.compile(rf"{_ENTITY}")


def format_placeholder(entity: str, number: int) -> str:
    """Return the placeholder for the ``number``-th value of ``entity``.

    Raises:
        ValueError: if ``entity`` is not an upper-case identifier or ``number`` < 1.
    """
    if not _ENTITY_RE.fullmatch(entity) or number < 1:
        raise ValueError(f"invalid placeholder parts: entity={entity!r} number={number}")
    return f"<{entity}_{number}>"


def parse_placeholder(text: str) -> tuple[str, int] | None:
    """Return ``(entity, number)`` if ``text`` is exactly one placeholder, else None."""
    m = PLACEHOLDER_RE.fullmatch(text)
    return (m.group(1), int(m.group(2))) if m else None


def could_be_prefix(tail: str) -> bool:
    """True if ``tail`` (from a ``<`` to the end of a buffer) may still grow into a placeholder."""
    return len(tail) < MAX_LEN and _PREFIX_RE.match(tail) is not None
