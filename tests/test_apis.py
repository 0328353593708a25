"""Which API a request speaks, each provider's error format, and model/usage reading."""

from __future__ import annotations

import json

import pytest

from redactproxy.protocols.apis import API_NAMES, Api, gemini_model, identify
from redactproxy.protocols.errors import error_body, error_headers
from redactproxy.protocols.meta import Meta


@pytest.mark.parametrize("path, family, expected", [
    ("/v1/chat/completions", "openai", Api("openai-chat", "openai")),
    ("/v1/chat/completions/?x=1", "openai", Api("openai-chat", "openai")),
    ("/openai/deployments/d1/chat/completions?api-version=2024-10-21", "openai",
     Api("openai-chat", "openai")),
    ("/api/v1/chat/completions", "openai", Api("openai-chat", "openai")),
    ("/v1/responses", "openai", Api("openai-responses", "openai")),
    ("/v1/messages", "anthropic", Api("anthropic-messages", "anthropic")),
    ("/v1/messages?beta=true", "anthropic", Api("anthropic-messages", "anthropic")),
    ("/api/anthropic/v1/messages", "openai", Api("anthropic-messages", "anthropic")),
    ("/v1/messages/count_tokens", "anthropic", Api("generic", "anthropic")),
    ("/v1/threads/thread_1/messages", "openai", Api("generic", "openai")),
    ("/v1beta/models/gemini-2.5-flash:generateContent", "gemini", Api("gemini", "gemini")),
    ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "gemini",
     Api("gemini", "gemini")),
    ("/v1/projects/p/locations/us-central1/publishers/google/models/gemini-x:"
     "streamGenerateContent", "gemini", Api("gemini", "gemini")),
    ("/v1beta/models/gemini-2.5-flash:countTokens", "gemini", Api("generic", "gemini")),
    ("/v1/embeddings", "openai", Api("generic", "openai")),
])
def test_identify(path, family, expected):
    assert identify(path, family) == expected
    assert expected.name in API_NAMES


def test_gemini_model():
    assert gemini_model("/v1beta/models/gemini-2.5-flash:generateContent?key=x") == \
        "gemini-2.5-flash"
    assert gemini_model("/v1/chat/completions") is None


@pytest.mark.parametrize("family, status, expected", [
    ("openai", 403, {"error": {"message": "redactproxy: request blocked",
                               "type": "redactproxy_error", "param": None,
                               "code": "blocked_entity"}}),
    ("anthropic", 403, {"type": "error", "error": {"type": "permission_error",
                                                   "message": "redactproxy: request blocked"}}),
    ("anthropic", 418, {"type": "error", "error": {"type": "api_error",
                                                   "message": "redactproxy: request blocked"}}),
    ("gemini", 403, {"error": {"code": 403, "message": "redactproxy: request blocked",
                               "status": "PERMISSION_DENIED"}}),
    ("gemini", 418, {"error": {"code": 418, "message": "redactproxy: request blocked",
                               "status": "FAILED_PRECONDITION"}}),
])
def test_error_body(family, status, expected):
    assert json.loads(error_body(family, status, "request blocked", "blocked_entity")) == expected


def test_error_message_not_prefixed_twice():
    body = json.loads(error_body("openai", 400, "redactproxy: x", "c"))
    assert body["error"]["message"] == "redactproxy: x"


def test_error_headers():
    assert error_headers(True)["x-should-retry"] == "true"
    assert error_headers(False) == {"content-type": "application/json",
                                    "x-should-retry": "false", "x-redactproxy": "refused"}


@pytest.mark.parametrize("events, expected", [
    ([{"model": "gpt-x", "usage": {"prompt_tokens": 9, "completion_tokens": 4}}],
     Meta("gpt-x", 9, 4)),
    ([{"type": "message_start", "message": {"model": "claude-x", "usage": {
        "input_tokens": 9, "output_tokens": 1}}},
      {"type": "message_delta", "usage": {"output_tokens": 42}}], Meta("claude-x", 9, 42)),
    ([{"type": "response.completed", "response": {"model": "gpt-x", "usage": {
        "input_tokens": 7, "output_tokens": 3}}}], Meta("gpt-x", 7, 3)),
    ([{"modelVersion": "gemini-x", "usageMetadata": {"promptTokenCount": 5}},
      {"usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 8}}],
     Meta("gemini-x", 5, 8)),
    ([[1, 2], "x", {"model": ""}, {"usage": "none"}], Meta()),
])
def test_meta(events, expected):
    m = Meta()
    for e in events:
        m.update(e)
    assert m == expected
