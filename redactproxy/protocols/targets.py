"""Which strings of a request body a model will see, per API.

We scan every string value except fields that are enums, ids, model names, opaque binary
data or signed content: scanning too much costs a little time, scanning too little leaks.
Signed blocks (Anthropic ``thinking``/``redacted_thinking``, Gemini ``thoughtSignature``,
OpenAI ``encrypted_content``) are left byte-identical. Strings that hold JSON (tool-call
``arguments``, tool results) are scanned value by value so they stay valid JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from redactproxy.jsonsplice import Path

__all__ = ["Target", "field_name", "in_model_turn", "is_signed_block", "request_targets"]

#: Keys whose values are enums, identifiers or opaque tokens, never free text.
SKIP_KEYS = frozenset({
    "model", "role", "type", "id", "object", "tool_call_id", "tool_use_id", "call_id",
    "item_id", "previous_response_id", "signature", "thoughtSignature", "thought_signature",
    "encrypted_content", "media_type", "mime_type", "mimeType", "finish_reason",
    "stop_reason", "service_tier", "reasoning_effort", "effort", "detail", "voice",
    "modalities", "truncation", "parallel_tool_calls", "cache_control", "ttl",
    "responseMimeType", "response_mime_type", "file_id", "fileUri", "file_uri",
})
_SIGNED_TYPES = frozenset({"thinking", "redacted_thinking"})
_BINARY_PARENTS = frozenset({"inlineData", "inline_data", "source", "image_url", "input_audio",
                             "file", "blob"})


@dataclass(frozen=True, slots=True)
class Target:
    """A string in the body to scan.

    Args:
        path: Path of the string in the parsed body.
        is_json: True if the string carries JSON text (scan its values, keep it valid).
    """

    path: Path
    is_json: bool


def is_signed_block(node: Any) -> bool:
    """True for content blocks that are signed and must pass byte-identical."""
    return isinstance(node, dict) and node.get("type") in _SIGNED_TYPES


def _looks_binary(value: str) -> bool:
    return value.startswith("data:") and ";base64," in value[:100]


def _walk(node: Any, path: Path, generic: bool) -> Iterator[Target]:
    if isinstance(node, dict):
        if is_signed_block(node):
            return
        # Anthropic's plain-text document source keeps prose in "data": scan it.
        binary = bool(path) and path[-1] in _BINARY_PARENTS and node.get("type") != "text"
        for key, value in node.items():
            if isinstance(value, str):
                if not generic and key in SKIP_KEYS:
                    continue
                if key == "name" and not generic and "role" not in node:
                    continue  # tool and function names: identifiers, not prose
                if binary and key == "data" or _looks_binary(value):
                    continue
                if value:
                    yield Target((*path, key), _holds_json(value))
            else:
                yield from _walk(value, (*path, key), generic)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str):
                if value and not _looks_binary(value):
                    yield Target((*path, i), _holds_json(value))
            else:
                yield from _walk(value, (*path, i), generic)


def _holds_json(value: str) -> bool:
    s = value.lstrip()
    return bool(s) and s[0] in "{[" and value.rstrip()[-1:] in "}]"


def request_targets(doc: Any, api_name: str) -> list[Target]:
    """Return the strings of a parsed request body to scan, in document order.

    Args:
        doc: The parsed JSON body.
        api_name: ``redactproxy.protocols.apis.Api.name``; ``generic`` scans every string.
    """
    if isinstance(doc, str):
        return [Target((), _holds_json(doc))] if doc else []
    return list(_walk(doc, (), api_name == "generic"))


_TURN_LISTS = {"messages": "content", "input": "content", "contents": "parts"}


def in_model_turn(doc: Any, path: Path) -> bool:
    """True if ``path`` is the text of an assistant (model) turn in a request's history.

    Covers ``messages[i].content`` / ``messages[i].content[j].text`` (OpenAI chat,
    Anthropic), ``input[i].content[j].text`` (Responses) and ``contents[i].parts[j].text``
    (Gemini) whose turn's role is ``assistant`` or ``model``.
    """
    if len(path) < 3 or not isinstance(doc, dict) or path[0] not in _TURN_LISTS:
        return False
    turns = doc.get(path[0])
    if not isinstance(turns, list) or not isinstance(path[1], int) or path[1] >= len(turns):
        return False
    turn = turns[path[1]]
    if not isinstance(turn, dict) or turn.get("role") not in ("assistant", "model"):
        return False
    field = _TURN_LISTS[str(path[0])]
    return path[2] == field and (len(path) == 3 or (len(path) == 5 and path[4] == "text"))


def field_name(path: Path) -> str:
    """Render a path for people: ``messages[2].content[0].text``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"
