"""Restoring answers: whole JSON bodies, and each API's SSE stream split at any byte.

Streams are built the way each provider sends them, fed to ``StreamRewriter`` in every
two-read split (and arbitrary multi-splits), and read back the way an SDK does: text
accumulated per channel must equal the whole restored text, every event must stay valid
SSE with JSON data, signed thinking must pass byte-identical, and tool arguments must
parse as JSON holding the real values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactproxy.protocols.answers import StreamRewriter, answer_complete, restore_json
from redactproxy.restore import json_escape, restore_text
from redactproxy.sse import SSEEvent, SSEParser

VALUES = {
    "<EMAIL_ADDRESS_1>": "ada@example.org",
    "<EMAIL_ADDRESS_2>": 'q"uote\\back\nslash@example.org',
    "<PHONE_NUMBER_1>": "+1 555-0100",
    "<PERSON_12>": "Zoë Ångström",
}
lookup = VALUES.get

TEXT = ("Hi <PERSON_12>, write to <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_2>; call "
        "<<PHONE_NUMBER_1>> now. Unknown <EMAIL_ADDRESS_9> stays, a<b and x < y too. "
        "日本 <EMAIL_ADDRESS_1><PHONE_NUMBER_1>")
ARGS = json.dumps({"to": "<EMAIL_ADDRESS_2>", "cc": ["<EMAIL_ADDRESS_1>", "<X_9>"],
                   "note": "for <PERSON_12> <", "n": 3})
THINKING = "The user is <PERSON_12> at <EMAIL_ADDRESS_1>; answer briefly."
PLAIN = "No placeholder anywhere in this answer, just text."


def pieces(text: str, sizes: tuple[int, ...] = (5, 3, 11, 1, 7)) -> list[str]:
    """Split ``text`` into deltas of cycling sizes, so placeholders straddle events."""
    out, i, k = [], 0, 0
    while i < len(text):
        out.append(text[i:i + sizes[k % len(sizes)]])
        i += sizes[k % len(sizes)]
        k += 1
    return out or [""]


def compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def sse(obj: Any, event: str | None = None, eol: str = "\n", dumps=compact) -> bytes:
    data = obj if isinstance(obj, str) else dumps(obj)
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {data}{eol}{eol}".encode()


# --- streams as each provider sends them ------------------------------------------------

def openai_chat(text: list[str], args: list[str]) -> bytes:
    base = {"id": "chatcmpl-FAKE01", "object": "chat.completion.chunk", "created": 1,
            "model": "gpt-x", "system_fingerprint": "fp_0"}

    def chunk(delta: dict, finish: str | None = None, **extra) -> bytes:
        return sse({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                         "finish_reason": finish}], **extra})

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    out += [chunk({"content": t}) for t in text]
    for n, name in enumerate(("send_mail", "log")):
        out.append(chunk({"tool_calls": [{"index": n, "id": f"call_FAKE{n}", "type": "function",
                                          "function": {"name": name, "arguments": ""}}]}))
        out += [chunk({"tool_calls": [{"index": n, "function": {"arguments": a}}]})
                for a in args]
    out.append(chunk({}, "tool_calls"))
    out.append(sse({**base, "choices": [], "usage": {"prompt_tokens": 9,
                                                     "completion_tokens": 4}}))
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def openai_responses(text: list[str], args: list[str]) -> bytes:
    seq = iter(range(1000))

    def ev(obj: dict) -> bytes:
        obj = {"type": obj["type"], "sequence_number": next(seq), **obj}
        return sse(obj, event=obj["type"], dumps=json.dumps)  # ASCII-escaped, spaced

    full_text, full_args = "".join(text), "".join(args)
    msg = {"id": "msg_FAKE", "type": "message", "status": "completed", "role": "assistant",
           "content": [{"type": "output_text", "annotations": [], "text": full_text}]}
    call = {"id": "fc_FAKE", "type": "function_call", "status": "completed",
            "call_id": "call_FAKE", "name": "send_mail", "arguments": full_args}
    resp = {"id": "resp_FAKE", "object": "response", "status": "in_progress", "model": "gpt-x",
            "output": []}
    ids = {"item_id": "msg_FAKE", "output_index": 0, "content_index": 0}
    out = [ev({"type": "response.created", "response": resp}),
           ev({"type": "response.in_progress", "response": resp}),
           ev({"type": "response.output_item.added", "output_index": 0,
               "item": {**msg, "status": "in_progress", "content": []}}),
           ev({"type": "response.content_part.added", **ids,
               "part": {"type": "output_text", "annotations": [], "text": ""}})]
    out += [ev({"type": "response.output_text.delta", **ids, "delta": t, "logprobs": []})
            for t in text]
    out += [ev({"type": "response.output_text.done", **ids, "text": full_text, "logprobs": []}),
            ev({"type": "response.content_part.done", **ids, "part": msg["content"][0]}),
            ev({"type": "response.output_item.done", "output_index": 0, "item": msg}),
            ev({"type": "response.output_item.added", "output_index": 1,
                "item": {**call, "status": "in_progress", "arguments": ""}})]
    out += [ev({"type": "response.function_call_arguments.delta", "item_id": "fc_FAKE",
                "output_index": 1, "delta": a}) for a in args]
    out += [ev({"type": "response.function_call_arguments.done", "item_id": "fc_FAKE",
                "output_index": 1, "arguments": full_args}),
            ev({"type": "response.output_item.done", "output_index": 1, "item": call}),
            ev({"type": "response.completed",
                "response": {**resp, "status": "completed", "output": [msg, call],
                             "usage": {"input_tokens": 9, "output_tokens": 4}}})]
    return b"".join(out)


def anthropic(text: list[str], args: list[str], thinking: list[str] | None = None) -> bytes:
    def ev(obj: dict) -> bytes:
        return sse(obj, event=obj["type"])

    def block(index: int, start: dict, deltas: list[dict]) -> list[bytes]:
        out = [ev({"type": "content_block_start", "index": index, "content_block": start})]
        out += [ev({"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        return [*out, ev({"type": "content_block_stop", "index": index})]

    thinking = pieces(THINKING) if thinking is None else thinking
    out = [ev({"type": "message_start", "message": {
        "id": "msg_01FAKE", "type": "message", "role": "assistant", "model": "claude-x",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 1}}})]
    out += block(0, {"type": "thinking", "thinking": "", "signature": ""},
                 [{"type": "thinking_delta", "thinking": t} for t in thinking]
                 + [{"type": "signature_delta", "signature": "EqQBCkYIBxgCKkB<FAKE_1>sig=="}])
    out.append(b'event: ping\ndata: {"type": "ping"}\n\n')
    out += block(1, {"type": "text", "text": ""}, [{"type": "text_delta", "text": t} for t in text])
    out += block(2, {"type": "tool_use", "id": "toolu_01FAKE", "name": "send_mail", "input": {}},
                 [{"type": "input_json_delta", "partial_json": a} for a in ["", *args]])
    out += [ev({"type": "message_delta", "delta": {"stop_reason": "tool_use",
                                                   "stop_sequence": None},
                "usage": {"output_tokens": 42}}),
            ev({"type": "message_stop"})]
    return b"".join(out)


def gemini(text: list[str], args: list[str]) -> bytes:
    def chunk(parts: list[dict], finish: str | None = None) -> bytes:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
        if finish:
            cand["finishReason"] = finish
        cand["index"] = 0
        obj = {"candidates": [cand], "usageMetadata": {"promptTokenCount": 9,
                                                       "totalTokenCount": 13},
               "modelVersion": "gemini-x", "responseId": "FAKEid"}
        return sse(obj, eol="\r\n", dumps=lambda o: json.dumps(o, separators=(",", ": "),
                                                               ensure_ascii=False))

    out = [chunk([{"text": "Thinking about the mail.", "thought": True}])]
    out += [chunk([{"text": t}]) for t in text[:-1]]
    out.append(chunk([{"functionCall": {"name": "send_mail", "args": json.loads(
        "".join(args))}, "thoughtSignature": "CiQBFAKE<SIG_1>=="}]))
    out.append(chunk([{"text": text[-1]}], "STOP"))
    return b"".join(out)


def code_assist(text: list[str], args: list[str]) -> bytes:
    """Gemini's stream as Code Assist sends it (Gemini CLI signed in): under ``response``."""
    dumps = lambda o: json.dumps(o, separators=(",", ": "), ensure_ascii=False)  # noqa: E731
    return b"".join(sse({"response": json.loads(ev.data or ""), "traceId": "FAKEtrace"},
                        eol="\r\n", dumps=dumps) for ev in read_events(gemini(text, args)))


