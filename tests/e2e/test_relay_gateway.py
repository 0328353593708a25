"""Gateway mode is fail-closed for ANY upstream: relay names on no list, IPs, localhost.

The fake upstream answers as ``relay.example.test`` (routed with ``--resolve``), a name on
no built-in list and in no rule file, and as ``127.0.0.1`` / ``localhost``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx2
import pytest

from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess, free_port

RELAY_HOST = "relay.example.test"
RELAY = f"https://{RELAY_HOST}"


def _plain(pp: ProxyProcess) -> httpx2.Client:
    """A client of the gateway showing the owner's install secret (X-Redactproxy-Token)."""
    return httpx2.Client(trust_env=False, timeout=30,
                         headers={"x-redactproxy-token": pp.secret})


def _sse_text(raw: str, pick) -> str:  # type: ignore[no-untyped-def]
    out = ""
    for line in raw.splitlines():
        if line.startswith("data: ") and line[6:].strip() not in ("[DONE]", ""):
            out += pick(json.loads(line[6:]))
    return out


def test_gateway_to_unlisted_relay_redacts_and_restores_every_shape(
        proxy_factory, upstream: FakeUpstream) -> None:
    import anthropic
    import openai

    pp = proxy_factory(args=["--no-forward", "--upstream", RELAY])
    base = f"http://127.0.0.1:{pp.port}"
    secret = f"relay {EMAIL} {GITHUB}"

    oai = openai.OpenAI(api_key="sk-test", base_url=f"{base}/v1", max_retries=0,
                        http_client=_plain(pp))
    r = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": secret}])
    assert_absent(upstream.last().body, (EMAIL, GITHUB))
    assert upstream.last().hostname == "relay.example.test"
    assert r.choices[0].message.content == f"Echo: {secret}"

    stream = oai.chat.completions.create(model="gpt-4o", stream=True,
                                         messages=[{"role": "user", "content": secret}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) \
        == f"Echo: {secret}"
    assert_absent(upstream.last().body, (EMAIL, GITHUB))

    with oai.responses.stream(model="gpt-4o", input=secret) as rs:
        text = "".join(e.delta for e in rs if e.type == "response.output_text.delta")
    assert text == f"Echo: {secret}"
    assert_absent(upstream.last().body, (EMAIL, GITHUB))

    ant = anthropic.Anthropic(api_key="sk-ant-test", base_url=base, max_retries=0,
                              http_client=_plain(pp))
    with ant.messages.stream(model="claude-sonnet-4-5", max_tokens=50,
                             messages=[{"role": "user", "content": secret}]) as ms:
        assert "".join(ms.text_stream) == f"Echo: {secret}"
    assert_absent(upstream.last().body, (EMAIL, GITHUB))

    with _plain(pp) as c:
        r = c.post(f"{base}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                   json={"contents": [{"role": "user", "parts": [{"text": secret}]}]},
                   headers={"x-goog-api-key": "test-key"})
    assert r.status_code == 200
    assert_absent(upstream.last().body, (EMAIL, GITHUB))
    text = _sse_text(r.text, lambda d: "".join(
        p.get("text", "") for c in d.get("candidates", []) for p in c["content"]["parts"]))
    assert secret in text
    # Shown as what it is: one start-up line names the gateway, the report has the relay.
    assert any("gateway to https://relay.example.test" in line for line in pp.lines)
    pp.wait_for_line("path=/v1beta/models")  # the last request is recorded
    out = subprocess.run([sys.executable, "-m", "redactproxy", "report", "--relay",
                          "relay.example.test", "--format", "json"], capture_output=True,
                         text=True, env={**os.environ, "REDACTPROXY_HOME": str(pp.home)},
                         check=True).stdout
    rep = json.loads(out)
    assert rep["relay"] == "relay.example.test" and list(rep["by_host"]) == [RELAY_HOST]
    tally = rep["relays"][RELAY_HOST]
    assert tally["requests"] == 5 and tally["redactions"] >= 10 and tally["tokens_in"] > 0


def test_gateway_to_ip_and_localhost_upstreams(proxy_factory, upstream: FakeUpstream) -> None:
    import openai

    second = free_port()  # not listen-port + 1: another process may hold that one
    pp = proxy_factory(args=["--no-forward",
                             "--upstream", f"https://127.0.0.1:{upstream.port}",
                             "--upstream", f"https://localhost:{upstream.port}@{second}"])
    for port, host in ((pp.port, "127.0.0.1"), (second, "localhost")):
        oai = openai.OpenAI(api_key="sk-test", base_url=f"http://127.0.0.1:{port}/v1",
                            max_retries=0, http_client=_plain(pp))
        r = oai.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": f"ip {EMAIL} {GITHUB}"}])
        sent = upstream.last()
        assert sent.hostname == host
        assert_absent(sent.body, (EMAIL, GITHUB))
        assert r.choices[0].message.content == f"Echo: ip {EMAIL} {GITHUB}"


def test_gateway_with_path_prefix(proxy_factory, upstream: FakeUpstream) -> None:
    pp = proxy_factory(args=["--no-forward", "--upstream", f"{RELAY}/openai"])
    with _plain(pp) as c:
        r = c.post(f"http://127.0.0.1:{pp.port}/v1/chat/completions",
                   json={"model": "gpt-4o", "messages": [
                       {"role": "user", "content": f"prefix {EMAIL}"}]},
                   headers={"authorization": "Bearer sk-test"})
    assert r.status_code == 200, r.text
    assert upstream.last().route == "/openai/v1/chat/completions"
    assert_absent(upstream.last().body, (EMAIL,))
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: prefix {EMAIL}"


@pytest.mark.parametrize("path,family", [
    ("/v1/chat/completions", "openai"), ("/v1/messages", "anthropic"),
    ("/v1beta/models/g:generateContent", "gemini")])
def test_gateway_refuses_unparseable_bodies_in_the_guessed_format(
        proxy_factory, upstream: FakeUpstream, path: str, family: str) -> None:
    pp = proxy_factory(args=["--no-forward", "--upstream", RELAY])
    with _plain(pp) as c:
        r = c.post(f"http://127.0.0.1:{pp.port}{path}", content=b'{"messages": [',
                   headers={"content-type": "application/json"})
    assert r.status_code == 400
    err = r.json()
    if family == "anthropic":
        assert err["type"] == "error" and "redactproxy" in err["error"]["message"]
    elif family == "gemini":
        assert err["error"]["status"] == "INVALID_ARGUMENT"
    else:
        assert "not valid JSON" in err["error"]["message"]
    assert upstream.requests == []


def test_gateway_detector_failure_refuses(proxy_factory, upstream: FakeUpstream) -> None:
    pp = proxy_factory(args=["--no-forward", "--upstream", RELAY, "--timeout", "2"],
                       env={"REDACTPROXY_FAULT": "raise"})
    with _plain(pp) as c:
        r = c.post(f"http://127.0.0.1:{pp.port}/v1/chat/completions",
                   json={"model": "m", "messages": [{"role": "user", "content": EMAIL}]})
    assert r.status_code == 500 and "redactproxy" in r.json()["error"]["message"]
    assert upstream.requests == []
