"""Rewrite string values inside a JSON text while keeping every other byte identical.

Re-serialising a whole request body would change whitespace, key spacing and escapes, which
breaks provider prompt caching and anything that hashes the body. Instead we locate each
string token in the raw text, pair it with the parsed value it encodes (both appear in
document order), and splice new tokens in only where a value changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Path", "dumps_like", "iter_strings", "loads", "replace_member", "splice",
           "string_spans"]

Path = tuple[str | int, ...]

# Unrolled ("normal* (special normal*)*"): one regex step per run of plain characters instead
# of one alternation per character; ten times faster on 100 KB bodies, same matches.
_STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


_MEMBER_CACHE: dict[str, tuple[bytes, re.Pattern[bytes]]] = {}
_STRING_TOKEN_B = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


def replace_member(raw: bytes, key: str, old: str, new: str) -> bytes | None:
    """Replace the string value ``old`` of the one member named ``key`` in JSON bytes ``raw``.

    The streaming fast path: a delta event changes one string, so only that token is
    re-encoded and every other byte stays as it came, without walking the whole document.
    Returns None unless exactly one ``"key":`` member exists and its value decodes to ``old``
    (the caller then falls back to ``splice``). A quote inside a JSON string is escaped, so
    ``"key":`` only occurs as a real member (or inside a key ending in an escaped ``\\"key``;
    the single-occurrence and decode checks keep that case correct).
    """
    cached = _MEMBER_CACHE.get(key)
    if cached is None:
        k = json.dumps(key).encode("utf-8")
        cached = _MEMBER_CACHE[key] = (k + b":", re.compile(re.escape(k) + rb"\s*:"))
    marker, spaced = cached
    i = raw.find(marker)
    if i != -1:
        if spaced.search(raw, i + 1) is not None:  # a second member of that name
            return None
        j = i + len(marker)
    else:
        m = spaced.search(raw)
        if m is None or spaced.search(raw, m.end()) is not None:
            return None
        j = m.end()
    while raw[j:j + 1] in (b" ", b"\t", b"\r", b"\n"):
        j += 1
    end = raw.find(b'"', j + 1) if raw[j:j + 1] == b'"' else -1
    if end == -1:
        return None
    if raw[end - 1] == 0x5C:  # an escaped quote inside: let the regex find the token's end
        tm = _STRING_TOKEN_B.match(raw, j)
        if tm is None:
            return None
        end = tm.end() - 1
    token = raw[j:end + 1]
    if b"\\" in token:
        try:
            if json.loads(token) != old:
                return None
        except ValueError:
            return None
    elif token[1:-1] != old.encode("utf-8"):
        return None
    ascii_mode = raw.isascii() and b"\\u" in raw
    return raw[:j] + json.dumps(new, ensure_ascii=ascii_mode).encode("utf-8") + raw[end + 1:]


def loads(raw: str) -> Any:
    """Parse JSON text; raises ``ValueError`` with position on malformed input."""
    return json.loads(raw)


def iter_strings(doc: Any, path: Path = ()) -> Iterator[tuple[Path, bool, str]]:
    """Yield ``(path, is_key, value)`` for every string in ``doc``, in document order.

    Object keys are yielded too (``is_key=True``, path of the member) because they are
    string tokens in the raw text and must be counted to pair tokens with values.
    """
    out: list[tuple[Path, bool, str]] = []
    _strings(doc, path, out)
    return iter(out)


def _strings(node: Any, path: Path, out: list[tuple[Path, bool, str]]) -> None:
    # One list filled by plain recursion: nested generators cost a frame resume per string
    # per level (a resent 177 KB history: 0.87 ms against 0.66 ms).
    if isinstance(node, str):
        out.append((path, False, node))
    elif isinstance(node, dict):
        for k, v in node.items():
            p = (*path, k)
            out.append((p, True, k))
            if isinstance(v, dict | list | str):
                _strings(v, p, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, dict | list | str):
                _strings(v, (*path, i), out)


def string_spans(raw: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every string token in the valid JSON text ``raw``, in order.

    Outside a string, every ``"`` opens one; inside, a ``"`` after an odd run of
    backslashes is escaped. ``str.find`` jumps from quote to quote at C speed, where a
    per-character regex (``_STRING_TOKEN``) costs ~18 ns a character: 1.2 ms against
    3.2 ms on a resent 177 KB coding-agent history. Stops at an unterminated string.
    """
    out: list[tuple[int, int]] = []
    find = raw.find
    pos = 0
    while (start := find('"', pos)) != -1:
        end = find('"', start + 1)
        while end != -1 and raw[end - 1] == "\\":
            k = end - 1
            while raw[k - 1] == "\\":
                k -= 1
            if (end - k) % 2 == 0:  # an even run: the backslashes escape each other
                break
            end = find('"', end + 1)
        if end == -1:
            break
        pos = end + 1
        out.append((start, pos))
    return out


def _wants_ascii(raw: str) -> bool:
    return raw.isascii() and "\\u" in raw


def dumps_like(value: str, raw: str) -> str:
    """Encode ``value`` as a JSON string token in the style of the document ``raw``."""
    return json.dumps(value, ensure_ascii=_wants_ascii(raw))


def splice(raw: str, doc: Any, changes: Mapping[Path, str]) -> str:
    """Return ``raw`` with the string values at ``changes`` paths replaced.

    Args:
        raw: The JSON text ``doc`` was parsed from.
        doc: ``json.loads(raw)``.
        changes: New string values by path (value paths only, not keys).

    Falls back to re-serialising the modified document if the raw tokens cannot be
    paired with the parsed values (duplicate keys): correctness over byte-identity.
    """
    if not changes:
        return raw
    tokens = string_spans(raw)
    strings: list[tuple[Path, bool, str]] = []
    _strings(doc, (), strings)
    if len(tokens) != len(strings):
        return _reserialise(raw, doc, changes)
    ascii_mode = _wants_ascii(raw)
    out: list[str] = []
    pos = 0
    for (start, end), (path, is_key, _value) in zip(tokens, strings, strict=True):
        if is_key or path not in changes:
            continue
        out.append(raw[pos:start])
        out.append(json.dumps(changes[path], ensure_ascii=ascii_mode))
        pos = end
    out.append(raw[pos:])
    return "".join(out)


def _reserialise(raw: str, doc: Any, changes: Mapping[Path, str]) -> str:
    for path, value in changes.items():
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    compact = not re.search(r'[,:] ', raw[:2048])
    seps = (",", ":") if compact else (", ", ": ")
    return json.dumps(doc, ensure_ascii=_wants_ascii(raw), separators=seps)