STREAMS: dict[str, Callable[[list[str], list[str]], bytes]] = {
    "openai-chat": openai_chat,
    "openai-responses": openai_responses,
    "anthropic-messages": anthropic,
    "gemini": gemini,
    "gemini-code-assist": code_assist,
}


# --- reading a stream the way the SDKs do ------------------------------------------------

def sdk_pieces(api: str, obj: Any) -> list[tuple[tuple, str]]:
    """``(channel, text)`` pieces an SDK would append from one event."""
    out: list[tuple[tuple, str]] = []
    if api == "openai-chat":
        for c in obj.get("choices", []):
            d = c["delta"]
            if d.get("content"):
                out.append((("content", c["index"]), d["content"]))
            for tc in d.get("tool_calls") or []:
                out.append((("tool", c["index"], tc["index"]), tc["function"]["arguments"]))
    elif api == "openai-responses":
        if obj["type"].endswith(".delta"):
            out.append(((obj["type"], obj["item_id"], obj["output_index"],
                         obj.get("content_index")), obj["delta"]))
    elif api == "anthropic-messages":
        if obj["type"] == "content_block_delta":
            d = obj["delta"]
            field = {"text_delta": "text", "input_json_delta": "partial_json",
                     "thinking_delta": "thinking", "signature_delta": "signature"}[d["type"]]
            out.append(((d["type"], obj["index"]), d[field]))
    else:
        obj = obj.get("response", obj) if api == "gemini-code-assist" else obj
        for c in obj.get("candidates", []):
            for part in c["content"]["parts"]:
                if "text" in part:
                    out.append((("text", c.get("index", 0), part.get("thought", False)),
                                part["text"]))
    return out


