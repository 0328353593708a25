"""Drive the fake upstream directly with the official SDKs and curl.

If the openai / anthropic SDKs and curl parse everything the fake sends, the fake's wire
formats are right, and proxy tests built on it exercise the real formats.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from tests.fakes import FakeUpstream, TestCA
from tests.fakes.client import pinned_http_client, trusting_context
from tests.fakes.upstream import decode_body

pytest_plugins = ["tests.fakes.fixtures"]

OPENAI_HOST = "api.openai.com"
ANTHROPIC_HOST = "api.anthropic.com"
GEMINI_HOST = "generativelanguage.googleapis.com"
CLAUDE = "claude-sonnet-5"
USER_TEXT = "Mail jane.doe@example.com now, café ☕ <ok>"
ECHO = "Echo: " + USER_TEXT
WEATHER_FN = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"echo": {"type": "string"}}}}}
ANTHROPIC_TOOL = {"name": "get_weather", "description": "Weather.",
                  "input_schema": {"type": "object", "properties": {"echo": {"type": "string"}}}}


@pytest.fixture
def oai(upstream: FakeUpstream, test_ca: TestCA) -> Iterator[openai.OpenAI]:
    """OpenAI SDK client talking to the fake under api.openai.com."""
    http = pinned_http_client(test_ca.cert_path)
    client = openai.OpenAI(api_key="sk-test-fake", base_url=f"{upstream.url_for(OPENAI_HOST)}/v1",
                           http_client=http, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def claude(upstream: FakeUpstream, test_ca: TestCA) -> Iterator[anthropic.Anthropic]:
    """Anthropic SDK client talking to the fake under api.anthropic.com."""
    http = pinned_http_client(test_ca.cert_path)
    client = anthropic.Anthropic(api_key="sk-ant-test-fake",
                                 base_url=upstream.url_for(ANTHROPIC_HOST),
                                 http_client=http, max_retries=0)
    yield client
    client.close()


# --- OpenAI Chat Completions -------------------------------------------------------------


def test_chat_non_stream_echoes_and_records(oai: openai.OpenAI, upstream: FakeUpstream) -> None:
    res = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "be brief"},
                  {"role": "user", "content": USER_TEXT}],
    )
    assert res.object == "chat.completion"
    assert res.id.startswith("chatcmpl-")
    assert res.model == "gpt-4o-mini"
    assert res.choices[0].message.content == ECHO
    assert res.choices[0].finish_reason == "stop"
    assert res.usage is not None and res.usage.total_tokens > res.usage.prompt_tokens > 0
    rec = upstream.last()
    assert (rec.method, rec.path, rec.hostname) == ("POST", "/v1/chat/completions", OPENAI_HOST)
    assert rec.headers["authorization"] == "Bearer sk-test-fake"
    assert rec.json()["messages"][1]["content"] == USER_TEXT
    assert upstream.errors == []


def test_chat_stream_text_and_usage(oai: openai.OpenAI, upstream: FakeUpstream) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": USER_TEXT}], stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ECHO
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    deltas = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert max(len(c.choices[0].delta.content or "") for c in deltas) == 3
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert upstream.last().status == 200


def test_chat_stream_tool_call(oai: openai.OpenAI) -> None:
    prompt = "CALLTOOL for alice@example.com"
    stream = oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}],
        tools=[WEATHER_FN], stream=True,
    )
    calls = [c.choices[0].delta.tool_calls for c in stream if c.choices and
             c.choices[0].delta.tool_calls]
    first = calls[0][0]
    assert first.id and first.id.startswith("call_") and first.type == "function"
    assert first.function is not None and first.function.name == "get_weather"
    fragments = [tc[0].function.arguments or "" for tc in calls[1:] if tc[0].function]
    assert len(fragments) > 5 and all(len(f) <= 3 for f in fragments)
    assert json.loads("".join(fragments)) == {"echo": prompt}


def test_chat_non_stream_tool_call_then_tool_result(oai: openai.OpenAI) -> None:
    prompt = "CALLTOOL please"
    res = oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], tools=[WEATHER_FN])
    choice = res.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert json.loads(call.function.arguments) == {"echo": prompt}  # type: ignore[union-attr]
    follow = oai.chat.completions.create(model="gpt-4o-mini", tools=[WEATHER_FN], messages=[
        {"role": "user", "content": prompt},
        choice.message.model_dump(exclude_none=True),  # type: ignore[list-item]
        {"role": "tool", "tool_call_id": call.id, "content": "sunny at bob@example.com"},
    ])
    assert follow.choices[0].message.content == "Echo: sunny at bob@example.com"


# --- OpenAI Responses --------------------------------------------------------------------


def test_responses_stream_text(oai: openai.OpenAI) -> None:
    events = list(oai.responses.create(model="gpt-4.1", input=USER_TEXT, stream=True))
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == ECHO
    done = events[-1]
    assert done.type == "response.completed"
    assert done.response.output_text == ECHO
    assert done.response.usage is not None and done.response.usage.output_tokens > 0


def test_responses_stream_function_call_and_non_stream(oai: openai.OpenAI) -> None:
    tools = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    prompt = "CALLTOOL for 555-0100"
    with oai.responses.stream(model="gpt-4.1", tools=tools,  # type: ignore[arg-type]
                              input=[{"role": "user", "content": prompt}]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(deltas) > 5
    item = final.output[0]
    assert item.type == "function_call" and item.name == "lookup"
    assert json.loads(item.arguments) == {"echo": prompt}
    res = oai.responses.create(model="gpt-4.1", input=[{"type": "message", "role": "user",
                                                        "content": [{"type": "input_text",
                                                                     "text": USER_TEXT}]}])
    assert res.object == "response" and res.status == "completed"
    assert res.output_text == ECHO


# --- Anthropic Messages ------------------------------------------------------------------


def test_anthropic_create_text_and_tool_use(claude: anthropic.Anthropic) -> None:
    msg = claude.messages.create(model=CLAUDE, max_tokens=100,
                                 messages=[{"role": "user", "content": USER_TEXT}])
    assert msg.type == "message" and msg.id.startswith("msg_01")
    assert msg.content[0].type == "text" and msg.content[0].text == ECHO
    assert msg.stop_reason == "end_turn" and msg.usage.output_tokens > 0
    prompt = "CALLTOOL with +1 555 0100"
    tool_msg = claude.messages.create(
        model=CLAUDE, max_tokens=100, tools=[ANTHROPIC_TOOL],  # type: ignore[list-item]
        messages=[{"role": "user", "content": [{"type": "text", "text": prompt}]}])
    block = tool_msg.content[0]
    assert tool_msg.stop_reason == "tool_use"
    assert block.type == "tool_use" and block.name == "get_weather"
    assert block.input == {"echo": prompt}
    follow = claude.messages.create(
        model=CLAUDE, max_tokens=100, tools=[ANTHROPIC_TOOL],  # type: ignore[list-item]
        messages=[{"role": "user", "content": prompt},
                  {"role": "assistant", "content": tool_msg.content},  # type: ignore[typeddict-item]
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id,
                                                "content": "rainy"}]}])
    assert follow.content[0].type == "text" and follow.content[0].text == "Echo: rainy"


def test_anthropic_stream_text(claude: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    with claude.messages.stream(model=CLAUDE, max_tokens=100,
                                messages=[{"role": "user", "content": USER_TEXT}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == ECHO
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 1
    # this SDK generation sends the key as a bearer token, older ones as x-api-key
    headers = upstream.last().headers
    assert "sk-ant-test-fake" in (headers.get("x-api-key", ""), headers.get("authorization", ""),
                                  headers.get("authorization", "").removeprefix("Bearer "))


def test_anthropic_stream_tool_use(claude: anthropic.Anthropic) -> None:
    prompt = "CALLTOOL jane.doe@example.com"
    with claude.messages.stream(model=CLAUDE, max_tokens=100,
                                tools=[ANTHROPIC_TOOL],  # type: ignore[list-item]
                                messages=[{"role": "user", "content": prompt}]) as stream:
        raw = [e.type for e in stream]
        final = stream.get_final_message()
    assert raw[0] == "message_start" and "ping" not in raw  # SDK drops ping
    assert final.stop_reason == "tool_use"
    assert final.content[0].type == "tool_use" and final.content[0].input == {"echo": prompt}


def test_anthropic_thinking_signature_round_trip(claude: anthropic.Anthropic,
                                                 upstream: FakeUpstream) -> None:
    with claude.messages.stream(model=CLAUDE, max_tokens=2000,
                                thinking={"type": "enabled", "budget_tokens": 1024},
                                messages=[{"role": "user", "content": USER_TEXT}]) as stream:
        final = stream.get_final_message()
    thinking = final.content[0]
    assert thinking.type == "thinking" and thinking.thinking == f"Thinking about: {USER_TEXT}"
    assert thinking.signature == upstream.sign_thinking(thinking.thinking)
    history: list[Any] = [{"role": "user", "content": USER_TEXT},
                          {"role": "assistant", "content": [b.model_dump() for b in
                                                            final.content]},
                          {"role": "user", "content": "and again"}]
    claude.messages.create(model=CLAUDE, max_tokens=2000, messages=history,
                           thinking={"type": "enabled", "budget_tokens": 1024})
    assert (upstream.good_signatures, upstream.bad_signatures) == (1, 0)
    history[1]["content"][0]["thinking"] += " "
    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature`"):
        claude.messages.create(model=CLAUDE, max_tokens=2000, messages=history)
    assert upstream.bad_signatures == 1
    assert upstream.last().signature_checks == [False]


def test_anthropic_in_stream_error(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.APIStatusError, match="mid-stream"):
        with claude.messages.stream(
            model=CLAUDE, max_tokens=100,
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"x-fake-stream-error-after": "3"},
        ) as stream:
            stream.until_done()


# --- Gemini (curl) -----------------------------------------------------------------------


def _curl(upstream: FakeUpstream, test_ca: TestCA, path: str, body: dict,
          *headers: str) -> bytes:
    assert shutil.which("curl"), "curl is required"
    cmd = ["curl", "-sS", "-N", "--noproxy", "*", "--max-time", "20",
           "--cacert", str(test_ca.cert_path),
           "--resolve", f"{GEMINI_HOST}:{upstream.port}:127.0.0.1",
           "-H", "content-type: application/json", "-H", "x-goog-api-key: fake-gemini-key",
           *[a for h in headers for a in ("-H", h)],
           "--data-binary", "@-", f"{upstream.url_for(GEMINI_HOST)}{path}"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(cmd, input=json.dumps(body).encode(), capture_output=True,
                          env=env, check=True, timeout=30)
    return done.stdout


def _gemini_events(raw: bytes) -> list[dict]:
    assert raw.endswith(b"\r\n\r\n")
    frames = raw.decode().split("\r\n\r\n")[:-1]
    assert all(f.startswith("data: ") for f in frames)
    return [json.loads(f[len("data: "):]) for f in frames]


def test_gemini_sse_text_with_curl(upstream: FakeUpstream, test_ca: TestCA) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "Mail "}, {"text": USER_TEXT}]}]}
    raw = _curl(upstream, test_ca, "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
                "?alt=sse", body)
    events = _gemini_events(raw)
    text = "".join(p["text"] for e in events for p in e["candidates"][0]["content"]["parts"])
    assert text == "Echo: Mail " + USER_TEXT
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    assert events[-1]["usageMetadata"]["candidatesTokenCount"] > 0
    assert {e["modelVersion"] for e in events} == {"gemini-2.5-flash"}
    rec = upstream.last()
    assert rec.query == {"alt": ["sse"]} and rec.headers["x-goog-api-key"] == "fake-gemini-key"


def test_gemini_sse_function_call_with_curl(upstream: FakeUpstream, test_ca: TestCA) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "CALLTOOL now"}]}],
            "tools": [{"functionDeclarations": [{"name": "find", "parameters": {
                "type": "OBJECT", "properties": {"echo": {"type": "STRING"}}}}]}]}
    events = _gemini_events(_curl(upstream, test_ca, "/v1beta/models/gemini-2.5-flash:"
                                  "streamGenerateContent?alt=sse", body))
    part = events[-1]["candidates"][0]["content"]["parts"][0]
    assert part["functionCall"] == {"name": "find", "args": {"echo": "CALLTOOL now"}}


def test_gemini_json_and_errors(upstream: FakeUpstream, test_ca: TestCA) -> None:
    http = pinned_http_client(test_ca.cert_path)
    base = upstream.url_for(GEMINI_HOST)
    body = {"contents": [{"parts": [{"text": "hi"}]}]}
    res = http.post(f"{base}/v1beta/models/gemini-2.5-pro:generateContent", json=body)
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    assert res.json()["candidates"][0]["content"]["parts"][0]["text"] == "Echo: hi"
    assert res.headers.get_list("vary") == ["Origin", "X-Origin", "Referer"]
    err = http.post(f"{base}/v1beta/models/gemini-2.5-pro:generateContent", json=body,
                    headers={"x-fake-error": "429"})
    assert err.status_code == 429
    assert err.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert set(err.json()["error"]) == {"code", "message", "status"}
    assert http.post(f"{base}/v1beta/nothing", json=body).json()["error"]["code"] == 404
    arr = http.post(f"{base}/v1beta/models/gemini-2.5-pro:streamGenerateContent", json=body)
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"]
                   for c in arr.json()) == "Echo: hi"
    http.close()


# --- Errors, knobs, plumbing -------------------------------------------------------------


def test_openai_errors(oai: openai.OpenAI, upstream: FakeUpstream) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        oai.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                    extra_headers={"x-fake-error": "429"})
    assert info.value.code == "rate_limit_exceeded"
    assert set(info.value.body) == {"message", "type", "param", "code"}  # type: ignore[arg-type]
    with pytest.raises(openai.NotFoundError, match="Invalid URL"):
        oai.post("/nope", cast_to=object, body={})
    with pytest.raises(openai.APIError, match="mid-stream"):
        list(oai.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}], stream=True,
            extra_headers={"x-fake-stream-error-after": "2"}))


def test_anthropic_not_found(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as info:
        claude.post("/v1/nope", cast_to=object, body={})
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    assert body["error"] == {"type": "not_found_error", "message": "Not Found"}


def test_header_knobs(oai: openai.OpenAI) -> None:
    res = oai.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
        extra_headers={"x-fake-served-model": "cheap-model-7b", "x-fake-prompt-tokens": "1234",
                       "x-fake-reply": "made%20up%20%3CEMAIL_ADDRESS_9%3E"})
    assert res.model == "cheap-model-7b"
    assert res.usage is not None and res.usage.prompt_tokens == 1234
    assert res.choices[0].message.content == "made up <EMAIL_ADDRESS_9>"


def test_stream_is_incremental(upstream: FakeUpstream, test_ca: TestCA) -> None:
    upstream.event_delay = 0.2
    http = pinned_http_client(test_ca.cert_path)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with http.stream("POST", f"{upstream.url_for(OPENAI_HOST)}/v1/chat/completions",
                     json=body) as res:
        lines = res.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        first_at = time.monotonic()
        rest = list(lines)
    assert json.loads(first[6:])["object"] == "chat.completion.chunk"
    assert rest[-2:] == ["data: [DONE]", ""] or rest[-1] == "data: [DONE]"
    assert len(upstream.events_sent_at) >= 5
    assert first_at < upstream.events_sent_at[-1] - 0.5
    http.close()


def _raw_exchange(upstream: FakeUpstream, test_ca: TestCA, host: str, request: bytes) -> bytes:
    """Send ``request`` over TLS and return the raw response bytes (until the server closes)."""
    ctx = trusting_context(test_ca.cert_path)
    with socket.create_connection(("127.0.0.1", upstream.port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            tls.sendall(request)
            out = b""
            while chunk := tls.recv(65536):
                out += chunk
    return out


def test_sse_is_chunked_and_split(upstream: FakeUpstream, test_ca: TestCA) -> None:
    upstream.event_delay = 0
    payload = json.dumps({"model": "m", "messages": [{"role": "user", "content": USER_TEXT}],
                          "stream": True}).encode()
    req = (f"POST /v1/messages HTTP/1.1\r\nHost: {ANTHROPIC_HOST}\r\nConnection: close\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
           ).encode() + payload
    raw = _raw_exchange(upstream, test_ca, ANTHROPIC_HOST, req)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    assert b"content-type: text/event-stream; charset=utf-8" in head.lower()
    chunks, pos = [], 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol], 16)
        if size == 0:
            break
        chunks.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 4 + size
    joined = b"".join(chunks)
    n_events = joined.count(b"\n\n")
    assert len(chunks) > n_events  # some events were written in two pieces
    assert sum(not c.endswith(b"\n\n") for c in chunks) >= n_events // 3
    assert len(upstream.last().events_sent_at) == n_events


def test_gzip_request_and_streamed_gzip_response(upstream: FakeUpstream,
                                                 test_ca: TestCA) -> None:
    http = pinned_http_client(test_ca.cert_path)
    payload = json.dumps({"model": "m", "stream": True,
                          "messages": [{"role": "user", "content": USER_TEXT}]}).encode()
    res = http.post(f"{upstream.url_for(OPENAI_HOST)}/v1/chat/completions",
                    content=gzip.compress(payload),
                    headers={"content-encoding": "gzip", "content-type": "application/json",
                             "x-fake-gzip": "1", "accept-encoding": "gzip"})
    assert res.headers["content-encoding"] == "gzip"
    text = "".join(json.loads(line[6:])["choices"][0]["delta"].get("content", "")
                   for line in res.text.split("\n\n") if line.startswith("data: {"))
    assert text == ECHO
    rec = upstream.last()
    assert rec.body == payload and rec.raw_body != payload
    http.close()


def test_multi_valued_request_headers(upstream: FakeUpstream, test_ca: TestCA) -> None:
    req = (b"GET / HTTP/1.1\r\nHost: www.example.org\r\nX-Dup: one\r\nX-Dup: two\r\n"
           b"Connection: close\r\n\r\n")
    raw = _raw_exchange(upstream, test_ca, "www.example.org", req)
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"hello from the fake upstream")
    rec = upstream.last()
    assert rec.header_values("x-dup") == ["one", "two"] and rec.headers["x-dup"] == "one, two"


def test_tls_names_match(test_ca: TestCA, upstream: FakeUpstream) -> None:
    for host in (OPENAI_HOST, ANTHROPIC_HOST, GEMINI_HOST, "api.deepseek.com",
                 "relay.example.test", "www.example.org", "localhost"):
        ctx = trusting_context(test_ca.cert_path)
        with socket.create_connection(("127.0.0.1", upstream.port), timeout=5) as sock:
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
    bad = ssl.create_default_context(cafile=str(test_ca.cert_path))
    with socket.create_connection(("127.0.0.1", upstream.port), timeout=5) as sock:
        with pytest.raises(ssl.SSLCertVerificationError):
            bad.wrap_socket(sock, server_hostname="api.mistral.ai")
    assert oct(test_ca.key_path.stat().st_mode & 0o777) == "0o600"


def test_decode_body_handles_provider_client_encodings() -> None:
    import brotli
    from backports import zstd

    data = b'{"messages": []}'
    assert decode_body(gzip.compress(data), "gzip") == data
    assert decode_body(brotli.compress(data), "br") == data
    assert decode_body(zstd.compress(data), "zstd") == data
    assert decode_body(brotli.compress(gzip.compress(data)), "gzip, br") == data
