"""Restore placeholders in answers: whole JSON bodies and each API's SSE events.

Whole bodies and whole events: every string is restored except signed content; strings
under an ``arguments`` key hold JSON, so restored values are JSON-escaped inside them.
Streams: each API streams text as deltas on "channels" (a choice's content, a tool call's
argument fragments, a content block). Each channel has its own ``StreamRestorer``; when a
channel ends, text it held back is emitted, in the ending event if it carried a delta for
the channel, else in a small delta event inserted just before it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redactproxy.jsonsplice import Path, replace_member, splice
from redactproxy.protocols.deltas import Delta, delta_of, token_text
from redactproxy.protocols.targets import is_signed_block
from redactproxy.restore import Lookup, StreamRestorer, json_escape, restore_text
from redactproxy.sse import SSEEvent, SSEParser
from redactproxy.toolguard import ToolGuard

__all__ = ["StreamRewriter", "answer_complete", "asks_for_json", "body_answer_texts",
           "restore_json", "stream_answer_texts"]

Channel = tuple[Any, ...]
_ALL: Channel = ()
_SKIP_KEYS = frozenset({"signature", "thoughtSignature", "thought_signature",
                        "encrypted_content", "id", "model", "type", "role"})
# Events streaming tool-call arguments: always fed to their channel, "<" or not, because a
# credential's fate depends on the call's whole arguments (``redactproxy.toolguard``).
_TOOL_DELTAS = (b'"tool_calls"', b'"input_json_delta"', b'_arguments.delta"')
#: The one marker each API's tool-call deltas carry (checked per event: one ``in``).
_TOOL_DELTA: dict[str, bytes] = {"openai-chat": b'"tool_calls"',
                                 "anthropic-messages": b'"input_json_delta"',
                                 "openai-responses": b'_arguments.delta"'}
# Streamed pieces of signed blocks: thinking is sent back as is, so it stays as it came.
_SIGNED_DELTAS = frozenset({"thinking_delta", "signature_delta"})


def _json_text(value: str) -> bool:
    """True if ``value`` is JSON text; placeholders in it can only sit inside its strings."""
    if value.lstrip()[:1] not in ("{", "["):
        return False
    try:
        return isinstance(json.loads(value), dict | list)
    except ValueError:
        return False


def _tool_args(node: dict[str, Any]) -> tuple[str, str] | None:
    """``(key, arguments text)`` if ``node`` is a tool call: OpenAI ``function`` /
    Responses ``function_call`` (``arguments``), Anthropic ``tool_use`` (``input``), Gemini
    ``functionCall`` (``args``), Responses ``custom_tool_call`` / ``local_shell_call``."""
    args = node.get("arguments")
    if isinstance(args, str):
        return "arguments", args
    kind = node.get("type")
    value = node.get("input")
    if kind in ("tool_use", "server_tool_use") and isinstance(value, dict):
        return "input", json.dumps(value, ensure_ascii=False)
    if kind == "custom_tool_call" and isinstance(value, str):
        return "input", value
    if kind == "local_shell_call" and isinstance(node.get("action"), dict):
        return "action", json.dumps(node["action"], ensure_ascii=False)
    if isinstance(node.get("args"), dict) and isinstance(node.get("name"), str):
        return "args", json.dumps(node["args"], ensure_ascii=False)
    return None


def _restore_strings(node: Any, path: Path, lookup: Lookup, changes: dict[Path, str],
                     skip: set[Path] | None = None, in_args: bool = False,
                     tools: ToolGuard | None = None) -> int:
    count = 0
    if isinstance(node, dict):
        if is_signed_block(node) or node.get("type") in _SIGNED_DELTAS:
            return 0
        call = _tool_args(node) if tools is not None else None
        for k, v in node.items():
            p = (*path, k)
            lk, guard = lookup, tools
            if call is not None and k == call[0] and not (skip and p in skip):
                assert tools is not None
                name = node.get("name")
                lk, guard = tools.lookup_for(call[1], name if isinstance(name, str) else None), None
            if isinstance(v, str):
                if k in _SKIP_KEYS or (skip and p in skip) or "<" not in v:
                    continue
                esc = json_escape if (k in ("arguments", "partial_json") or in_args
                                      or _json_text(v)) else None
                new, n = restore_text(v, lk, esc)
                if n:
                    changes[p] = new
                    count += n
            else:
                count += _restore_strings(v, p, lk, changes, skip, in_args, guard)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            p = (*path, i)
            if isinstance(v, str):
                if "<" in v and not (skip and p in skip):
                    new, n = restore_text(v, lookup,
                                          json_escape if in_args or _json_text(v) else None)
                    if n:
                        changes[p] = new
                        count += n
            else:
                count += _restore_strings(v, p, lookup, changes, skip, in_args, tools)
    return count


def restore_json(raw: str, lookup: Lookup, tools: ToolGuard | None = None) -> tuple[str, int]:
    """Restore every placeholder in a JSON body; return the new text and the count.

    ``tools`` decides what each tool call's arguments get (credentials by decision).

    Raises:
        ValueError: if ``raw`` is not JSON (the caller then restores it as plain text).
    """
    if "<" not in raw and "\\u003c" not in raw.lower():  # "\u003c": "<" escaped (Go)
        return raw, 0
    doc = json.loads(raw)
    changes: dict[Path, str] = {}
    count = _restore_strings(doc, (), lookup, changes, tools=tools)
    return (splice(raw, doc, changes), count) if count else (raw, 0)


def asks_for_json(doc: Any) -> bool:
    """True if a request asks for JSON output (OpenAI chat and Responses, Gemini)."""
    if not isinstance(doc, dict):
        return False
    fmt = doc.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        return True
    text = doc.get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        return True
    if isinstance(doc.get("request"), dict):  # Gemini Code Assist envelope
        return asks_for_json(doc["request"])
    config = doc.get("generationConfig") or doc.get("generation_config")
    if isinstance(config, dict):
        mime = config.get("responseMimeType") or config.get("response_mime_type")
        return mime == "application/json"
    return False


@dataclass(slots=True)
class _Slot:
    path: Path
    channel: Channel
    escape: bool  # the channel streams a tool call's arguments (JSON text)


def _get(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


# --- where each API streams its deltas -------------------------------------------------

def _openai_chat(obj: Any) -> tuple[list[_Slot], list[Channel]]:
    slots: list[_Slot] = []
    ends: list[Channel] = []
    for n, choice in enumerate(obj.get("choices") or []):
        if not isinstance(choice, dict):
            continue
        i = choice.get("index", n)
        delta = choice.get("delta") or {}
        for key in ("content", "reasoning_content", "reasoning", "refusal"):
            if isinstance(delta.get(key), str):
                slots.append(_Slot(("choices", n, "delta", key), ("c", i, key), False))
        for k, call in enumerate(delta.get("tool_calls") or []):
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                slots.append(_Slot(("choices", n, "delta", "tool_calls", k, "function",
                                    "arguments"), ("c", i, "tool", call.get("index", k)), True))
        if choice.get("finish_reason"):
            ends.append(("c", i))
    return slots, ends


def _anthropic(obj: Any) -> tuple[list[_Slot], list[Channel]]:
    kind = obj.get("type")
    if kind == "content_block_delta":
        delta = obj.get("delta") or {}
        i = obj.get("index", 0)
        if delta.get("type") == "text_delta":
            return [_Slot(("delta", "text"), ("a", i), False)], []
        if delta.get("type") == "input_json_delta":
            return [_Slot(("delta", "partial_json"), ("a", i), True)], []
        return [], []
    if kind == "content_block_stop":
        return [], [("a", obj.get("index", 0))]
    if kind in ("message_delta", "message_stop"):
        return [], [_ALL]
    return [], []


def _responses(obj: Any) -> tuple[list[_Slot], list[Channel]]:
    kind = obj.get("type") or ""
    ids = (obj.get("item_id"), obj.get("output_index"), obj.get("content_index"),
           obj.get("summary_index"))
    if kind.endswith(".delta") and isinstance(obj.get("delta"), str):
        base = kind[: -len(".delta")]
        return [_Slot(("delta",), ("r", base, *ids), "arguments" in base)], []
    if kind.endswith(".done"):
        return [], [("r", kind[: -len(".done")], *ids)]
    if kind in ("response.completed", "response.incomplete", "response.failed"):
        return [], [_ALL]
    return [], []


def _gemini(obj: Any) -> tuple[list[_Slot], list[Channel]]:
    slots: list[_Slot] = []
    ends: list[Channel] = []
    for n, cand in enumerate(obj.get("candidates") or []):
        if not isinstance(cand, dict):
            continue
        i = cand.get("index", n)
        parts = (cand.get("content") or {}).get("parts") or []
        for j, part in enumerate(parts):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                slots.append(_Slot(("candidates", n, "content", "parts", j, "text"),
                                   ("g", i, bool(part.get("thought"))), False))
        if cand.get("finishReason"):
            ends.append(("g", i))
    return slots, ends


def _code_assist(obj: Any) -> tuple[list[_Slot], list[Channel]]:
    """Gemini events wrapped under ``response`` (Code Assist, Gemini CLI signed in)."""
    inner = obj.get("response")
    if not isinstance(inner, dict):
        return [], []
    slots, ends = _gemini(inner)
    return [_Slot(("response", *s.path), s.channel, s.escape) for s in slots], ends


_SLOTS: dict[str, Callable[[Any], tuple[list[_Slot], list[Channel]]]] = {
    "openai-chat": _openai_chat,
    "anthropic-messages": _anthropic,
    "openai-responses": _responses,
    "gemini": _gemini,
    "gemini-code-assist": _code_assist,
}


def _synthesize(api: str, channel: Channel, template: Any, text: str) -> tuple[str | None, Any]:
    """A minimal delta event carrying ``text`` on ``channel``, shaped like ``template``."""
    if api == "openai-chat":
        _, i, key, *rest = channel
        delta: dict[str, Any] = (
            {"tool_calls": [{"index": rest[0], "function": {"arguments": text}}]}
            if key == "tool" else {key: text})
        obj = {k: v for k, v in template.items() if k not in ("choices", "usage")}
        obj["choices"] = [{"index": i, "delta": delta, "finish_reason": None}]
        return None, obj
    if api == "anthropic-messages":
        kind = template["delta"]["type"]
        field = "partial_json" if kind == "input_json_delta" else "text"
        return "content_block_delta", {"type": "content_block_delta", "index": channel[1],
                                       "delta": {"type": kind, field: text}}
    if api == "openai-responses":
        obj = dict(template)
        obj["delta"] = text
        return obj.get("type"), obj
    if api == "gemini-code-assist":
        _, inner = _synthesize("gemini", channel, template["response"], text)
        return None, {**{k: v for k, v in template.items() if k != "response"},
                      "response": inner}
    obj = {k: v for k, v in template.items() if k not in ("candidates", "usageMetadata")}
    part: dict[str, Any] = {"text": text, "thought": True} if channel[2] else {"text": text}
    obj["candidates"] = [{"content": {"parts": [part], "role": "model"}, "index": channel[1]}]
    return None, obj


# Usage objects (not ``"usage": null``) and model names: what ``on_event`` reports from.
_USAGE = re.compile(rb'"usage(?:Metadata)?"\s*:\s*\{')
_MODEL = b'odel'


class StreamRewriter:
    """Restore placeholders in one SSE answer, fed raw (decoded) bytes as they arrive.

    Args:
        api: ``Api.name`` of the request.
        lookup: Placeholder to value for the request's project.
        on_event: Called with parsed JSON events that report usage, and with those that name
            the model until one has (for model and usage reporting). Other events are never
            parsed unless they need restoring.
        json_text: The request asked for JSON output (structured output): restored values
            are JSON-escaped in the answer text too, so it stays valid JSON.
        tools: Decides what tool calls' arguments get restored (credentials by decision;
            streamed arguments holding one are held back until the call is complete).

    Events that need no change are passed on as their original bytes. The per-event fast
    path is a byte scan: an event holding no ``<`` (nor an escaped ``\\u003c``), while no
    channel holds back text, is sent on unparsed. An event that does need restoring has only
    its changed delta string re-encoded (``replace_member``); the full JSON walk and splice
    are the fallback for anything unusual.
    """

    def __init__(self, api: str, lookup: Lookup,
                 on_event: Callable[[Any], None] | None = None, *,
                 json_text: bool = False, tools: ToolGuard | None = None) -> None:
        self.api = api
        self._tools = tools
        self._json_text = json_text
        self._lookup = lookup
        self._on_event = on_event
        self._slots = _SLOTS.get(api)
        self._parser = SSEParser()
        # Tool-call markers sent to the slow path: the API's own, or all of them.
        self._tool_mark = _TOOL_DELTA.get(api) if tools is not None else None
        self._tool_marks = () if tools is None or self._tool_mark else _TOOL_DELTAS
        self._channels: dict[Channel, StreamRestorer] = {}
        self._templates: dict[Channel, Any] = {}
        self._held: set[Channel] = set()
        self._whole = 0
        self._event_lines = False
        self._model_seen = False

    @property
    def restored(self) -> int:
        """Placeholders restored so far."""
        return self._whole + sum(r.restored for r in self._channels.values())

    def feed(self, data: bytes) -> bytes:
        """Take decoded response bytes; return the bytes to send to the client now."""
        if self._parser.whole(data):  # one whole event (a read per event: the usual case)
            return self._rewrite_raw(data)
        raws = self._parser.feed_raw(data)
        if len(raws) == 1:
            return self._rewrite_raw(raws[0])
        return b"".join(self._rewrite_raw(raw) for raw in raws)

    def finish(self) -> bytes:
        """End of stream: flush every channel and any incomplete trailing bytes."""
        out = self._flush(lambda ch: True, None, b"\n")
        return out + self._parser.close()

    def _holding(self) -> bool:
        """True if some channel holds back text (a placeholder may be split across events)."""
        return bool(self._held)

    def _restorer(self, channel: Channel, escape: bool, tool: bool) -> StreamRestorer:
        r = self._channels.get(channel)
        if r is None:
            esc = json_escape if escape else None
            r = self._channels[channel] = (
                self._tools.stream(esc) if tool and self._tools is not None  # type: ignore[assignment]
                else StreamRestorer(self._lookup, esc))
        return r

    def _flush(self, match: Callable[[Channel], bool], ev: SSEEvent | None,
               newline: bytes) -> bytes:
        out = b""
        for channel in [ch for ch in self._held if match(ch)]:
            self._held.discard(channel)
            text = self._channels[channel].flush()
            template = self._templates[channel]
            if isinstance(template, bytes):  # kept raw by the byte-level delta path
                template = _loads(SSEEvent.parse(template).data or "")
            name, obj = _synthesize(self.api, channel, template, text)
            nl = newline.decode()
            head = f"event: {name}{nl}" if name and self._event_lines else ""
            out += f"{head}data: {json.dumps(obj, ensure_ascii=False)}{nl}{nl}".encode()
        return out

    def _report(self, raw: bytes) -> bool:
        """True if ``on_event`` wants this event (usage, or the model not yet reported)."""
        if self._on_event is None:
            return False
        if b"sage" in raw and _USAGE.search(raw):
            return True
        return not self._model_seen and _MODEL in raw

    def _rewrite_raw(self, raw: bytes) -> bytes:
        if not self._event_lines and raw.startswith(b"event:"):
            self._event_lines = True
        mark = self._tool_mark
        if not self._held and b"<" not in raw and (b"\\u003" not in raw or (
                b"\\u003c" not in raw and b"\\u003C" not in raw)) and (
                mark is None or mark not in raw) and not (
                self._tool_marks and any(m in raw for m in self._tool_marks)):
            if (self._model_seen and b"sage" not in raw) or not self._report(raw):
                return raw
            ev = SSEEvent.parse(raw)  # nothing to restore: parse only to report it
            if ev.data is not None and ev.data.lstrip().startswith("{"):
                try:
                    self._emit(_loads(ev.data), raw)
                except ValueError:
                    pass
            return raw
        if not self._report(raw):
            delta = delta_of(self.api, raw)
            if delta is not None:
                out = self._rewrite_delta_bytes(raw, delta)
                if out is not None:
                    return out
        return self._rewrite(SSEEvent.parse(raw))

    def _emit(self, obj: Any, raw: bytes) -> None:
        if self._on_event is not None and isinstance(obj, dict):
            self._on_event(obj)
            self._model_seen = self._model_seen or _MODEL in raw

    def _rewrite(self, ev: SSEEvent) -> bytes:
        newline = b"\r\n" if b"\r\n" in ev.raw else b"\n"
        self._event_lines = self._event_lines or ev.event is not None
        data = ev.data
        if data is None or not data.lstrip().startswith(("{", "[")):
            if data is not None and data.strip() == "[DONE]":
                return self._flush(lambda ch: True, ev, newline) + ev.raw
            return ev.raw
        try:
            obj = _loads(data)
        except ValueError:
            return ev.raw
        if self._report(ev.raw):
            self._emit(obj, ev.raw)
        if not isinstance(obj, dict) or self._slots is None:
            return self._rewrite_whole(ev, data, obj)
        slots, ends = self._slots(obj)
        if len(slots) == 1 and not ends:  # a plain delta event: the common case, kept lean
            out = self._rewrite_delta(ev, data, obj, slots[0])
            if out is not None:
                return out
        changes: dict[Path, str] = {}
        originals: dict[Path, str] = {}
        fed: set[Channel] = set()
        in_slots = 0
        for slot in slots:
            r = self._restorer(slot.channel, slot.escape or self._json_text, slot.escape)
            self._templates[slot.channel] = obj
            text = _get(obj, slot.path)
            in_slots += text.count("<")
            new = r.feed(text)
            fed.add(slot.channel)
            if any(_ends(e, slot.channel) for e in ends):
                new += r.flush()
            self._note_held(slot.channel, r)
            if new != text:
                changes[slot.path] = new
                originals[slot.path] = text
        before = self._flush(lambda ch: ch not in fed and any(_ends(e, ch) for e in ends),
                             ev, newline) if ends and self._held else b""
        if data.count("<") > in_slots or _escaped_lt(data):
            skip = {s.path for s in slots}
            whole: dict[Path, str] = {}
            self._whole += _restore_strings(obj, (), self._lookup, whole, skip,
                                            tools=self._tools)
            changes.update(whole)
        if not changes:
            return before + ev.raw
        if len(changes) == 1 and len(originals) == 1:
            (path, new), = changes.items()
            key = path[-1]
            if isinstance(key, str):
                out = replace_member(ev.raw, key, originals[path], new)
                if out is not None:
                    return before + out
        return before + ev.with_data(splice(data, obj, changes))

    def _note_held(self, channel: Channel, r: Any) -> None:
        """Remember whether ``channel``'s restorer holds a tail back (a placeholder's start)."""
        if r.pending:
            self._held.add(channel)
        else:
            self._held.discard(channel)

    def _rewrite_delta(self, ev: SSEEvent, data: str, obj: Any, slot: _Slot) -> bytes | None:
        """One delta string on one channel; None when anything else needs restoring too."""
        text = _get(obj, slot.path)
        key = slot.path[-1]
        if data.count("<") > text.count("<") or _escaped_lt(data) or not isinstance(key, str):
            return None
        channel = slot.channel
        r = self._channels.get(channel) or self._restorer(
            channel, slot.escape or self._json_text, slot.escape)
        self._templates[channel] = obj
        new = r.feed(text)
        self._note_held(channel, r)
        if new == text:
            return ev.raw
        out = replace_member(ev.raw, key, text, new)
        if out is None:
            out = ev.with_data(splice(data, obj, {slot.path: new}))
        return out

    def _rewrite_delta_bytes(self, raw: bytes, delta: Delta) -> bytes | None:
        """``_rewrite_delta`` for an event ``delta_of`` read at byte level: the delta's
        token is replaced in place, nothing parsed; None when anything else needs restoring.
        """
        channel, start, end = delta
        token = raw[start:end]
        if raw.count(b"<") > token.count(b"<") or (
                b"\\u003" in raw and (b"\\u003c" in raw or b"\\u003C" in raw)):
            return None
        text = token_text(token)
        r = self._channels.get(channel) or self._restorer(channel, self._json_text, False)
        self._templates[channel] = raw  # parsed only if a held tail must be flushed alone
        new = r.feed(text)
        self._note_held(channel, r)
        if new == text:
            return raw
        ascii_mode = raw.isascii() and b"\\u" in raw
        return raw[:start] + json.dumps(new, ensure_ascii=ascii_mode).encode("utf-8") + raw[end:]

    def _rewrite_whole(self, ev: SSEEvent, data: str, obj: Any) -> bytes:
        changes: dict[Path, str] = {}
        n = _restore_strings(obj, (), self._lookup, changes, tools=self._tools)
        self._whole += n
        return ev.with_data(splice(data, obj, changes)) if n else ev.raw


_SCAN = json.JSONDecoder().scan_once


def _loads(data: str) -> Any:
    """``json.loads`` for one event's data without the wrapper layers (C scanner directly)."""
    start = len(data) - len(data.lstrip())
    try:
        obj, end = _SCAN(data, start)
    except StopIteration as e:
        raise ValueError(f"invalid JSON at {e.value}") from None
    if end != len(data) and data[end:].strip():
        raise ValueError(f"extra data at {end}")
    return obj


