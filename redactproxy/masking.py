"""Screen-safe previews of sensitive values: masked forms, masked context, keyed hashes.

The addon builds every ``FindingRecord`` with these functions, so the view, the log line and
the audit store only ever receive what this module lets through. A masked form shows just
enough to recognise a value you typed yourself (``j•••@e•••.org``, ``sk-p•••a3F``, ``•••67``)
and never more than a third of it; anything shorter shows nothing but ``•••``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import NamedTuple, Protocol

__all__ = [
    "MASK",
    "Span",
    "SpanLike",
    "context_snippet",
    "mask_value",
    "safe_path",
    "value_hash",
]

#: What stands for hidden characters in every masked form.
MASK = "•••"

# Entities whose characters are all identifying (no vendor prefix worth showing).
_FULL_MASK = frozenset({
    "PASSWORD", "SEED_PHRASE", "CRYPTO_SEED", "US_SSN", "US_ITIN", "US_PASSPORT",
    "UK_NHS", "IN_AADHAAR", "CN_RESIDENT_ID",
})
_CARD = frozenset({"CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER"})
_WS_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_HASH_HEX = 16


class SpanLike(Protocol):
    """Anything with a character span and an entity type (``detect.base.Finding`` fits)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def entity(self) -> str: ...


class Span(NamedTuple):
    """A plain span, for callers that have no ``Finding`` at hand."""

    start: int
    end: int
    entity: str


def _reveals_under_a_third(shown: int, total: int) -> bool:
    return 0 < shown and 3 * shown < total


