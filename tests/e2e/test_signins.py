"""Subscription sign-in endpoints through the real proxy: only their model-request paths are
AI requests (redacted, refused when unscannable); the rest of those hosts passes untouched."""

from __future__ import annotations

import json

from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CODEX = "https://chatgpt.com/backend-api/codex/responses"


def test_chatgpt_codex_path_is_redacted_and_restored(proxy: ProxyProcess,
                                                     upstream: FakeUpstream) -> None:
    body = {"model": "gpt-5", "instructions": "Be brief.", "stream": False, "store": False,
            "input": [{"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": f"Mail {EMAIL} {GITHUB}"}]}]}
    with proxy.client() as c:
        r = c.post(CODEX, json=body, headers={"authorization": "Bearer fake-chatgpt-token",
                                              "chatgpt-account-id": "acct-fake-1"})
    assert r.status_code == 200, r.text
    assert f"Mail {EMAIL} {GITHUB}" in r.json()["output"][0]["content"][0]["text"]
    (sent,) = upstream.requests
    assert_absent(sent.body, (EMAIL, GITHUB))
    assert "<EMAIL_ADDRESS_" in sent.body.decode()


def test_chatgpt_codex_path_refuses_what_it_cannot_scan(proxy: ProxyProcess,
                                                        upstream: FakeUpstream) -> None:
    with proxy.client() as c:
        r = c.post(CODEX, content=b"\x00\x01 not json " + EMAIL.encode(),
                   headers={"content-type": "application/octet-stream"})
    assert r.status_code == 400
    assert "redactproxy" in r.json()["error"]["message"]
    assert upstream.requests == []


def test_rest_of_chatgpt_passes_byte_identical(proxy: ProxyProcess,
                                               upstream: FakeUpstream) -> None:
    """The website and its other APIs are not model requests: not scanned, not refused."""
    payload = b"\x00\x01 binary upload with " + EMAIL.encode()
    with proxy.client() as c:
        r = c.post("https://chatgpt.com/backend-api/files/upload", content=payload,
                   headers={"content-type": "application/octet-stream"})
        check = c.get("https://chatgpt.com/backend-api/wham/accounts/check")
    assert "x-redactproxy" not in r.headers  # the fake's own answer, passed on
    assert check.status_code == 200 and check.json()["accounts"]
    upload = next(q for q in upstream.requests if q.route == "/backend-api/files/upload")
    assert upload.raw_body == payload


def test_copilot_chat_is_redacted_and_restored(proxy: ProxyProcess,
                                               upstream: FakeUpstream) -> None:
    client = proxy.openai(base_url="https://api.githubcopilot.com", api_key="ghu_fakecopilot")
    out = client.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4.1", messages=[{"role": "user", "content": f"Mail {EMAIL}"}])
    assert f"Mail {EMAIL}" in out.choices[0].message.content
    (sent,) = upstream.requests
    assert sent.hostname == "api.githubcopilot.com"
    assert_absent(sent.body, (EMAIL,))
    assert "<EMAIL_ADDRESS_" in json.dumps(sent.json())
