"""Fail closed, interception policy, gateway mode and persistence, through real proxies."""

from __future__ import annotations

import json
import ssl

import httpx2
import pytest

from tests.e2e.test_report_e2e import wait_audited
from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.certs import TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess, free_port

CHAT = "https://api.openai.com/v1/chat/completions"


def _chat(text: str) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}


def test_malformed_json_is_refused_in_provider_format(proxy: ProxyProcess,
                                                      upstream: FakeUpstream) -> None:
    with proxy.client() as c:
        r = c.post(CHAT, content=b'{"model": "gpt-4o", "messages": [', headers={
            "content-type": "application/json", "authorization": "Bearer sk-test"})
        assert r.status_code == 400
        err = r.json()["error"]
        assert "redactproxy" in err["message"] and "not valid JSON" in err["message"]
        r = c.post("https://api.anthropic.com/v1/messages", content=b"not json",
                   headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["type"] == "error"
        r = c.post("https://generativelanguage.googleapis.com/v1beta/models/g:generateContent",
                   content=b"{", headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert upstream.requests == []


def test_sdk_sees_refusal_as_api_error(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    import openai

    client = proxy.openai()
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[],
                                       extra_headers={"content-encoding": "bogus"})
    assert "redactproxy" in str(e.value)
    assert upstream.requests == []


@pytest.mark.parametrize("fault,status", [("raise", 500), ("hang", 503)])
def test_detector_failure_refuses(proxy_factory, upstream: FakeUpstream, fault: str,
                                  status: int) -> None:
    pp = proxy_factory(env={"REDACTPROXY_FAULT": fault}, args=["--timeout", "2"])
    with pp.client() as c:
        r = c.post(CHAT, json=_chat(f"mail {EMAIL}"))
    assert r.status_code == status
    assert "redactproxy" in r.json()["error"]["message"]
    assert upstream.requests == []
    with pp.client() as c:  # the proxy keeps serving other flows
        r = c.get("https://www.example.org/")
    assert r.status_code == 200


def test_non_ai_host_is_tunneled_with_upstream_certificate(proxy: ProxyProcess,
                                                           test_ca: TestCA) -> None:
    ctx = ssl.create_default_context(cafile=str(test_ca.cert_path))  # NOT the proxy's CA
    with httpx2.Client(proxy=proxy.url, verify=ctx, trust_env=False) as c:
        r = c.get("https://www.example.org/")
    assert r.status_code == 200 and "hello from the fake upstream" in r.text
    with pytest.raises(httpx2.ConnectError):  # while AI hosts are intercepted
        with httpx2.Client(proxy=proxy.url, verify=ctx, trust_env=False) as c:
            c.post(CHAT, json=_chat("hi"))


def test_gateway_mode(proxy_factory, upstream: FakeUpstream) -> None:
    import openai

    gport = free_port()  # not listen-port + 1: another process may hold that one
    pp = proxy_factory(args=["--upstream", f"https://api.openai.com@{gport}"])
    client = openai.OpenAI(api_key="sk-test", base_url=f"http://127.0.0.1:{gport}/v1",
                           max_retries=0, http_client=httpx2.Client(trust_env=False),
                           default_headers={"x-redactproxy-token": pp.secret})
    r = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": f"gw {EMAIL} {GITHUB}"}])
    assert_absent(upstream.last().body, (EMAIL, GITHUB))
    assert upstream.last().host.startswith("api.openai.com")
    assert r.choices[0].message.content == f"Echo: gw {EMAIL} {GITHUB}"
    stream = client.chat.completions.create(model="gpt-4o", stream=True, messages=[
        {"role": "user", "content": f"gw {EMAIL}"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) \
        == f"Echo: gw {EMAIL}"


def test_vault_survives_restart(proxy_factory, upstream: FakeUpstream, tmp_path) -> None:
    home, project = tmp_path / "home", tmp_path / "proj"
    project.mkdir()
    placeholders = []
    for _ in range(2):
        pp = proxy_factory(home=home, project=project)
        with pp.client() as c:
            c.post(CHAT, json=_chat(f"a {EMAIL2_ALT} b {EMAIL}"))
        body = upstream.last().json()["messages"][0]["content"]
        placeholders.append(body)
        assert EMAIL not in body
        pp.stop()
    assert placeholders[0] == placeholders[1]
    data = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert EMAIL.encode() not in data and EMAIL2_ALT.encode() not in data
    vault = home / "vault.sqlite3"
    assert vault.stat().st_mode & 0o777 == 0o600


EMAIL2_ALT = "restart.case@example.com"


def test_blocked_hosts_and_paths(proxy_factory, upstream: FakeUpstream, tmp_path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".redactproxy.toml").write_text(
        '[proxy]\nblocked_hosts = ["api.deepseek.com"]\n'
        'blocked_paths = ["/v1/responses", "api.anthropic.com/api/"]\n')
    pp = proxy_factory(project=project)
    with pp.client() as c:
        r = c.post("https://api.openai.com/v1/responses", json={"model": "m", "input": "x"})
        assert r.status_code == 403 and "blocked_paths" in r.json()["error"]["message"]
        r = c.post("https://api.anthropic.com/api/event_logging/batch", json={"events": []})
        assert r.status_code == 403
        with pytest.raises(httpx2.ProxyError):
            c.post("https://api.deepseek.com/chat/completions", json=_chat("x"))
    assert upstream.requests == []


def test_telemetry_batches_scanned_as_generic_json(proxy: ProxyProcess,
                                                   upstream: FakeUpstream) -> None:
    with proxy.client() as c:
        c.post("https://api.openai.com/v1/some/telemetry", json={
            "events": [{"name": "e", "props": {"user": EMAIL, "nested": [f"k {GITHUB}"]}}]})
    assert_absent(upstream.last().body, (EMAIL, GITHUB))


def test_plain_http_ai_request_to_unlisted_host_refused_by_egress_policy(
        proxy_factory, upstream: FakeUpstream, tmp_path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".redactproxy.toml").write_text('[proxy]\negress = "block"\n')
    pp = proxy_factory(project=project)
    with pp.client() as c:
        r = c.post("http://llm.internal.test/v1/chat/completions", json=_chat(f"hi {EMAIL}"))
    assert r.status_code == 403
    msg = r.json()["error"]["message"]
    assert "unlisted AI endpoint" in msg and "[proxy] hosts" in msg
    assert upstream.requests == []


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_compressed_request_bodies_are_redacted(proxy: ProxyProcess, upstream: FakeUpstream,
                                                encoding: str) -> None:
    import gzip

    import brotli
    import zstandard

    raw = json.dumps(_chat(f"zip {EMAIL} {GITHUB}")).encode()
    packed = {"gzip": gzip.compress, "br": brotli.compress,
              "zstd": zstandard.ZstdCompressor().compress}[encoding](raw)
    with proxy.client() as c:
        r = c.post(CHAT, content=packed, headers={"content-type": "application/json",
                                                  "content-encoding": encoding})
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: zip {EMAIL} {GITHUB}"
    sent = upstream.last()
    assert sent.headers.get("content-encoding") == encoding
    assert_absent(sent.body, (EMAIL, GITHUB))


def test_resolved_upstream_connections_are_reused(proxy: ProxyProcess,
                                                  upstream: FakeUpstream) -> None:
    # --resolve must not defeat keep-alive: twelve requests on one client connection
    # (more than mitmproxy's five concurrent upstream connections per client) all finish.
    with proxy.client(timeout=10) as c:
        for i in range(12):
            r = c.post(CHAT, json=_chat(f"turn {i} {EMAIL}"))
            assert r.status_code == 200
    assert len(upstream.requests) == 12


def test_requests_wait_for_the_detector_to_warm_up(proxy_factory, upstream: FakeUpstream) -> None:
    pp = proxy_factory(wait_detector=False)  # listening, model still loading
    with pp.client(timeout=60) as c:
        r = c.post(CHAT, json=_chat(f"early {EMAIL}"))
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: early {EMAIL}"
    assert_absent(upstream.last().body, (EMAIL,))


def test_gateway_mode_anthropic_stream(proxy_factory, upstream: FakeUpstream) -> None:
    import anthropic

    pp = proxy_factory(args=["--no-forward", "--upstream", "https://api.anthropic.com"])
    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=f"http://127.0.0.1:{pp.port}",
                                 max_retries=0, http_client=httpx2.Client(trust_env=False),
                                 default_headers={"x-redactproxy-token": pp.secret})
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=50, messages=[
            {"role": "user", "content": f"gw {EMAIL} {GITHUB}"}]) as stream:
        text = "".join(stream.text_stream)
    assert text == f"Echo: gw {EMAIL} {GITHUB}"
    assert_absent(upstream.last().body, (EMAIL, GITHUB))


def test_audit_store_failure_stops_traffic_until_it_recovers(proxy_factory,
                                                             upstream: FakeUpstream) -> None:
    import sqlite3

    pp = proxy_factory()
    db = pp.home / "audit.sqlite3"
    with pp.client() as c:
        assert c.post(CHAT, json=_chat(f"one {EMAIL}")).status_code == 200
        con = sqlite3.connect(db)
        con.execute("ALTER TABLE findings RENAME TO findings_gone")
        con.commit()
        # This request is answered, but it cannot be recorded (the writer thread finds
        # out and tells the proxy) ...
        assert c.post(CHAT, json=_chat(f"two {EMAIL}")).status_code == 200
        pp.wait_for_line("audit store failed", timeout=20)
        sent = len(upstream.requests)
        # ... so the next one is refused, and never reaches the upstream.
        r = c.post(CHAT, json=_chat(f"three {EMAIL}"))
        assert r.status_code == 500
        assert "audit store unavailable" in r.json()["error"]["message"]
        assert len(upstream.requests) == sent
        con.execute("ALTER TABLE findings_gone RENAME TO findings")
        con.commit()
        con.close()
        assert c.post(CHAT, json=_chat(f"four {EMAIL}")).status_code == 200
    # Nothing was lost to the outage: the answered request, the refusal and the last one
    # were kept in order and written once the store worked again.
    wait_audited(pp, 4)
    with sqlite3.connect(db) as con:
        verdicts = [v for v, in con.execute("SELECT verdict FROM requests ORDER BY row_id")]
    assert verdicts == ["passed", "passed", "refused", "passed"], verdicts
