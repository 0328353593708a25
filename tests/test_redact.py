"""Redacting a request body from hand-made findings: no detector needed."""

from __future__ import annotations

import json

import pytest

from redactproxy.detect.base import Finding
from redactproxy.errors import RefusedRequest
from redactproxy.redact import BodyRedaction, redact_text, select

EMAIL = "ada@example.org"
TRICKY = 'q"uote\\back\nslash@example.org'


class Assign:
    """A tiny vault: same value, same placeholder; numbering per entity."""

    def __init__(self) -> None:
        self.map: dict[tuple[str, str], str] = {}

    def __call__(self, entity: str, value: str) -> str:
        key = (entity, value)
        if key not in self.map:
            n = 1 + sum(1 for e, _ in self.map if e == entity)
            self.map[key] = f"<{entity}_{n}>"
        return self.map[key]


def find(text: str, value: str, entity: str = "EMAIL_ADDRESS", rule: str = "pii.email",
         action: str = "redact") -> list[Finding]:
    out, i = [], text.find(value)
    while i != -1:
        out.append(Finding(i, i + len(value), entity, rule, 0.9, action))  # type: ignore[arg-type]
        i = text.find(value, i + 1)
    return out


def findings_for(texts: list[str], *values: str, **kw) -> dict[str, list[Finding]]:
    return {t: [f for v in values for f in find(t, v, **kw)] for t in texts}


def test_select_resolves_overlaps():
    fs = [Finding(0, 5, "A", "r"), Finding(0, 9, "B", "r"), Finding(3, 7, "C", "r"),
          Finding(9, 12, "D", "r", 0.5), Finding(9, 12, "E", "r", 0.9),
          Finding(20, 25, "F", "r", action="allow")]
    assert [f.entity for f in select(fs)] == ["B", "E"]
    assert select([]) == []


def test_redact_text_actions():
    text = f"mail {EMAIL} or {EMAIL}, key sk-FAKE"
    fs = find(text, EMAIL) + [Finding(text.index("sk-"), len(text), "API_KEY", "k", 1, "mask")]
    new, applied = redact_text(text, fs, Assign(), "messages[0].content")
    assert new == "mail <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_1>, key <API_KEY>"
    assert [a.replacement for a in applied] == ["<EMAIL_ADDRESS_1>"] * 2 + ["<API_KEY>"]
    assert applied[0].value == EMAIL and applied[0].field == "messages[0].content"
    assert redact_text("plain", [], Assign()) == ("plain", [])


def test_block_names_rule_and_field_not_value():
    body = {"model": "m", "messages": [{"role": "user", "content": "x"},
                                       {"role": "user", "content": f"key {EMAIL}"}]}
    raw = json.dumps(body)
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    fs = findings_for(red.texts(), EMAIL, rule="secrets.fake-key", action="block")
    with pytest.raises(RefusedRequest) as e:
        red.apply(fs, Assign())
    msg = str(e.value)
    assert "secrets.fake-key" in msg and "messages[1].content" in msg
    assert EMAIL not in msg and "ada" not in msg
    assert e.value.status == 403 and e.value.code == "blocked_entity"


def test_block_inside_json_arguments_names_inner_field():
    args = json.dumps({"to": EMAIL})
    body = {"messages": [{"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": args}}]}]}
    raw = json.dumps(body)
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    with pytest.raises(RefusedRequest, match=r"tool_calls\[0\]\.function\.arguments → to"):
        red.apply(findings_for(red.texts(), EMAIL, action="block"), Assign())


