"""Anthropic Messages (official SDK) and Gemini SSE (curl) through the real proxy."""

from __future__ import annotations

import json
import subprocess

from tests.e2e.values import AWS, EMAIL, EMAIL2, GITHUB, NASTY, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CLAUDE = "claude-sonnet-4-5"
TOOL = {"name": "send_mail", "description": f"Mail as {EMAIL2}",
        "input_schema": {"type": "object", "properties": {"echo": {"type": "string"}}}}


def _messages() -> list[dict[str, object]]:
    return [
        {"role": "user", "content": [{"type": "text", "text": f"I am {EMAIL}"}]},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "send_mail",
             "input": {"to": EMAIL, "token": GITHUB}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": [{"type": "text", "text": f"mailed {EMAIL}, key {AWS}"}]},
            {"type": "text", "text": f"Now tell {EMAIL2}"}]},
    ]


def test_messages_json_every_field(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    client = proxy.anthropic()
    msg = client.messages.create(model=CLAUDE, max_tokens=100, tools=[TOOL],
                                 system=[{"type": "text", "text": f"Owner {EMAIL2}"}],
                                 messages=_messages())
    assert_absent(upstream.last().body)
    body = upstream.last().json()
    assert body["messages"][1]["content"][0]["input"]["to"].startswith("<EMAIL_ADDRESS_")
    text = "".join(b.text for b in msg.content if b.type == "text")
    assert EMAIL in text and AWS in text and EMAIL2 in text


def test_messages_stream_text_and_tool_use(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    client = proxy.anthropic()
    with client.messages.stream(model=CLAUDE, max_tokens=100, system=f"Owner {EMAIL2}",
                                messages=[{"role": "user", "content": f"hi {EMAIL} {NASTY}"}]
                                ) as stream:
        text = "".join(stream.text_stream)
    assert text == f"Echo: hi {EMAIL} {NASTY}"
    assert_absent(upstream.last().body, (EMAIL, EMAIL2))
    with client.messages.stream(model=CLAUDE, max_tokens=100, tools=[TOOL],
                                messages=[{"role": "user", "content": f"CALLTOOL {EMAIL} {NASTY}"}]
                                ) as stream:
        final = stream.get_final_message()
    uses = [b for b in final.content if b.type == "tool_use"]
    assert uses and uses[0].input == {"echo": f"CALLTOOL {EMAIL} {NASTY}"}


def test_thinking_blocks_pass_byte_identical(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    client = proxy.anthropic()
    first = client.messages.create(model=CLAUDE, max_tokens=100,
                                   messages=[{"role": "user", "content": f"think {EMAIL}"}],
                                   extra_headers={"x-fake-thinking": "1"})
    blocks = [b.model_dump(exclude_none=True) for b in first.content]
    assert any(b["type"] == "thinking" for b in blocks)
    client.messages.create(model=CLAUDE, max_tokens=100, messages=[
        {"role": "user", "content": f"think {EMAIL}"},
        {"role": "assistant", "content": blocks},
        {"role": "user", "content": "and then?"}])
    assert upstream.bad_signatures == 0
    assert upstream.good_signatures >= 1


def test_gemini_sse_with_curl(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    body = {"systemInstruction": {"parts": [{"text": f"Owner {EMAIL2}"}]},
            "contents": [
                {"role": "model", "parts": [{"functionCall": {"name": "f",
                                                              "args": {"to": EMAIL}}}]},
                {"role": "user", "parts": [{"functionResponse": {
                    "name": "f", "response": {"result": f"sent {GITHUB}"}}}]},
                {"role": "user", "parts": [{"text": f"Write to {EMAIL} now"}]}]}
    url = ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
           ":streamGenerateContent?alt=sse")
    out = subprocess.run(
        ["curl", "-sS", "-N", "--proxy", proxy.url, "--cacert", str(proxy.trust),
         "-H", "content-type: application/json", "-H", "x-goog-api-key: test-key",
         "--data-binary", json.dumps(body), url],
        capture_output=True, text=True, timeout=60, check=True).stdout
    assert_absent(upstream.last().body)
    text = ""
    for line in out.splitlines():
        if line.startswith("data: "):
            chunk = json.loads(line[6:])
            for cand in chunk.get("candidates", []):
                text += "".join(p.get("text", "") for p in cand["content"].get("parts", []))
    assert f"Write to {EMAIL} now" in text