def is_json_channel(channel: tuple) -> bool:
    return channel[0] in ("tool", "input_json_delta", "response.function_call_arguments.delta")


def read_events(stream: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    events = parser.feed(stream)
    assert parser.close() == b"", "stream ends mid-event"
    return events


def accumulate(api: str, stream: bytes) -> tuple[dict[tuple, str], list[Any]]:
    texts: dict[tuple, str] = {}
    objs = []
    for ev in read_events(stream):
        assert ev.data is not None
        if ev.data == "[DONE]":
            continue
        obj = json.loads(ev.data)  # every event stays valid JSON
        objs.append(obj)
        for channel, piece in sdk_pieces(api, obj):
            texts[channel] = texts.get(channel, "") + piece
    return texts, objs


def rewrite(api: str, stream: bytes, cuts: list[int]) -> bytes:
    rw = StreamRewriter(api, lookup)
    bounds = [0, *cuts, len(stream)]
    out = b"".join(rw.feed(stream[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    return out + rw.finish()


def expected_texts(api: str, stream: bytes) -> dict[tuple, str]:
    texts, _ = accumulate(api, stream)
    out = {}
    for channel, text in texts.items():
        if channel[0] in ("thinking_delta", "signature_delta"):
            out[channel] = text  # signed: never restored
        else:
            out[channel] = restore_text(text, lookup, json_escape if is_json_channel(channel)
                                        else None)[0]
    return out


def check_stream(api: str, stream: bytes, out: bytes) -> None:
    """Everything an SDK reading ``out`` sees is right."""
    got, objs = accumulate(api, out)
    assert got == expected_texts(api, stream)
    for channel, text in got.items():
        if is_json_channel(channel):
            args = json.loads(text)
            assert args["to"] == VALUES["<EMAIL_ADDRESS_2>"]
            assert args["cc"] == [VALUES["<EMAIL_ADDRESS_1>"], "<X_9>"]
            assert args["note"] == "for Zoë Ångström <"
    dumped = json.dumps(objs, ensure_ascii=False)
    for ph in VALUES:
        if api == "anthropic-messages" and ph in THINKING:
            continue
        assert ph not in dumped, f"{ph} left in {api} answer"


# --- the properties ------------------------------------------------------------------------

SHORT = "Hi <PERSON_12>, <<EMAIL_ADDRESS_2>> a<b <X_9> 日"


@pytest.mark.parametrize("api", STREAMS)
def test_stream_every_two_read_split(api):
    stream = STREAMS[api](pieces(SHORT, (12, 9)), pieces(ARGS, (21, 25)))
    whole = rewrite(api, stream, [])
    check_stream(api, stream, whole)
    for i in range(1, len(stream)):
        assert rewrite(api, stream, [i]) == whole, f"split at byte {i}"


@pytest.mark.parametrize("api", STREAMS)
def test_stream_one_byte_reads(api):
    stream = STREAMS[api](pieces(TEXT), pieces(ARGS))
    assert rewrite(api, stream, list(range(1, len(stream)))) == rewrite(api, stream, [])


@st.composite
def _splits(draw, text: str) -> list[str]:
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=12))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), _splits(TEXT), _splits(ARGS),
       st.lists(st.integers(0, 6000), max_size=10))
