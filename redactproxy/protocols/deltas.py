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
           rb'|null|true|false|\[[ \t]*\])')  # an empty list holds no text
_KEY = rb'"[A-Za-z_][A-Za-z0-9_]*"'
# A Responses text delta's channel is its type and four ids (``answers._responses``): the
# type comes first (as OpenAI writes it), each id at most once and in its usual order, any
# other scalar members between them. Argument deltas (JSON text, escaped) are left out.
_IDS = rb'type|item_id|output_index|content_index|summary_index|delta'


def _compile(ws: bytes) -> tuple[re.Pattern[bytes], ...]:
    """The chat, Anthropic and Responses delta patterns with ``ws`` around structure."""
    colon, comma = ws + rb':' + ws, ws + rb',' + ws
    opn, close, lst, end = rb'\{' + ws, ws + rb'\}', rb'\[' + ws, ws + rb'\]'

    def members(exclude: bytes) -> bytes:
        """Members with scalar values, none named ``exclude`` (a duplicate key would win;
        ``exclude`` may be an alternation of names)."""
        return rb'(?:(?!"(?:' + exclude + rb')")' + _KEY + colon + _SCALAR + comma + rb')*'

    def after(exclude: bytes) -> bytes:
        return rb'(?:' + comma + rb'(?!"(?:' + exclude + rb')")' + _KEY + colon + _SCALAR + rb')*'

    def key(name: bytes) -> bytes:
        return rb'"' + name + rb'"' + colon

    chat = (ws + opn + members(b"choices") + key(b"choices") + lst + opn + key(b"index")
            + _INT + comma + key(b"delta") + opn
            + rb'"(content|reasoning_content|reasoning|refusal)"' + colon + rb'(' + _STR
            + rb')' + close + rb'(?:' + comma + key(b"logprobs") + rb'null)?' + comma
            + key(b"finish_reason") + rb'null' + close + end + after(b"choices") + close + ws)
    anthropic = (ws + opn + key(b"type") + rb'"content_block_delta"' + comma + key(b"index")
                 + _INT + comma + key(b"delta") + opn + key(b"type") + rb'"text_delta"'
                 + comma + key(b"text") + rb'(' + _STR + rb')' + close + close + ws)
    responses = (
        ws + opn + key(b"type")
        + rb'"(response\.(?:output_text|refusal|reasoning_text|reasoning_summary_text))'
        + rb'\.delta"' + comma + members(_IDS) + key(b"item_id") + rb'(' + _STR + rb')'
        + comma + members(_IDS) + key(b"output_index") + _INT + comma + members(_IDS)
        + rb'"(content_index|summary_index)"' + colon + _INT + comma + members(_IDS)
        + key(b"delta") + rb'(' + _STR + rb')' + after(_IDS) + close + ws)
    return tuple(re.compile(p) for p in (chat, anthropic, responses))


# As providers write them (compact), and with blanks around structural characters, as
# JSON allows (a relay writing with Python's default ``json.dumps`` separators ``", "`` and
# ``": "``; the event is one line, so only spaces and tabs). The compact form is tried
# first: the blanks cost a tenth of the match on a chat event's many members.
_COMPACT = dict(zip(("openai-chat", "anthropic-messages", "openai-responses"),
                    _compile(b""), strict=True))
_SPACED = dict(zip(("openai-chat", "anthropic-messages", "openai-responses"),
                   _compile(rb'[ \t]*'), strict=True))


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
    compact = _COMPACT.get(api)
    if compact is None:
        return None
    m = compact.fullmatch(raw, at, end) or _SPACED[api].fullmatch(raw, at, end)
    if m is None:
        return None
    if api == "anthropic-messages":
        return Delta(("a", int(m.group(1))), *m.span(2))
    if api == "openai-chat":
        return Delta(("c", int(m.group(1)), m.group(2).decode("ascii")), *m.span(3))
    index = int(m.group(5))
    content, summary = (index, None) if m.group(4) == b"content_index" else (None, index)
    return Delta(("r", m.group(1).decode("ascii"), token_text(m.group(2)), int(m.group(3)),
                  content, summary), *m.span(6))
