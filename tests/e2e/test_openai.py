"""OpenAI Chat Completions and Responses through the real proxy, with the official SDK."""

from __future__ import annotations

import json
import time
import uuid

from tests.e2e.values import ALL, AWS, EMAIL, EMAIL2, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

TOOLS = [{"type": "function", "function": {
    "name": "send_mail", "description": f"Send mail; default sender {EMAIL2}",
    "parameters": {"type": "object", "properties": {
        "echo": {"type": "string", "description": f"for example {EMAIL2}"}}}}}]


def _history() -> list[dict[str, object]]:
    return [
        {"role": "system", "content": f"You help {EMAIL2}."},
        {"role": "developer", "content": f"Deploy key {AWS} is configured."},
        {"role": "user", "content": [{"type": "text", "text": f"My token is {GITHUB}"}]},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "send_mail", "arguments": json.dumps({"to": EMAIL})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": f"sent to {EMAIL}"},
        {"role": "user", "content": f"Reply to {EMAIL} about {GITHUB}, please."},
    ]


def test_chat_json_redacts_every_field_and_restores(proxy: ProxyProcess,
                                                     upstream: FakeUpstream) -> None:
    client = proxy.openai()
    r = client.chat.completions.create(model="gpt-4o", messages=_history(), tools=TOOLS)
    sent = upstream.last()
    assert_absent(sent.body)
    body = sent.json()
    assert "<EMAIL_ADDRESS_" in body["messages"][5]["content"]
    args = json.loads(body["messages"][3]["tool_calls"][0]["function"]["arguments"])
    assert args["to"].startswith("<EMAIL_ADDRESS_")
    content = r.choices[0].message.content or ""
    assert content.endswith(f"sent to {EMAIL}Reply to {EMAIL} about {GITHUB}, please.")
    assert "<EMAIL" not in content


