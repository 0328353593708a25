"""Byte-level delta recognition agrees with parsing the event, and declines anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redactproxy.protocols import answers
from redactproxy.protocols.answers import _SLOTS, StreamRewriter
from redactproxy.protocols.deltas import delta_of, token_text
from redactproxy.sse import SSEEvent
from tests.fakes import anthropic_wire, openai_wire
from tests.fakes.wire import Call, Knobs, Signer

APIS = ("openai-chat", "anthropic-messages", "openai-responses")


def parsed_delta(api: str, raw: bytes) -> tuple[Any, str] | None:
    """What the parsing path makes of ``raw``: its one delta's (channel, text), if that is
    all it holds (one slot, no channel end)."""
    try:
        data = SSEEvent.parse(raw).data
        obj = json.loads(data) if data else None
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    slots, ends = _SLOTS[api](obj)
    if len(slots) != 1 or ends or slots[0].escape:
        return None
    node: Any = obj
    for part in slots[0].path:
        node = node[part]
    return slots[0].channel, node


def agrees(api: str, raw: bytes) -> bool:
    d = delta_of(api, raw)
    if d is None:
        return True  # declining is always safe: the parsing path takes it
    return parsed_delta(api, raw) == (d.channel, token_text(raw[d.start:d.end]))


def chat(delta: dict, **extra: Any) -> bytes:
    obj = {"id": "chatcmpl-FAKE", "object": "chat.completion.chunk", "created": 1,
           "model": "gpt-x", "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                          "finish_reason": None}], **extra}
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def anthropic(text: str, index: int = 0) -> bytes:
    obj = {"type": "content_block_delta", "index": index,
           "delta": {"type": "text_delta", "text": text}}
    return (b"event: content_block_delta\ndata: "
            + json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n")


def responses(text: str, **extra: Any) -> bytes:
    obj = {"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_1",
           "output_index": 0, "content_index": 0, "delta": text, "logprobs": [], **extra}
    return (b"event: response.output_text.delta\ndata: "
            + json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n")


WIRES = [
    ("openai-chat", openai_wire.chat, "v1/chat/completions"),
    ("anthropic-messages", anthropic_wire.messages, "v1/messages"),
    ("openai-responses", openai_wire.responses, "v1/responses"),
]


def wire_frames(fmt: Any, path: str, text: str, chunk_chars: int = 3) -> list[bytes]:
    knobs = Knobs(event_delay=0, chunk_chars=chunk_chars, split_every=0, reply_text=text)
    body = {"model": "m", "stream": True, "max_tokens": 9, "input": "x",
            "messages": [{"role": "user", "content": "x"}]}
    reply = fmt(Call("POST", path, {}, body, 100, knobs, Signer()))
    assert reply.frames is not None
    return list(reply.frames)


@pytest.mark.parametrize("api, fmt, path", WIRES)
def test_fake_upstream_deltas_are_recognised(api, fmt, path):
    """Every text delta the providers' wire formats send is read at byte level (else the
    fast path would silently never run), and agrees with the parse."""
    text = 'Hi <PERSON_1>, "quoted" \\ back\nslash, Zoë 日本 <EMAIL_ADDRESS_1>.'
    seen = ""
    for raw in wire_frames(fmt, path, text):
        assert agrees(api, raw)
        d = delta_of(api, raw)
        if d is not None:
            seen += token_text(raw[d.start:d.end])
        elif (p := parsed_delta(api, raw)) is not None:
            assert p[1] == "", raw  # only empty deltas may be left to the parse
    assert seen == text


@pytest.mark.parametrize("api, raw", [
    ("openai-chat", chat({"content": "a"}, choices=None)),  # a later "choices" wins in JSON
    ("openai-chat", chat({"content": "a"}).replace(b'"index":0', b'"index":00')),
    ("openai-chat", chat({"content": "a"}).replace(b'"a"', b'"a\x01"')),  # raw control char
    ("openai-chat", chat({"content": "a"}).replace(b'"a"', b'"a\\x"')),  # invalid escape
    ("openai-chat", chat({"content": "a"}).replace(b"\n\n", b"\r\n\r\n")),
    ("openai-chat", chat({"content": "a"}).replace(b"data: ", b"data:")),
    ("openai-chat", chat({"content": "a"}, usage={"prompt_tokens": 1})),
    ("openai-chat", chat({"content": "a", "refusal": "b"})),
    ("openai-chat", chat({"tool_calls": [{"index": 0, "function": {"arguments": "<X"}}]})),
    ("openai-chat", chat({"content": "a"}).replace(b'"finish_reason":null',
                                                   b'"finish_reason":"stop"')),
    ("openai-chat", chat({"content": "a"}).replace(b'"logprobs":null',
                                                   b'"logprobs":{"content":"<x>"}')),
    ("openai-chat", b'data: {"choices":[{"index":0,"delta":{"content":"a"},'
                    b'"finish_reason":null},{"index":1,"delta":{"content":"b"},'
                    b'"finish_reason":null}]}\n\n'),
    ("anthropic-messages", anthropic("a").replace(b"text_delta", b"thinking_delta")),
    ("anthropic-messages", anthropic("a").replace(b'"index":0', b'"index":-1')),
    ("anthropic-messages", anthropic("a") + b"data: x\n\n"),
    ("anthropic-messages", anthropic("a").replace(b"\ndata: ", b"\ndata: \n")),
    ("anthropic-messages", anthropic("é").replace("é".encode(), b"\xc3")),  # bad UTF-8
    ("openai-responses", b'data: {"type":"response.output_text.delta","delta":"a"}\n\n'),
    ("openai-responses", responses("a").replace(b'"delta":"a"', b'"delta":"a","delta":"b"')),
    ("openai-responses", responses("a").replace(b'"item_id":"msg_1",',
                                                b'"item_id":"msg_1","item_id":"msg_2",')),
    ("openai-responses", responses("a").replace(b'"output_index":0',
                                                b'"output_index":"0"')),
    ("openai-responses", responses("a").replace(b'"content_index":0,',
                                                b'"content_index":0,"summary_index":1,')),
    ("openai-responses", responses("a").replace(b"output_text.delta",
                                                b"function_call_arguments.delta")),
    ("openai-responses", responses("a").replace(b'"logprobs":[]', b'"logprobs":[{"t":"<"}]')),
    ("openai-responses", responses("a").replace(b'"type":"response.output_text.delta",', b"")
     .replace(b'"delta":"a"', b'"delta":"a","type":"response.output_text.delta"')),
])
def test_declined(api, raw):
    assert delta_of(api, raw) is None


# Compact as the providers write it, Python's default ``json.dumps`` (a relay), and odd.
_SEPS = st.sampled_from([(",", ":"), (", ", ": "), (" ,\t", "\t: ")])
_TEXT = st.text(alphabet=st.sampled_from('ab<>_"\\\n/é日\u2028\x01'), max_size=12)
_SCALAR = st.none() | st.booleans() | st.integers(-5, 10**12) | _TEXT | st.floats(
    allow_nan=False, allow_infinity=False)


@given(st.dictionaries(st.sampled_from(["id", "model", "created", "usage", "obfuscation",
                                        "choices", "x_y"]), _SCALAR, max_size=4),
       st.sampled_from(["content", "reasoning_content", "refusal", "role"]), _TEXT,
       st.integers(0, 3), st.booleans(), st.booleans(), _SEPS)
def test_chat_events_agree_with_the_parse(extra, key, text, index, ascii_, tail, seps):
    choice = {"index": index, "delta": {key: text}, "logprobs": None, "finish_reason": None}
    obj = {**extra, "choices": [choice]}
    if tail:
        obj = {"choices": [choice], **{k: v for k, v in extra.items() if k != "choices"}}
    raw = b"data: " + json.dumps(obj, separators=seps, ensure_ascii=ascii_).encode() \
        + b"\n\n"
    assert agrees("openai-chat", raw)
    if key != "role" and not any(isinstance(v, dict) for v in extra.values()):
        assert delta_of("openai-chat", raw) is not None


_IDS = st.fixed_dictionaries({"item_id": _TEXT | st.none(), "output_index": st.integers(0, 3),
                              "content_index": st.integers(0, 3)}) | st.fixed_dictionaries(
    {"item_id": _TEXT, "output_index": st.integers(0, 3), "summary_index": st.integers(0, 3)})


@given(st.sampled_from(["output_text", "refusal", "reasoning_text", "reasoning_summary_text",
                        "function_call_arguments", "audio_transcript"]),
       _IDS, st.dictionaries(st.sampled_from(["sequence_number", "obfuscation", "logprobs",
                                              "item_id", "delta", "x_y"]), _SCALAR,
                             max_size=3),
       _TEXT, st.booleans(), st.permutations(range(4)), _SEPS)
def test_responses_events_agree_with_the_parse(kind, ids, extra, text, ascii_, order, seps):
    members = [("item_id", ids["item_id"]), ("output_index", ids["output_index"]),
               *[(k, v) for k, v in ids.items() if k.endswith("_index")
                 and k != "output_index"], ("delta", text)]
    members = [members[i] for i in order]
    obj = {"type": f"response.{kind}.delta", **extra, **dict(members)}
    raw = (f"event: response.{kind}.delta\ndata: ".encode()
           + json.dumps(obj, separators=seps, ensure_ascii=ascii_).encode() + b"\n\n")
    assert agrees("openai-responses", raw)
    if (kind in ("output_text", "refusal") and not extra and order == [0, 1, 2, 3]
            and isinstance(ids["item_id"], str)):
        assert delta_of("openai-responses", raw) is not None


@pytest.mark.parametrize("api, fmt, path", WIRES)
@pytest.mark.parametrize("chunk_chars", [1, 3, 17])
def test_stream_output_is_the_parsing_paths_byte_for_byte(api, fmt, path, chunk_chars,
                                                          monkeypatch):
    """A whole answer restored with the byte-level path is the parsing path's output byte
    for byte (placeholders split across events, held tails flushed, escapes, non-ASCII)."""
    text = ('Hi <PERSON_1>, "quoted" \\ <EMAIL_ADDRESS_1>\nZoë 日本 <PERSON_1>< <PERS'
            '<PHONE_NUMBER_1>. End <PERSON_')
    values = {"<PERSON_1>": 'Zoë "Q" Doe', "<EMAIL_ADDRESS_1>": "zoe@example.org",
              "<PHONE_NUMBER_1>": "555-0100"}
    evs = wire_frames(fmt, path, text, chunk_chars)

    def run() -> tuple[bytes, int]:
        rw = StreamRewriter(api, values.get, lambda obj: None)
        out = b"".join(rw.feed(ev) for ev in evs) + rw.finish()
        return out, rw.restored

    fast = run()
    monkeypatch.setattr(answers, "delta_of", lambda api, raw: None)
    assert fast == run()
    assert fast[1] >= 4 and b"<PERSON_1>" not in fast[0] and b"zoe@example.org" in fast[0]


@given(_TEXT, st.integers(0, 99), st.booleans(), _SEPS)
def test_anthropic_events_agree_with_the_parse(text, index, ascii_, seps):
    obj = {"type": "content_block_delta", "index": index,
           "delta": {"type": "text_delta", "text": text}}
    raw = (b"event: content_block_delta\ndata: "
           + json.dumps(obj, separators=seps, ensure_ascii=ascii_).encode() + b"\n\n")
    assert delta_of("anthropic-messages", raw) is not None
    assert agrees("anthropic-messages", raw)


@pytest.mark.parametrize("api, fmt, path", WIRES)
def test_events_with_spaced_separators_are_read_at_byte_level(api, fmt, path, monkeypatch):
    """A relay re-writing events with ``", "`` and ``": "`` keeps the byte-level path, and
    the restored answer is still the parsing path's byte for byte."""
    def spaced(raw: bytes) -> bytes:
        head, _, data = raw.rpartition(b"data: ")
        obj = json.loads(data)
        return head + b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"

    text = 'Hi <PERSON_1>, "q" \\ Zoë <EMAIL_ADDRESS_1> <PERS'
    evs = [raw if raw.rstrip().endswith(b"[DONE]") else spaced(raw)
           for raw in wire_frames(fmt, path, text)]
    assert sum(delta_of(api, raw) is not None for raw in evs) >= len(text) // 3 - 2
    values = {"<PERSON_1>": "Zoë Doe", "<EMAIL_ADDRESS_1>": "zoe@example.org"}

    def run() -> bytes:
        rw = StreamRewriter(api, values.get, lambda obj: None)
        return b"".join(rw.feed(ev) for ev in evs) + rw.finish()

    fast = run()
    monkeypatch.setattr(answers, "delta_of", lambda api, raw: None)
    assert fast == run()