@pytest.mark.parametrize("indent", [None, 2])
def test_json_in_string_arguments_stay_valid(indent):
    args = json.dumps({"to": TRICKY, "cc": [EMAIL, "bob"], "body": f"hi {EMAIL}", "n": 2},
                      indent=indent)
    body = {"model": "gpt-x", "messages": [
        {"role": "user", "content": f"write {EMAIL}"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "send", "arguments": args}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": json.dumps({"sent_to": TRICKY})},
    ]}
    raw = json.dumps(body, indent=indent)
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    texts = red.texts()
    assert TRICKY in texts and EMAIL in texts and f"hi {EMAIL}" in texts
    assert args not in texts  # scanned value by value, not as one string
    new, applied = red.apply(findings_for(texts, TRICKY, EMAIL), Assign())
    doc = json.loads(new)
    inner = json.loads(doc["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert inner == {"to": "<EMAIL_ADDRESS_2>", "cc": ["<EMAIL_ADDRESS_1>", "bob"],
                     "body": "hi <EMAIL_ADDRESS_1>", "n": 2}
    assert json.loads(doc["messages"][2]["content"]) == {"sent_to": "<EMAIL_ADDRESS_2>"}
    assert doc["messages"][0]["content"] == "write <EMAIL_ADDRESS_1>"
    assert EMAIL not in new and "slash@" not in new
    assert len(applied) == 5
    # the inner JSON keeps its own layout
    new_args = doc["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert new_args == args.replace(json.dumps(TRICKY), '"<EMAIL_ADDRESS_2>"').replace(
        EMAIL, "<EMAIL_ADDRESS_1>")


def test_thinking_blocks_untouched():
    thinking = {"type": "thinking", "thinking": f"user is {EMAIL}", "signature": "EqFAKE=="}
    body = {"model": "claude-x", "messages": [
        {"role": "user", "content": f"I am {EMAIL}"},
        {"role": "assistant", "content": [thinking, {"type": "redacted_thinking",
                                                     "data": f"x{EMAIL}"},
                                          {"type": "text", "text": f"hello {EMAIL}"}]}]}
    raw = json.dumps(body, separators=(",", ":"))
    red = BodyRedaction(raw, json.loads(raw), "anthropic-messages")
    assert red.texts() == [f"I am {EMAIL}", f"hello {EMAIL}"]
    new, applied = red.apply(findings_for(red.texts(), EMAIL), Assign())
    assert json.dumps(thinking, separators=(",", ":")) in new
    assert f'"data":"x{EMAIL}"' in new
    assert new == raw.replace(f"I am {EMAIL}", "I am <EMAIL_ADDRESS_1>").replace(
        f"hello {EMAIL}", "hello <EMAIL_ADDRESS_1>")
    assert len(applied) == 2


def test_untouched_bytes_kept_and_no_findings_returns_raw():
    raw = '{"model":"m",  "messages":[{"role":"user","content":"a \\u00e9 ada@example.org"}]}'
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    assert red.apply({}, Assign()) == (raw, [])
    new, _ = red.apply(findings_for(red.texts(), EMAIL), Assign())
    assert new == raw.replace("ada@example.org", "<EMAIL_ADDRESS_1>")


def test_allow_findings_change_nothing():
    raw = json.dumps({"messages": [{"role": "user", "content": EMAIL}]})
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    assert red.apply(findings_for(red.texts(), EMAIL, action="allow"), Assign()) == (raw, [])


def test_same_text_in_many_places_is_analysed_once():
    raw = json.dumps({"messages": [{"role": "user", "content": EMAIL},
                                   {"role": "user", "content": EMAIL}]})
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    assert red.texts() == [EMAIL]
    new, applied = red.apply(findings_for(red.texts(), EMAIL), Assign())
    assert json.loads(new)["messages"][1]["content"] == "<EMAIL_ADDRESS_1>" and len(applied) == 2


def test_string_that_only_looks_like_json_is_redacted_as_text():
    text = f"[1] {EMAIL} [2]"
    raw = json.dumps({"messages": [{"role": "user", "content": text}]})
    red = BodyRedaction(raw, json.loads(raw), "openai-chat")
    assert red.texts() == [text]
    new, _ = red.apply(findings_for(red.texts(), EMAIL), Assign())
    assert json.loads(new)["messages"][0]["content"] == "[1] <EMAIL_ADDRESS_1> [2]"


def test_generic_string_body():
    raw = json.dumps(f"hello {EMAIL}")
    red = BodyRedaction(raw, json.loads(raw), "generic")
    new, _ = red.apply(findings_for(red.texts(), EMAIL), Assign())
    assert new == '"hello <EMAIL_ADDRESS_1>"'
