"""Remembered answers: keyed hashes per project, spans back as findings, what counts as one."""

from __future__ import annotations

import json

import pytest

from redactproxy.answer_hashes import ECHO_RULE, AnswerHashes
from redactproxy.protocols.answers import body_answer_texts, stream_answer_texts
from redactproxy.protocols.targets import in_model_turn
from redactproxy.redact import BodyRedaction
from redactproxy.restore import restore_spans, restore_text
from tests.test_answers import ARGS, STREAMS, TEXT, VALUES, pieces

lookup = VALUES.get


def test_restore_spans_point_at_restored_values():
    text, spans = restore_spans(TEXT, lookup)
    assert text == restore_text(TEXT, lookup)[0]
    assert [(text[s:e], ent) for s, e, ent in spans] == [
        (VALUES["<PERSON_12>"], "PERSON"), (VALUES["<EMAIL_ADDRESS_1>"], "EMAIL_ADDRESS"),
        (VALUES["<EMAIL_ADDRESS_2>"], "EMAIL_ADDRESS"), (VALUES["<PHONE_NUMBER_1>"],
                                                         "PHONE_NUMBER"),
        (VALUES["<EMAIL_ADDRESS_1>"], "EMAIL_ADDRESS"), (VALUES["<PHONE_NUMBER_1>"],
                                                         "PHONE_NUMBER")]
    assert restore_spans("no placeholder", lookup) == ("no placeholder", [])


def test_hashes_are_per_project_and_exact():
    h = AnswerHashes()
    h.add("p1", "Hi Zoë", [(3, 6, "PERSON")])
    assert h.findings("p1", "Hi Zoë")[0].rule == ECHO_RULE
    assert [(f.start, f.end, f.entity) for f in h.findings("p1", "Hi Zoë")] == [(3, 6, "PERSON")]
    assert h.findings("p2", "Hi Zoë") is None  # another project never sees it
    assert h.findings("p1", "Hi Zoë ") is None  # one byte more: new text, analysed
    assert h.findings("p1", "") is None


def test_hashes_keep_no_text_and_are_bounded():
    h = AnswerHashes(max_entries=2)
    for i in range(3):
        h.add("p", f"answer {i}", [])
    assert len(h) == 2
    assert h.findings("p", "answer 0") is None and h.findings("p", "answer 2") == []
    assert not any(b"answer" in k for k in h._data)  # digests only


@pytest.mark.parametrize("api", STREAMS)
def test_stream_answer_texts_are_what_the_sdk_builds(api):
    text = pieces(TEXT)
    stream = STREAMS[api](text, pieces(ARGS))
    got = stream_answer_texts(api, stream)
    assert "".join(text) in got  # the answer text, placeholders and all
    assert ARGS not in got  # tool arguments come back parsed, never as this text


def test_body_answer_texts_per_api():
    assert body_answer_texts("openai-chat", {"choices": [{"message": {"content": "a"}}]}) == ["a"]
    assert body_answer_texts("anthropic-messages", {"content": [
        {"type": "thinking", "thinking": "t"}, {"type": "text", "text": "b"}]}) == ["b"]
    assert body_answer_texts("openai-responses", {"output": [
        {"type": "message", "content": [{"type": "output_text", "text": "c"}]}]}) == ["c"]
    assert body_answer_texts("gemini", {"candidates": [{"content": {"parts": [
        {"text": "t", "thought": True}, {"text": "d"}]}}]}) == ["d"]


@pytest.mark.parametrize("doc, path, expected", [
    ({"messages": [{"role": "assistant", "content": "x"}]}, ("messages", 0, "content"), True),
    ({"messages": [{"role": "user", "content": "x"}]}, ("messages", 0, "content"), False),
    ({"messages": [{"role": "assistant", "content": [{"type": "text", "text": "x"}]}]},
     ("messages", 0, "content", 0, "text"), True),
    ({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "input": {"a": "x"}}]}]},
     ("messages", 0, "content", 0, "input", "a"), False),
    ({"input": [{"role": "assistant", "content": [{"type": "output_text", "text": "x"}]}]},
     ("input", 0, "content", 0, "text"), True),
    ({"contents": [{"role": "model", "parts": [{"text": "x"}]}]},
     ("contents", 0, "parts", 0, "text"), True),
    ({"system": "x"}, ("system",), False),
])
def test_in_model_turn(doc, path, expected):
    assert in_model_turn(doc, path) is expected


def test_model_turn_texts_exclude_text_also_sent_by_the_user():
    doc = {"messages": [{"role": "user", "content": "same"},
                        {"role": "assistant", "content": "same"},
                        {"role": "assistant", "content": "only mine"}]}
    r = BodyRedaction(json.dumps(doc), doc, "openai-chat")
    assert r.model_turn_texts() == ["only mine"]