def _keep_ends(value: str, lead: int = 4, trail: int = 3) -> str:
    """Keep up to ``lead`` leading and ``trail`` trailing chars if that shows < 1/3 of it."""
    value = _WS_RE.sub(" ", value.strip())
    budget = (len(value) - 1) // 3  # largest count that is strictly under a third
    keep_lead = min(lead, (budget + 1) // 2)
    keep_trail = min(trail, budget - keep_lead)
    if not _reveals_under_a_third(keep_lead + keep_trail, len(value)):
        return MASK
    tail = value[len(value) - keep_trail:] if keep_trail else ""
    return f"{value[:keep_lead]}{MASK}{tail}"


def _mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    if not local:
        return _keep_ends(value)
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    head = f"{local[0]}{MASK}" if len(local) >= 3 else MASK
    mid = f"{name[0]}{MASK}" if len(name) >= 3 else MASK
    return f"{head}@{mid}{dot}{tld}"


def _mask_digits_tail(value: str, keep: int, minimum: int) -> str:
    digits = [c for c in value if c.isdigit()]
    if len(digits) < minimum:
        return MASK
    return MASK + "".join(digits[-keep:])


def _mask_person(value: str) -> str:
    words = value.split()
    if not _reveals_under_a_third(len(words), len(value)):
        return MASK
    return " ".join(f"{w[0]}{MASK}" for w in words)


def mask_value(value: str, entity: str) -> str:
    """Return a preview of ``value`` that is safe to show on a screen or in a log.

    Args:
        value: The raw sensitive value; it never appears whole in the result.
        entity: Its entity type; emails, phones, cards and names get their own shapes,
            anything else (keys, tokens, URLs) keeps at most 4 leading and 3 trailing chars.

    Returns:
        The masked form, e.g. ``j•••@e•••.org``, ``•••67``, ``sk-p•••a3F`` or ``•••``.
    """
    entity = entity.upper()
    if entity in _FULL_MASK or len(value) < 4:
        return MASK
    if entity == "EMAIL_ADDRESS" and "@" in value:
        return _mask_email(value)
    if entity == "PHONE_NUMBER":
        return _mask_digits_tail(value, keep=2, minimum=7)
    if entity in _CARD:
        return _mask_digits_tail(value, keep=4, minimum=13)
    if entity == "PERSON":
        return _mask_person(value)
    return _keep_ends(value)


def _clean(text: str) -> str:
    """Collapse newlines, tabs and control characters (terminal escapes) to one space."""
    return _WS_RE.sub(" ", text)


def _word_start(text: str, pos: int, limit: int) -> int:
    """Move ``pos`` right to the next word start if it cuts a word, never beyond ``limit``."""
    if pos == 0 or text[pos - 1].isspace():
        return pos
    while pos < limit and not text[pos].isspace():
        pos += 1
    return pos


def _word_end(text: str, pos: int, limit: int) -> int:
    """Move ``pos`` left to the previous word end if it cuts a word, never before ``limit``."""
    if pos == len(text) or text[pos].isspace():
        return pos
    while pos > limit and not text[pos - 1].isspace():
        pos -= 1
    return pos


# What the context around a finding never shows in clear, because detection may have missed
# it there: quoted strings (values in code and data), runs of CJK text (names glued to their
# sentence), and words holding a capital or a digit (names, numbers, identifiers).
# Every branch opens with its quote character (the "not after a word character" test of
# single quotes comes after it), so the regex engine skips to candidate characters instead of
# trying seven branches at each position: 3.6x faster on 100 KB of mixed text.
_QUOTED = re.compile(r"\"[^\"\n]*\"|'(?<!\w')[^'\n]*'(?!\w)|`[^`\n]*`|\u201c[^\u201d\n]*\u201d"
                     r"|\u2018[^\u2019\n]*\u2019|\u300c[^\u300d\n]*\u300d|\u300e[^\u300f\n]*\u300f")
_CJK_RUN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_MARKED_WORD = re.compile(r"\w*(?:[^\W\d_a-z]|\d)\w*")


def _shaded(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans in ``text[lo:hi]`` that may hold an undetected value: quoted strings' contents
    (paired from the start of the line, so a window edge cannot mis-pair them), CJK runs and
    words with a capital or a digit."""
    line = text.rfind("\n", max(0, lo - 2000), lo) + 1
    stop = text.find("\n", hi, hi + 2000)  # no quoted string spans a line end
    out: list[tuple[int, int]] = []
    for m in _QUOTED.finditer(text, line, hi + 2000 if stop == -1 else stop):
        if m.start() + 1 >= hi:  # in order: no later quote reaches into the window
            break
        if m.end() - 1 > lo:
            out.append((m.start() + 1, m.end() - 1))
    out += [m.span() for m in _CJK_RUN.finditer(text, lo, hi)]
    out += [m.span() for m in _MARKED_WORD.finditer(text, lo, hi)]
    return out


def _shade(text: str, a: int, b: int, shaded: list[tuple[int, int]]) -> str:
    """``text[a:b]`` cleaned, with every shaded character replaced (one mask per run).

    Shaded spans are clipped to the window and merged where they overlap or touch, so a
    run of shaded characters is one mask whatever spans made it (a finding's record
    builds two of these: per character, it was half the cost of a cold request's records).
    """
    spans = sorted((max(s, a), min(e, b)) for s, e in shaded if max(s, a) < min(e, b))
    out: list[str] = []
    k = a
    for s, e in spans:
        if e <= k:
            continue
        if s > k:
            out.append(_clean(text[k:s]))
            out.append(MASK)
        elif not out:  # a run at the window's start (else the previous run goes on)
            out.append(MASK)
        k = e
    if k < b:
        out.append(_clean(text[k:b]))
    return "".join(out)


def context_snippet(text: str, start: int, end: int, width: int = 30, *,
                    entity: str = "", others: Sequence[SpanLike] = ()) -> str:
    """Return a few words around ``text[start:end]`` with every sensitive span masked.

    The span itself is shown by its masked form; ``others`` (the other findings in the same
    text) are masked too wherever they fall in the window, and a window edge that would cut
    one of them is moved so that no part of it shows raw. Around them the context shows only
    what cannot be a value detection missed: lower-case words, spaces and punctuation. Quoted
    strings, runs of Chinese/Japanese/Korean text and words holding a capital or a digit
    become ``•••`` too (a name next to a finding is shown masked whether or not it was found).

    Args:
        text: The text the span was found in.
        start: Offset of the span's first character.
        end: Offset one past its last character.
        width: Characters of context to take on each side, before trimming to whole words.
        entity: Entity type of the span, choosing its masked shape.
        others: Other sensitive spans in ``text`` (anything with start, end and entity).

    Returns:
        One line, e.g. ``…please mail j•••@e•••.org before Friday…``.
    """
    lo = _word_start(text, max(0, start - width), start)
    hi = _word_end(text, min(len(text), end + width), end)
    spans: list[tuple[int, int, str]] = [(start, end, entity)]
    for o in others:
        if (o.start, o.end) == (start, end) or o.end <= lo or o.start >= hi:
            continue
        if o.start < lo:  # straddles the left edge: cut the window after it
            lo = max(lo, min(o.end, start))
        if o.end > hi:  # straddles the right edge
            hi = min(hi, max(o.start, end))
        if o.end > lo and o.start < hi:
            spans.append((o.start, o.end, o.entity))
    spans.sort()
    # Merge overlapping spans; a merged group of several is masked whole.
    groups: list[list[tuple[int, int, str]]] = []
    for s in spans:
        if groups and s[0] < max(g[1] for g in groups[-1]):
            groups[-1].append(s)
        else:
            groups.append([s])
    shaded = _shaded(text, lo, hi)
    out: list[str] = []
    pos = lo
    for g in groups:
        g_start, g_end = max(g[0][0], lo), max(x[1] for x in g)
        out.append(_shade(text, pos, g_start, shaded))
        out.append(mask_value(text[g_start:g_end], g[0][2]) if len(g) == 1 else MASK)
        pos = max(pos, g_end)
    out.append(_shade(text, pos, hi, shaded))
    body = "".join(out).strip()
    return f"{'…' if lo > 0 else ''}{body}{'…' if hi < len(text) else ''}"


def value_hash(key: bytes, value: str) -> str:
    """Return a keyed hash of ``value`` (HMAC-SHA256, first 16 hex digits).

    Equal values give equal hashes under one key, so repeats can be counted and matched
    across records; without the key the hash cannot be tested against guesses.

    Args:
        key: Secret key, kept out of every record (the addon keeps it with the vault key).
        value: The raw sensitive value.
    """
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:_HASH_HEX]


def safe_path(path: str) -> str:
    """Return a request path without its query string, which may carry a key (``?key=…``)."""
    return path.split("?", 1)[0].split("#", 1)[0]