def _escaped_lt(data: str) -> bool:
    """True if JSON text ``data`` holds a ``<`` written as ``\\u003c``."""
    return "\\u003" in data and ("\\u003c" in data or "\\u003C" in data)


def _ends(end: Channel, channel: Channel) -> bool:
    return channel[: len(end)] == end


# The event that closes a whole answer, per API (a JSON key, not text that merely quotes
# one: inside a JSON string a quote is escaped). Gemini has no closing event: its last chunk
# carries ``finishReason``.
_FINISH: dict[str, re.Pattern[bytes]] = {
    "openai-chat": re.compile(rb"^data: ?\[DONE\]\s*$", re.M),
    "anthropic-messages": re.compile(rb'(?<!\\)"type"\s*:\s*"message_stop"'),
    "openai-responses": re.compile(
        rb'(?<!\\)"type"\s*:\s*"response\.(?:completed|incomplete)"'),
    "gemini": re.compile(rb'(?<!\\)"finishReason"\s*:'),
    "gemini-code-assist": re.compile(rb'(?<!\\)"finishReason"\s*:'),
}


def answer_complete(api: str, tail: bytes) -> bool:
    """True if a streamed answer whose last bytes are ``tail`` ended with its API's own
    end-of-answer event (a client that hangs up after it got the whole answer).

    Args:
        api: ``Api.name`` of the request.
        tail: The last bytes of the decoded stream (a few KB, ending at an event boundary).
    """
    finish = _FINISH.get(api)
    if finish is None:
        return False
    events = [ev for ev in re.split(rb"\r?\n\r?\n", tail) if ev.strip()]
    return bool(events) and finish.search(events[-1]) is not None