def test_stream_arbitrary_deltas_and_reads(api, text, args, cuts):
    stream = STREAMS[api](text, args)
    cuts = sorted({c % len(stream) for c in cuts})
    out = rewrite(api, stream, cuts)
    check_stream(api, stream, out)
    assert out == rewrite(api, stream, [])


@pytest.mark.parametrize("api", STREAMS)
def test_stream_without_placeholders_is_byte_identical(api):
    args = json.dumps({"to": "ada@example.org", "cc": [], "note": "a \"q\" \\ b\nc", "n": 1})
    stream = STREAMS[api](pieces(PLAIN), pieces(args))
    if api == "anthropic-messages":
        stream = anthropic(pieces(PLAIN), pieces(args), thinking=pieces(PLAIN))
    for cuts in ([], [len(stream) // 2], list(range(1, len(stream), 7))):
        assert rewrite(api, stream, cuts) == stream


def _channel_states(api: str, events: list[SSEEvent]) -> list[bool]:
    """Per event: True if it carries no ``<`` and no channel it feeds is holding text back."""
    from redactproxy.restore import StreamRestorer

    restorers: dict[tuple, StreamRestorer] = {}
    clean = []
    for ev in events:
        ok = "<" not in (ev.data or "")
        if ev.data and ev.data != "[DONE]":
            for channel, piece in sdk_pieces(api, json.loads(ev.data)):
                r = restorers.setdefault(channel, StreamRestorer(lookup))
                ok = ok and not r.pending
                r.feed(piece)
        if api == "anthropic-messages" and ev.event in ("content_block_stop", "message_delta"):
            ok = ok and not any(r.pending for r in restorers.values())
        clean.append(ok)
    return clean


@pytest.mark.parametrize("api", STREAMS)
def test_events_without_placeholders_pass_unchanged(api):
    stream = STREAMS[api](pieces(TEXT), pieces(ARGS, (4, 9, 2)))
    events = read_events(stream)
    out = [e.raw for e in read_events(rewrite(api, stream, []))]
    unchanged = [e.raw for e, ok in zip(events, _channel_states(api, events), strict=True) if ok]
    assert len(unchanged) >= 3
    it = iter(out)
    assert all(any(raw == o for o in it) for raw in unchanged), "clean event changed or lost"


@pytest.mark.parametrize("thinking", [
    pieces(THINKING),
    ["The user is <PERSON_12>", " at <EMAIL_", "ADDRESS_1>; answer briefly."],
    [THINKING],
])
def test_anthropic_thinking_and_signature_pass_byte_identical(thinking):
    """Thinking is signed and sent back as is: restoring it would leak and break the signature."""
    stream = anthropic(pieces(TEXT), pieces(ARGS), thinking)
    out = rewrite("anthropic-messages", stream, [])
    signed = [e.raw for e in read_events(stream)
              if b"thinking_delta" in e.raw or b"signature_delta" in e.raw
              or b'"type":"thinking"' in e.raw]
    assert len(signed) == len(thinking) + 2
    for raw in signed:
        assert raw in out
    got, _ = accumulate("anthropic-messages", out)
    assert got[("thinking_delta", 0)] == THINKING


def test_anthropic_inserted_delta_at_block_stop():
    """A placeholder prefix held at a block's end is sent in an inserted delta event."""
    stream = anthropic(["Tail <EMAIL_AD"], ["{}"])
    out = rewrite("anthropic-messages", stream, [])
    events = read_events(out)
    i = next(k for k, e in enumerate(events) if b'"index":1' in e.raw
             and e.event == "content_block_stop")
    assert events[i - 1].event == "content_block_delta"
    assert json.loads(events[i - 1].data) == {
        "type": "content_block_delta", "index": 1,
        "delta": {"type": "text_delta", "text": "<EMAIL_AD"}}
    got, _ = accumulate("anthropic-messages", out)
    assert got[("text_delta", 1)] == "Tail <EMAIL_AD"


def test_gemini_inserted_delta_keeps_crlf():
    stream = gemini(["a <PHONE_", "NUMBER_1> b <EMAIL", ""], ["{}"])
    out = rewrite("gemini", stream, [])
    assert b"\n\n" not in out.replace(b"\r\n", b"")
    got, _ = accumulate("gemini", out)
    assert got[("text", 0, False)] == "a +1 555-0100 b <EMAIL"


def test_restored_counts_and_event_callback():
    seen = []
    rw = StreamRewriter("openai-chat", lookup, seen.append)
    stream = openai_chat(pieces("<EMAIL_ADDRESS_1> <X_1>"), ['{"a": "<PERSON_12>"}'])
    rw.feed(stream)
    rw.finish()
    assert rw.restored == 3  # the email and the argument in two tool calls
    assert seen[0]["model"] == "gpt-x"
    # Only events that report: the first naming the model, and the one with usage.
    assert [bool(o.get("usage")) for o in seen] == [False, True]


@pytest.mark.parametrize("api", STREAMS)
def test_event_callback_sees_model_and_usage_of_every_api(api):
    from redactproxy.protocols.meta import Meta

    for text in (pieces(PLAIN), pieces(TEXT)):
        meta = Meta()
        rw = StreamRewriter(api, lookup, meta.update)
        rw.feed(STREAMS[api](text, pieces(ARGS)))
        rw.finish()
        assert meta.model in ("gpt-x", "claude-x", "gemini-x")
        assert meta.tokens_in == 9
        if api not in ("gemini", "gemini-code-assist"):  # its test stream has no output count
            assert meta.tokens_out in (4, 42)


def test_usage_null_is_not_reported():
    seen = []
    rw = StreamRewriter("openai-chat", lookup, seen.append)
    ev = sse({"id": "c", "model": "gpt-x", "usage": None, "choices": [
        {"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]})
    rw.feed(ev + ev)
    assert len(seen) == 1  # the model once; "usage": null is not usage


@pytest.mark.parametrize("raw_args", [
    # a key ending in an escaped quote that looks like the delta's key, before the real one
    {"x\"content": "<EMAIL_ADDRESS_1>", "content": "<EMAIL_ADDRESS_1> and <PERSON_12>"},
    # the same key twice at different depths
    {"content": "<EMAIL_ADDRESS_1>", "extra": {"content": "<EMAIL_ADDRESS_1>"}},
])
def test_delta_rewrite_with_lookalike_members(raw_args):
    """The one-token rewrite falls back to the full splice whenever the member is ambiguous."""
    obj = {"id": "c", "choices": [{"index": 0, "delta": dict(raw_args), "finish_reason": None}]}
    stream = sse(obj) + sse({"id": "c", "choices": [{"index": 0, "delta": {},
                                                      "finish_reason": "stop"}]})
    out = rewrite("openai-chat", stream, [])
    got = json.loads(read_events(out)[0].data)
    assert got["choices"][0]["delta"]["content"].startswith("ada@example.org")
    assert "<" not in json.dumps(got)
    for cut in range(1, len(stream)):
        assert rewrite("openai-chat", stream, [cut]) == out


@pytest.mark.parametrize("escaped", ["\\u003cEMAIL_ADDRESS_1>", "\\u003CEMAIL_ADDRESS_1\\u003e"])
def test_escaped_angle_bracket_is_restored(escaped):
    """A serialiser that escapes ``<`` (Go, ensure_ascii) still gets its placeholders restored."""
    data = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a ' \
        + escaped + ' b"}}'
    stream = (f"event: content_block_delta\ndata: {data}\n\n"
              'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
              ).encode()
    got, _ = accumulate("anthropic-messages", rewrite("anthropic-messages", stream, []))
    assert got[("text_delta", 0)] == "a ada@example.org b"


def test_unchanged_bytes_around_a_rewritten_delta():
    """Only the delta string changes: key order, spacing and other members stay as sent."""
    data = ('{ "type" : "content_block_delta", "index":0, "delta" : {"text": '
            '"hi <EMAIL_ADDRESS_1>!", "type":"text_delta"}, "z": [1, 2.50]}')
    raw = f"event: content_block_delta\r\ndata: {data}\r\n\r\n".encode()
    out = rewrite("anthropic-messages", raw, [])
    assert out == raw.replace(b"<EMAIL_ADDRESS_1>", b"ada@example.org")


def test_generic_api_restores_whole_events():
    """Strings that hold JSON get JSON-escaped values, whatever their key."""
    stream = sse({"text": "<EMAIL_ADDRESS_1>", "args": '{"a": "<EMAIL_ADDRESS_2>"}'})
    out = rewrite("generic", stream, [])
    obj = json.loads(read_events(out)[0].data)
    assert obj["text"] == "ada@example.org"
    assert json.loads(obj["args"]) == {"a": VALUES["<EMAIL_ADDRESS_2>"]}


def test_non_json_and_incomplete_events_pass():
    stream = b": keepalive\n\nevent: x\ndata: not json <EMAIL_ADDRESS_1>\n\ndata: {broken\n\n"
    assert rewrite("openai-chat", stream + b"data: {\"a", []) == stream + b"data: {\"a"


# --- whole bodies ------------------------------------------------------------------------

def test_restore_json_openai_chat_body():
    body = {"id": "chatcmpl-FAKE", "object": "chat.completion", "model": "gpt-x",
            "choices": [{"index": 0, "message": {
                "role": "assistant", "content": TEXT,
                "tool_calls": [{"id": "call_1", "type": "function",
                                "function": {"name": "send_mail", "arguments": ARGS}}]},
                "finish_reason": "tool_calls"}]}
    raw = json.dumps(body, indent=2)
    out, n = restore_json(raw, lookup)
    doc = json.loads(out)
    msg = doc["choices"][0]["message"]
    assert msg["content"] == restore_text(TEXT, lookup)[0]
    args = json.loads(msg["tool_calls"][0]["function"]["arguments"])
    assert args["to"] == VALUES["<EMAIL_ADDRESS_2>"]
    assert n == restore_text(TEXT, lookup)[1] + restore_text(ARGS, lookup)[1]
    assert out.replace(json.dumps(msg["content"]), "T").replace(
        json.dumps(msg["tool_calls"][0]["function"]["arguments"]), "A") == raw.replace(
        json.dumps(TEXT), "T").replace(json.dumps(ARGS), "A")


def test_restore_json_leaves_signed_and_id_fields():
    body = {"id": "msg_<EMAIL_ADDRESS_1>", "type": "message", "model": "m<PERSON_12>",
            "content": [
                {"type": "thinking", "thinking": THINKING, "signature": "sig<X_1>"},
                {"type": "redacted_thinking", "data": "<EMAIL_ADDRESS_1>"},
                {"type": "text", "text": "to <EMAIL_ADDRESS_1>"},
                {"type": "tool_use", "id": "toolu_1", "name": "send_mail",
                 "input": {"to": "<EMAIL_ADDRESS_2>", "list": ["<PERSON_12>"]}}]}
    raw = json.dumps(body, separators=(",", ":"))
    out, n = restore_json(raw, lookup)
    doc = json.loads(out)
    assert n == 3
    assert doc["content"][:2] == body["content"][:2]
    assert doc["id"] == body["id"] and doc["model"] == body["model"]
    assert doc["content"][2]["text"] == "to ada@example.org"
    assert doc["content"][3]["input"] == {"to": VALUES["<EMAIL_ADDRESS_2>"],
                                          "list": ["Zoë Ångström"]}


def test_restore_json_gemini_thought_signature_kept():
    body = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "hi <PERSON_12>", "thoughtSignature": "Ci<PERSON_12>"}]}}]}
    out, n = restore_json(json.dumps(body), lookup)
    part = json.loads(out)["candidates"][0]["content"]["parts"][0]
    assert n == 1 and part == {"text": "hi Zoë Ångström", "thoughtSignature": "Ci<PERSON_12>"}


