"""Byte-level delta recognition agrees with parsing the event, and declines anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redactproxy.protocols.answers import _SLOTS
from redactproxy.protocols.deltas import delta_of, token_text
from redactproxy.sse import SSEEvent
from tests.fakes import anthropic_wire, openai_wire
from tests.fakes.wire import Call, Knobs, Signer

APIS = ("openai-chat", "anthropic-messages")


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


@pytest.mark.parametrize("api, fmt, path", [
    ("openai-chat", openai_wire.chat, "v1/chat/completions"),
    ("anthropic-messages", anthropic_wire.messages, "v1/messages"),
])
def test_fake_upstream_deltas_are_recognised(api, fmt, path):
    """Every text delta the providers' wire formats send is read at byte level (else the
    fast path would silently never run), and agrees with the parse."""
    text = 'Hi <PERSON_1>, "quoted" \\ back\nslash, Zoë 日本 <EMAIL_ADDRESS_1>.'
    knobs = Knobs(event_delay=0, chunk_chars=3, split_every=0, reply_text=text)
    body = {"model": "m", "stream": True, "max_tokens": 9,
            "messages": [{"role": "user", "content": "x"}]}
    reply = fmt(Call("POST", path, {}, body, 100, knobs, Signer()))
    assert reply.frames is not None
    seen = ""
    for raw in reply.frames:
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
])
def test_declined(api, raw):
    assert delta_of(api, raw) is None


_TEXT = st.text(alphabet=st.sampled_from('ab<>_"\\\n/é日\u2028\x01'), max_size=12)
_SCALAR = st.none() | st.booleans() | st.integers(-5, 10**12) | _TEXT | st.floats(
    allow_nan=False, allow_infinity=False)


@given(st.dictionaries(st.sampled_from(["id", "model", "created", "usage", "obfuscation",
                                        "choices", "x_y"]), _SCALAR, max_size=4),
       st.sampled_from(["content", "reasoning_content", "refusal", "role"]), _TEXT,
       st.integers(0, 3), st.booleans(), st.booleans())
def test_chat_events_agree_with_the_parse(extra, key, text, index, ascii_, tail):
    choice = {"index": index, "delta": {key: text}, "logprobs": None, "finish_reason": None}
    obj = {**extra, "choices": [choice]}
    if tail:
        obj = {"choices": [choice], **{k: v for k, v in extra.items() if k != "choices"}}
    raw = b"data: " + json.dumps(obj, separators=(",", ":"), ensure_ascii=ascii_).encode() \
        + b"\n\n"
    assert agrees("openai-chat", raw)
    if key != "role" and not any(isinstance(v, dict) for v in extra.values()):
        assert delta_of("openai-chat", raw) is not None


@given(_TEXT, st.integers(0, 99), st.booleans())
def test_anthropic_events_agree_with_the_parse(text, index, ascii_):
    obj = {"type": "content_block_delta", "index": index,
           "delta": {"type": "text_delta", "text": text}}
    raw = (b"event: content_block_delta\ndata: "
           + json.dumps(obj, separators=(",", ":"), ensure_ascii=ascii_).encode() + b"\n\n")
    assert delta_of("anthropic-messages", raw) is not None
    assert agrees("anthropic-messages", raw)