def stream_answer_texts(api: str, raw: bytes, *, every_channel: bool = False) -> list[str]:
    """The text of each text channel of an SSE answer (deltas joined), as the SDK builds it.

    Tool-call arguments and thinking are left out unless ``every_channel`` (what the
    dangerous-answer check reads): clients send those back in other shapes (parsed JSON,
    signed blocks), so only plain answer text can come back byte for byte.
    """
    slots_of = _SLOTS.get(api)
    if slots_of is None:
        return []
    texts: dict[Channel, list[str]] = {}
    for obj in _event_objects(raw):
        if not isinstance(obj, dict):
            continue
        for slot in slots_of(obj)[0]:
            if not every_channel and (slot.escape or (api == "gemini" and slot.channel[2])):
                continue
            texts.setdefault(slot.channel, []).append(_get(obj, slot.path))
    return [t for t in ("".join(parts) for parts in texts.values()) if t]


def _event_objects(raw: bytes) -> list[Any]:
    """The JSON objects of an SSE stream's events, decoded in one pass when the stream is
    plain (``\\n`` endings, one ``data:`` line per event), else event by event."""
    if b"\r" not in raw:
        datas: list[bytes] = []
        for ev in raw.split(b"\n\n"):
            i = ev.find(b"data:")
            if i == -1 or not ev.strip():
                continue
            if (i and ev[i - 1] != 0x0A) or ev.find(b"data:", i + 5) != -1:
                break  # "data:" inside another field, or data on several lines
            line = ev[i + 5:].split(b"\n", 1)[0].strip()
            if line.startswith(b"{"):
                datas.append(line)
        else:
            try:
                return json.loads(b"[" + b",".join(datas) + b"]")
            except ValueError:
                pass
    parser = SSEParser()
    out: list[Any] = []
    for ev in parser.feed(raw) + parser.feed(b"\n\n"):
        if ev.data is not None and ev.data.lstrip().startswith("{"):
            try:
                out.append(_loads(ev.data))
            except ValueError:
                continue
    return out


def body_answer_texts(api: str, doc: Any) -> list[str]:
    """The answer texts of a whole (non-streamed) JSON answer, per API."""
    out: list[str] = []
    if not isinstance(doc, dict):
        return out
    if api == "openai-chat":
        for c in doc.get("choices") or []:
            msg = c.get("message") if isinstance(c, dict) else None
            if isinstance(msg, dict) and isinstance(msg.get("content"), str):
                out.append(msg["content"])
    elif api == "anthropic-messages":
        for block in doc.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "text":
                out.append(str(block.get("text", "")))
    elif api == "openai-responses":
        for item in doc.get("output") or []:
            for part in (item.get("content") or []) if isinstance(item, dict) else []:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    out.append(part["text"])
    elif api == "gemini":
        for cand in doc.get("candidates") or []:
            parts = ((cand.get("content") or {}).get("parts") or []) if isinstance(
                cand, dict) else []
            for part in parts:
                if isinstance(part, dict) and isinstance(part.get("text"), str) and not (
                        part.get("thought")):
                    out.append(part["text"])
    return [t for t in out if t]