def test_same_value_same_placeholder_across_turns(proxy: ProxyProcess,
                                                  upstream: FakeUpstream) -> None:
    client = proxy.openai()
    msgs = _history()
    client.chat.completions.create(model="gpt-4o", messages=msgs)
    first = upstream.last().body
    msgs = msgs + [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
    client.chat.completions.create(model="gpt-4o", messages=msgs)
    second = upstream.last().body
    cut = first.index(b'"messages"')
    end = first.rindex(b"}")  # the unchanged prefix: everything up to the last old message
    prefix = first[:end - 40]
    assert second.startswith(prefix[:cut]) or second[:len(prefix)] == prefix


def test_chat_stream_with_tool_call_restores_arguments(proxy: ProxyProcess,
                                                       upstream: FakeUpstream) -> None:
    client = proxy.openai()
    stream = client.chat.completions.create(
        model="gpt-4o", tools=TOOLS, stream=True,
        messages=[{"role": "user", "content": f"CALLTOOL mail {EMAIL} key {GITHUB}"}])
    args = ""
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                args += call.function.arguments or ""
    assert_absent(upstream.last().body)
    assert json.loads(args) == {"echo": f"CALLTOOL mail {EMAIL} key {GITHUB}"}


def test_chat_stream_text_restored_and_first_event_early(proxy: ProxyProcess,
                                                         upstream: FakeUpstream) -> None:
    client = proxy.openai()
    text = f"Write to {EMAIL} and {EMAIL2} today " + "padding " * 10
    stream = client.chat.completions.with_raw_response.create(
        model="gpt-4o", stream=True, messages=[{"role": "user", "content": text}],
        extra_headers={"x-fake-event-delay": "0.05"})
    out = ""
    first_at = None
    for chunk in stream.parse():
        if first_at is None:
            first_at = time.monotonic()
        out += "".join(c.delta.content or "" for c in chunk.choices)
    assert out == "Echo: " + text
    sent = upstream.last()
    assert_absent(sent.body)
    assert first_at is not None and upstream.events_sent_at
    assert first_at < upstream.events_sent_at[-1], "first event arrived only after the last"


def test_responses_stream_text_and_function_call(proxy: ProxyProcess,
                                                 upstream: FakeUpstream) -> None:
    client = proxy.openai()
    with client.responses.stream(model="gpt-4.1", instructions=f"Owner: {EMAIL2}",
                                 input=f"Contact {EMAIL} re {AWS}") as stream:
        final = stream.get_final_response()
    assert final.output_text == f"Echo: Contact {EMAIL} re {AWS}"
    assert_absent(upstream.last().body)
    tools = [{"type": "function", "name": "send_mail", "description": "send",
              "parameters": {"type": "object", "properties": {"echo": {"type": "string"}}}}]
    items = [{"role": "user", "content": "start"},
             {"type": "function_call", "call_id": "c1", "name": "send_mail",
              "arguments": json.dumps({"echo": GITHUB})},
             {"type": "function_call_output", "call_id": "c1", "output": f"done {EMAIL2}"}]
    with client.responses.stream(model="gpt-4.1", input=items, tools=tools) as stream:
        final = stream.get_final_response()
    assert_absent(upstream.last().body)
    assert final.output_text == f"Echo: done {EMAIL2}"
    with client.responses.stream(model="gpt-4.1", tools=tools, input=[
            {"role": "user", "content": f"CALLTOOL {EMAIL}"}]) as stream:
        final = stream.get_final_response()
    assert_absent(upstream.last().body)
    calls = [o for o in final.output if o.type == "function_call"]
    assert calls and json.loads(calls[0].arguments) == {"echo": f"CALLTOOL {EMAIL}"}


def test_upstream_gzip_stream_and_json(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    client = proxy.openai()
    msg = [{"role": "user", "content": f"zip {EMAIL}"}]
    r = client.chat.completions.create(model="gpt-4o", messages=msg,
                                       extra_headers={"x-fake-gzip": "1"})
    assert r.choices[0].message.content == f"Echo: zip {EMAIL}"
    s = client.chat.completions.create(model="gpt-4o", messages=msg, stream=True,
                                       extra_headers={"x-fake-gzip": "1"})
    assert "".join(c.choices[0].delta.content or "" for c in s if c.choices) == f"Echo: zip {EMAIL}"
    assert_absent(upstream.last().body, ALL)


def _read_then_hang_up(proxy: ProxyProcess, headers: dict[str, str], stop_after: str) -> str:
    """Stream a chat answer, read lines until one starts with ``stop_after``, hang up;
    return the proxy's record line of that request (found by its own model name: records
    of earlier tests' streams may still be printed meanwhile)."""
    model = f"gpt-4o-hangup-{uuid.uuid4().hex[:8]}"
    body = {"model": model, "stream": True,
            "messages": [{"role": "user", "content": f"Write to {EMAIL} " + "word " * 20}]}
    with proxy.client() as c, c.stream(
            "POST", "https://api.openai.com/v1/chat/completions", json=body,
            headers={"authorization": "Bearer sk-test-fake", **headers}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith(stop_after):
                break
    return proxy.wait_for_line(f"model={model} ", timeout=20)


def test_client_hanging_up_after_the_whole_answer_is_a_passed_request(
        proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    """The OpenAI SDK closes the connection right after ``[DONE]``; the answer was whole."""
    line = _read_then_hang_up(proxy, {"x-fake-hold-end": "1", "x-fake-event-delay": "0"},
                              "data: [DONE]")
    upstream.release.set()
    assert "verdict=passed" in line and "restored=1" in line, line


def test_client_hanging_up_mid_answer_is_cancelled_not_an_upstream_error(
        proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    line = _read_then_hang_up(proxy, {"x-fake-hold-last": "1", "x-fake-event-delay": "0"},
                              "data:")
    upstream.release.set()
    assert "verdict=cancelled" in line, line
