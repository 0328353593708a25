"""Forward mode: discovered relays, ``[proxy] ignore_hosts``, ``[proxy] inspect = "all"``.

``relay.example.test`` is on no built-in list and in no rule file: it is intercepted only
because a tool is configured with it (discovery) or because every host is inspected.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx2
import pytest

from tests.e2e.values import EMAIL, GITHUB, assert_absent
from tests.fakes.certs import TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

RELAY = "relay.example.test"
CHAT = f"https://{RELAY}/v1/chat/completions"

SDKS = textwrap.dedent('''
    import json, sys, anthropic, openai
    # Base URLs and proxy come from the environment only, as for any tool.
    o = openai.OpenAI(api_key="sk-test-fake", max_retries=0)
    r = o.chat.completions.create(model="gpt-4o",
        messages=[{"role": "user", "content": sys.argv[1]}])
    a = anthropic.Anthropic(api_key="sk-ant-test-fake", max_retries=0)
    with a.messages.stream(model="claude-sonnet-4-5", max_tokens=50,
                           messages=[{"role": "user", "content": sys.argv[1]}]) as s:
        text = "".join(s.text_stream)
    print(json.dumps({"openai": r.choices[0].message.content, "anthropic": text}))
''')


def _project(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    root = tmp_path / name
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    root.mkdir(exist_ok=True)
    return root


def test_run_discovers_base_url_variables_with_the_real_sdks(
        proxy: ProxyProcess, upstream: FakeUpstream, tmp_path: Path) -> None:
    project = _project(tmp_path, "p", {})
    env = {**os.environ, "REDACTPROXY_HOME": str(proxy.home),
           "OPENAI_BASE_URL": f"https://{RELAY}/v1", "ANTHROPIC_BASE_URL": f"https://{RELAY}"}
    secret = f"relay {EMAIL} {GITHUB}"
    # --inspect ai: only discovery can make the proxy decrypt the relay's traffic.
    out = subprocess.run(
        [sys.executable, "-m", "redactproxy", "run", "--inspect", "ai", "--port",
         str(proxy.port), "--project", str(project), "--", sys.executable, "-c", SDKS, secret],
        capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    answers = json.loads(out.stdout)
    assert answers == {"openai": f"Echo: {secret}", "anthropic": f"Echo: {secret}"}
    sent = [r for r in upstream.requests if r.hostname == RELAY]
    assert [r.route for r in sent] == ["/v1/chat/completions", "/v1/messages"]
    for r in sent:
        assert_absent(r.body, (EMAIL, GITHUB))


def test_claude_code_settings_name_a_relay(proxy_factory, upstream: FakeUpstream,
                                           tmp_path: Path) -> None:
    project = _project(tmp_path, "cc", {
        ".claude/settings.json": json.dumps({"env": {"ANTHROPIC_BASE_URL": f"https://{RELAY}"}}),
        ".gemini/settings.json": '{"broken": ',
    })
    pp = proxy_factory(project=project)
    line = pp.wait_for_line(f"relay {RELAY} (from")
    assert ".claude/settings.json: env.ANTHROPIC_BASE_URL" in line
    warnings = [ln for ln in pp.lines if ".gemini/settings.json" in ln]
    assert len(warnings) == 1 and "cannot parse" in warnings[0]
    client = pp.anthropic(base_url=f"https://{RELAY}")
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=50,
                                 messages=[{"role": "user", "content": f"cc {EMAIL}"}])
    assert msg.content[0].text == f"Echo: cc {EMAIL}"
    assert_absent(upstream.last().body, (EMAIL,))
    # Fail closed as on a built-in host: unparseable body, unknown stand-in.
    with pp.client() as c:
        r = c.post(f"https://{RELAY}/v1/messages", content=b"{not json",
                   headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["type"] == "error"
        r = c.post(f"https://{RELAY}/v1/messages", json={"model": "m", "messages": []},
                   headers={"x-api-key": "rp-standin-openai-00112233445566778899aabb"})
        assert r.status_code == 403 and "stand-in" in r.json()["error"]["message"]
    assert len([r for r in upstream.requests if r.hostname == RELAY]) == 1
    # The relay is shown as one, with its own line in the log.
    assert any(f"host={RELAY}" in ln and "verdict=passed" in ln for ln in pp.lines)


def test_ignore_hosts_takes_a_discovered_relay_out(proxy_factory, test_ca: TestCA,
                                                   tmp_path: Path) -> None:
    project = _project(tmp_path, "ig", {
        ".env": f"OPENAI_BASE_URL=https://{RELAY}/v1\n",
        ".redactproxy.toml": f'[proxy]\nignore_hosts = ["{RELAY}"]\n',
    })
    pp = proxy_factory(project=project)
    line = pp.wait_for_line(f"relay {RELAY} (from")
    assert line.endswith("ignored by [proxy] ignore_hosts")
    ctx = ssl.create_default_context(cafile=str(test_ca.cert_path))  # NOT the proxy's CA
    with httpx2.Client(proxy=pp.url, verify=ctx, trust_env=False) as c:
        r = c.post(CHAT, json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 200  # tunnelled: the client saw the relay's own certificate


def test_inspect_all_redacts_ai_calls_and_passes_the_rest(proxy_factory, upstream: FakeUpstream,
                                                          test_ca: TestCA, tmp_path: Path) -> None:
    project = _project(tmp_path, "all", {".redactproxy.toml": '[proxy]\ninspect = "all"\n'})
    pp = proxy_factory(project=project)
    with pp.client() as c:
        r = c.post(CHAT, json={"model": "gpt-4o", "messages": [
            {"role": "user", "content": f"sniff {EMAIL} {GITHUB}"}]})
        assert r.status_code == 200
        assert r.json()["choices"][0]["message"]["content"] == f"Echo: sniff {EMAIL} {GITHUB}"
        assert_absent(upstream.last().body, (EMAIL, GITHUB))
        # Not AI calls: byte-identical, whatever the body (binary, or JSON with values).
        blob = bytes(range(256)) * 4000
        r = c.post("https://www.example.org/echo", content=blob,
                   headers={"content-type": "application/octet-stream"})
        assert r.status_code == 200 and r.content == blob
        assert upstream.last().body == blob
        doc = json.dumps({"note": f"mail {EMAIL}"}).encode()
        r = c.post("https://www.example.org/echo", content=doc,
                   headers={"content-type": "application/json"})
        assert r.content == doc
        r = c.get("https://www.example.org/")
        assert r.status_code == 200 and b"hello" in r.content
    line = pp.wait_for_line(f"host={RELAY}")
    assert "unlisted AI endpoint" in line
    # A client that pins (trusts only the upstream's CA) fails once, then is tunnelled.
    ctx = ssl.create_default_context(cafile=str(test_ca.cert_path))
    with httpx2.Client(proxy=pp.url, verify=ctx, trust_env=False) as c:
        with pytest.raises(httpx2.ConnectError):
            c.get("https://www.example.org/")
    warning = pp.wait_for_line("rejected the proxy's certificate")
    assert "www.example.org" in warning
    with httpx2.Client(proxy=pp.url, verify=ctx, trust_env=False) as c:
        assert c.get("https://www.example.org/").status_code == 200
    # A listed AI host never falls back to a tunnel: its pinned client keeps failing.
    for _ in range(2):
        with httpx2.Client(proxy=pp.url, verify=ctx, trust_env=False) as c:
            with pytest.raises(httpx2.ConnectError):
                c.post("https://api.openai.com/v1/chat/completions",
                       json={"model": "m", "messages": []})
    assert sum("rejected the proxy's certificate" in ln for ln in pp.lines) == 1