def test_restore_json_without_placeholders_is_identity():
    raw = '{"a": "x < y", "b": "<UNKNOWN_1>"}'
    assert restore_json(raw, lookup) == (raw, 0)
    assert restore_json("no json but no brackets either", lookup)[1] == 0
    with pytest.raises(ValueError):
        restore_json("not json <EMAIL_ADDRESS_1>", lookup)


def test_restore_json_unicode_escaped_brackets():
    """Relays that re-encode JSON in Go escape ``<`` and ``>`` as ``\\u003c``/``\\u003e``."""
    raw = '{"choices":[{"message":{"content":"mail \\u003cEMAIL_ADDRESS_1\\u003e"}}]}'
    out, n = restore_json(raw, lookup)
    assert n == 1
    assert json.loads(out)["choices"][0]["message"]["content"] == "mail ada@example.org"


def test_restore_json_escapes_values_in_json_text_under_any_key():
    """Structured output (``response_format``) and tool results hold JSON in plain keys."""
    content = json.dumps({"to": "<EMAIL_ADDRESS_2>", "names": ["<PERSON_12>"]})
    raw = json.dumps({"choices": [{"message": {"content": content}}],
                      "note": "[<EMAIL_ADDRESS_1>] is not JSON"})
    out, n = restore_json(raw, lookup)
    doc = json.loads(out)
    assert n == 3
    assert json.loads(doc["choices"][0]["message"]["content"]) == {
        "to": VALUES["<EMAIL_ADDRESS_2>"], "names": ["Zoë Ångström"]}
    assert doc["note"] == "[ada@example.org] is not JSON"


