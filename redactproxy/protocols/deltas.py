"""Recognise a plain text-delta SSE event from its bytes, without parsing its JSON.

Most events of a streamed answer are one small text delta wrapped in ids and metadata. To
restore a placeholder in one only that delta string and its channel matter, yet the
parsing path builds every member (the SSE parse, the JSON parse, the slot walk and the
member search around them). Here a plain delta event of Anthropic Messages, OpenAI
chat or OpenAI Responses is one anchored regular expression over the whole ``data:``
line: the object is matched member by member, so a match means the event is exactly that
shape (the delta string's token position, its channel, nothing else that could hold
text), and anything else (usage objects, several choices, tool calls, a finish reason,
``\\r`` line ends, a ``data:`` field split over lines, Responses argument deltas, a
Responses id out of its usual place) gives None and takes the parsing path.

The channel is the one ``answers``' slot functions give the parsed event, so both paths
feed the same per-channel restorer; ``tests/test_deltas.py`` checks the two agree.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

__all__ = ["Delta", "delta_of", "token_text"]

# JSON's own grammar (no control characters in strings, only its escapes, no leading
# zeros): what the parser would reject must not match here either.
_STR = rb'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"'
_INT = rb'(0|[1-9][0-9]*)'
_SCALAR = (rb'(?:' + _STR + rb'|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?'
           rb'|null|true|false|\[\])')  # an empty list holds no text
_KEY = rb'"[A-Za-z_][A-Za-z0-9_]*"'


def _members(exclude: bytes) -> bytes:
    """Members with scalar values, none named ``exclude`` (a duplicate key would win;
    ``exclude`` may be an alternation of names)."""
    return rb'(?:(?!"(?:' + exclude + rb')")' + _KEY + rb':' + _SCALAR + rb',)*'


def _after(exclude: bytes) -> bytes:
    return rb'(?:,(?!"(?:' + exclude + rb')")' + _KEY + rb':' + _SCALAR + rb')*'


_CHAT = re.compile(
    rb'\{' + _members(b"choices") + rb'"choices":\[\{"index":' + _INT + rb',"delta":\{'
    rb'"(content|reasoning_content|reasoning|refusal)":(' + _STR + rb')\}'
    rb'(?:,"logprobs":null)?,"finish_reason":null\}\]' + _after(b"choices") + rb'\}')
_ANTHROPIC = re.compile(
    rb'\{"type":"content_block_delta","index":' + _INT + rb','
    rb'"delta":\{"type":"text_delta","text":(' + _STR + rb')\}\}')

# A Responses text delta's channel is its type and four ids (``answers._responses``): the
# type comes first (as OpenAI writes it), each id at most once and in its usual order, any
# other scalar members between them. Argument deltas (JSON text, escaped) are left out.
_IDS = rb'type|item_id|output_index|content_index|summary_index|delta'
_RESPONSES = re.compile(
    rb'\{"type":"(response\.(?:output_text|refusal|reasoning_text|reasoning_summary_text))'
    rb'\.delta",' + _members(_IDS) + rb'"item_id":(' + _STR + rb'),'
    + _members(_IDS) + rb'"output_index":' + _INT + rb','
    + _members(_IDS) + rb'"(content_index|summary_index)":' + _INT + rb','
    + _members(_IDS) + rb'"delta":(' + _STR + rb')' + _after(_IDS) + rb'\}')


class Delta(NamedTuple):
    """The one text delta of an event.

    Args:
        channel: Its channel, as ``answers``' slot functions name it.
        start: Offset of the delta's JSON string token (opening quote) in the event bytes.
        end: Offset just past the token's closing quote.
    """

    channel: tuple[Any, ...]
    start: int
    end: int


def token_text(token: bytes) -> str:
    """Decode a JSON string token (quotes included)."""
    if b"\\" not in token:
        return token[1:-1].decode("utf-8")
    return str(json.loads(token))


def _utf8(raw: bytes) -> bool:
    """The parsing path decodes the whole event first (and fails on bad UTF-8)."""
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def delta_of(api: str, raw: bytes) -> Delta | None:
    """The text delta of the whole SSE event ``raw`` (terminator included), or None when
    the event is not a plain single text delta of ``api`` (then parse it)."""
    if not raw.endswith(b"\n\n") or b"\r" in raw:
        return None
    if raw.startswith(b"data: "):
        at = 6
    elif raw.startswith(b"event: "):
        at = raw.find(b"\n") + 1
        if not raw.startswith(b"data: ", at):
            return None
        at += 6
    else:
        return None
    end = len(raw) - 2
    if raw.find(b"\n", at, end) != -1 or not _utf8(raw):
        return None
    if api == "anthropic-messages":
        m = _ANTHROPIC.fullmatch(raw, at, end)
        return None if m is None else Delta(("a", int(m.group(1))), *m.span(2))
    if api == "openai-chat":
        m = _CHAT.fullmatch(raw, at, end)
        if m is None:
            return None
        return Delta(("c", int(m.group(1)), m.group(2).decode("ascii")), *m.span(3))
    if api == "openai-responses":
        m = _RESPONSES.fullmatch(raw, at, end)
        if m is None:
            return None
        index = int(m.group(5))
        content, summary = (index, None) if m.group(4) == b"content_index" else (None, index)
        return Delta(("r", m.group(1).decode("ascii"), token_text(m.group(2)),
                      int(m.group(3)), content, summary), *m.span(6))
    return None