def test_gemini_thought_text_stays_in_thought_parts():
    """A prefix held back at the end of thought text is not moved into the answer."""
    def chunk(part: dict, finish: str | None = None) -> bytes:
        cand = {"content": {"parts": [part], "role": "model"}, "index": 0}
        return sse({"candidates": [cand | ({"finishReason": finish} if finish else {})]},
                   eol="\r\n")

    stream = (chunk({"text": "compare a <", "thought": True})
              + chunk({"text": "b <PERSON_12>"}) + chunk({"text": "."}, "STOP"))
    out = rewrite("gemini", stream, [])
    got, _ = accumulate("gemini", out)
    assert got == {("text", 0, True): "compare a <", ("text", 0, False): "b Zoë Ångström."}


def test_structured_output_stream_restores_json_escaped_values() -> None:
    from redactproxy.protocols.answers import StreamRewriter, asks_for_json

    value = 'Ann "Q" O\\Neil'
    lookup = {"<PERSON_1>": value}.get
    text = '{"name": "<PERSON_1>"}'
    events = b"".join(
        b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text[i:i + 4]},
                                             "finish_reason": None}]}).encode() + b"\n\n"
        for i in range(0, len(text), 4)) + b"data: [DONE]\n\n"
    doc = {"model": "m", "response_format": {"type": "json_object"}, "messages": []}
    assert asks_for_json(doc) and not asks_for_json({"model": "m", "messages": []})
    rw = StreamRewriter("openai-chat", lookup, json_text=True)
    out = rw.feed(events) + rw.finish()
    got = "".join(json.loads(line[6:])["choices"][0]["delta"].get("content", "")
                  for line in out.decode().splitlines()
                  if line.startswith("data: {"))
    assert json.loads(got) == {"name": value}


@pytest.mark.parametrize(("api", "tail", "complete"), [
    ("openai-chat", b'data: {"choices":[]}\n\ndata: [DONE]\n\n', True),
    ("openai-chat", b'data: {"choices":[{"delta":{"content":"[DONE]"}}]}\n\n', False),
    ("openai-chat", b'data: [DONE]\n\ndata: {"choices":[]}\n\n', False),
    ("anthropic-messages", b'event: message_stop\ndata: {"type":"message_stop"}\n\n', True),
    ("anthropic-messages", b'event: content_block_stop\ndata: {"type":"x"}\n\n', False),
    ("openai-responses", b'event: response.completed\r\ndata: {"type":"response.completed"}'
                         b'\r\n\r\n', True),
    ("openai-responses", b'data: {"type":"response.output_text.delta"}\n\n', False),
    ("gemini", b'data: {"candidates":[{"finishReason":"STOP"}]}\r\n\r\n', True),
    ("gemini", b'data: {"candidates":[{"content":{}}]}\r\n\r\n', False),
    ("unknown-api", b"data: [DONE]\n\n", False),
    ("openai-chat", b"", False),
])
def test_answer_complete_reads_the_last_event(api: str, tail: bytes, complete: bool) -> None:
    assert answer_complete(api, tail) is complete


def test_answer_complete_ignores_a_closing_marker_quoted_in_text() -> None:
    text = json.dumps({"type": "content_block_delta", "delta": {
        "type": "text_delta", "text": '{"type": "message_stop"}'}})
    assert not answer_complete("anthropic-messages", f"data: {text}\n\n".encode())
