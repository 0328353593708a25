"""Acceptance: provider keys live in the OS keyring, never in the tools.

End to end with a real Secret Service (gnome-keyring on a private D-Bus), real
``redactproxy`` processes and the official SDKs: keys go in with ``keys set --stdin``, tools
hold only stand-ins (from ``redactproxy env``), the proxy swaps them for the real key on the
way to that provider's hosts only, refuses them anywhere else, redacts a stored key pasted
into a prompt, and the real key is written nowhere on disk or in any output.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from redactproxy.credentials import STANDIN_PREFIX, find_standins
from redactproxy.keys import KeyStore
from tests.e2e.values import AWS, EMAIL, EMAIL2, GITHUB, assert_absent
from tests.fakes.certs import TestCA
from tests.fakes.upstream import FakeUpstream, Recorded
from tests.keyring_service import SecretService, _clear
from tests.proxyproc import ProxyProcess, start_proxy

# Synthetic keys, fresh per run, in each provider's shape. RELAY is shapeless on purpose:
# only the keyring-fed known-secrets detector can catch it in a prompt.
KEYS: dict[str, str] = {
    "openai": "sk-proj-" + secrets.token_hex(20),
    "anthropic": "sk-ant-api03-" + secrets.token_hex(20),
    "gemini": "AIzaSy" + secrets.token_hex(17)[:33],
    "relay": "Relay" + secrets.token_hex(6) + "Horse" + secrets.token_hex(6),
}
HOSTS: dict[str, tuple[str, ...]] = {
    "openai": ("api.openai.com",),
    "anthropic": ("api.anthropic.com",),
    "gemini": ("generativelanguage.googleapis.com",),
    "relay": ("relay.example.test",),
}
ENV_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
            "gemini": "GEMINI_API_KEY", "relay": "RELAY_API_KEY"}
OTHER_KEY = "sk-proj-" + secrets.token_hex(20)  # real-looking, not stored
PHONE = "+1 202-555-0147"

OPENAI_CHAT = "https://api.openai.com/v1/chat/completions"
ANTHROPIC_MESSAGES = "https://api.anthropic.com/v1/messages"
DEEPSEEK_CHAT = "https://api.deepseek.com/chat/completions"
GEMINI_GENERATE = ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
                   ":generateContent")
RELAY_CHAT = "https://relay.example.test/v1/chat/completions"
CLAUDE = "claude-sonnet-4-5"
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")


def _cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
         home: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = dict(env if env is not None else os.environ)
    if home is not None:
        full["REDACTPROXY_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "redactproxy", *args], input=stdin,
                          capture_output=True, text=True, env=full, timeout=120, check=False)


def _chat(text: str) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}


def _anthropic(text: str) -> dict[str, object]:
    return {"model": CLAUDE, "max_tokens": 100, "messages": [{"role": "user", "content": text}]}


def _gemini(text: str) -> dict[str, object]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}]}


def _gemini_text(reply: dict[str, object]) -> str:
    cands = reply["candidates"]  # type: ignore[index]
    return "".join(p.get("text", "") for c in cands for p in c["content"]["parts"])


def _recorded_text(rec: Recorded) -> str:
    """Everything a request carried upstream: request line, every header, raw and decoded body."""
    heads = "\n".join(f"{n}: {v}" for n, v in rec.header_list)
    return "\n".join((rec.method, rec.path, rec.host, heads,
                      rec.raw_body.decode("utf-8", "replace"),
                      rec.body.decode("utf-8", "replace")))


def _assert_no_secret(text: str, what: str) -> None:
    for provider, key in KEYS.items():
        assert key not in text, f"the real {provider} key appears in {what}"


@dataclass
class Keyed:
    """The module's keyring state and proxy: four keys stored, one proxy started after."""

    proxy: ProxyProcess
    standins: dict[str, str]
    env_out: str
    set_out: list[subprocess.CompletedProcess[str]]


def _store_keys() -> list[subprocess.CompletedProcess[str]]:
    out = []
    for provider, key in KEYS.items():
        extra = ["--host", HOSTS[provider][0]] if provider == "relay" else []
        r = _cli("keys", "set", provider, *extra, "--stdin", stdin=key + "\n")
        assert r.returncode == 0, r.stderr
        out.append(r)
    return out


@pytest.fixture(scope="module")
def keyed(secret_service: SecretService, fake_upstream: FakeUpstream, test_ca: TestCA,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keyed]:
    """Keys stored through the CLI first, then a proxy (it reads stored keys at start-up)."""
    _clear()
    set_out = _store_keys()
    home = tmp_path_factory.mktemp("keys-home")
    project = tmp_path_factory.mktemp("keys-project")
    env_out = _cli("env", "--port", "1", "--project", str(project), home=home)
    assert env_out.returncode == 0, env_out.stderr
    standins = {}
    for line in env_out.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if value.startswith(("rp-", "'rp-")):
            standins[name] = shlex.split(value)[0]
    pp = start_proxy(fake_upstream, test_ca, home, project, args=["--no-nlp"])
    try:
        yield Keyed(pp, {p: standins[ENV_VARS[p]] for p in KEYS}, env_out.stdout, set_out)
    finally:
        pp.stop()
        _clear()


@pytest.fixture(autouse=True)
def _nothing_leaks_upstream(upstream: FakeUpstream) -> Iterator[None]:
    """After every test: no stand-in reached any upstream, and a real key only reached its
    own provider's hosts, and only in a header or the query (never a body)."""
    yield
    for rec in list(upstream.requests):
        text = _recorded_text(rec)
        assert not find_standins(text), f"a stand-in reached {rec.hostname}{rec.route}"
        assert STANDIN_PREFIX not in text.lower()
        for provider, key in KEYS.items():
            if rec.hostname.lower() not in HOSTS[provider]:
                assert key not in text, f"the {provider} key reached {rec.hostname}"
            assert key not in rec.raw_body.decode("utf-8", "replace")
            assert key not in rec.body.decode("utf-8", "replace")


# --- keys set / env ----------------------------------------------------------------------


def test_keys_set_and_env_hand_out_standins_only(keyed: Keyed) -> None:
    for r, provider in zip(keyed.set_out, KEYS, strict=True):
        assert r.stdout.startswith(f"stored {provider} key ") and r.stderr == ""
        _assert_no_secret(r.stdout + r.stderr, f"`keys set {provider}` output")
    store = KeyStore()
    for provider in KEYS:
        standin = keyed.standins[provider]
        assert standin == store.standin_for(provider)
        assert re.fullmatch(rf"rp-standin-{provider}-[0-9a-f]{{24}}", standin)
        assert store.get(provider) == KEYS[provider]
    _assert_no_secret(keyed.env_out, "`redactproxy env` output")
    for shell in ("fish", "powershell"):
        r = _cli("env", "--shell", shell, "--port", "1", home=keyed.proxy.home)
        assert r.returncode == 0 and keyed.standins["openai"] in r.stdout
        _assert_no_secret(r.stdout + r.stderr, f"`env --shell {shell}` output")
    r = _cli("keys", "list")
    assert r.returncode == 0
    _assert_no_secret(r.stdout + r.stderr, "`keys list` output")
    assert STANDIN_PREFIX not in r.stdout


# --- the swap, per provider and header ---------------------------------------------------


def test_openai_sdk_with_standin(keyed: Keyed, upstream: FakeUpstream) -> None:
    client = keyed.proxy.openai(api_key=keyed.standins["openai"])
    r = client.chat.completions.create(model="gpt-4o", messages=[  # type: ignore[attr-defined]
        {"role": "user", "content": f"hello from {EMAIL}"}])
    assert r.choices[0].message.content == f"Echo: hello from {EMAIL}"
    assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['openai']}"]
    assert_absent(upstream.last().body, (EMAIL,))
    stream = client.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", stream=True, messages=[{"role": "user", "content": "streamed"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) \
        == "Echo: streamed"
    assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['openai']}"]


def test_anthropic_sdk_bearer_and_raw_x_api_key(keyed: Keyed, upstream: FakeUpstream) -> None:
    client = keyed.proxy.anthropic(api_key=keyed.standins["anthropic"])
    msg = client.messages.create(model=CLAUDE, max_tokens=100,  # type: ignore[attr-defined]
                                 messages=[{"role": "user", "content": f"hi {EMAIL}"}])
    assert "".join(b.text for b in msg.content if b.type == "text") == f"Echo: hi {EMAIL}"
    # anthropic 2.x sends the api_key as a bearer token
    assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['anthropic']}"]
    with keyed.proxy.client() as c:
        r = c.post(ANTHROPIC_MESSAGES, json=_anthropic("raw"), headers={
            "x-api-key": keyed.standins["anthropic"], "anthropic-version": "2023-06-01"})
    assert r.status_code == 200, r.text
    assert upstream.last().header_values("x-api-key") == [KEYS["anthropic"]]
    assert upstream.last().header_values("authorization") == []


def test_gemini_header_and_query_key(keyed: Keyed, upstream: FakeUpstream) -> None:
    with keyed.proxy.client() as c:
        r = c.post(GEMINI_GENERATE, json=_gemini(f"header {EMAIL}"),
                   headers={"x-goog-api-key": keyed.standins["gemini"]})
    assert r.status_code == 200, r.text
    assert _gemini_text(r.json()) == f"Echo: header {EMAIL}"
    assert upstream.last().header_values("x-goog-api-key") == [KEYS["gemini"]]
    assert "key" not in upstream.last().query

    url = f"{GEMINI_GENERATE}?key={keyed.standins['gemini']}"
    out = subprocess.run(
        ["curl", "-sS", "--fail-with-body", "--proxy", keyed.proxy.url, "--cacert",
         str(keyed.proxy.trust), "-H", "content-type: application/json",
         "--data-binary", json.dumps(_gemini(f"query {EMAIL}")), url],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()})
    assert out.returncode == 0, out.stdout + out.stderr
    assert _gemini_text(json.loads(out.stdout)) == f"Echo: query {EMAIL}"
    assert upstream.last().query["key"] == [KEYS["gemini"]]
    assert upstream.last().header_values("x-goog-api-key") == []


def test_custom_provider_standin(keyed: Keyed, upstream: FakeUpstream) -> None:
    with keyed.proxy.client() as c:
        r = c.post(RELAY_CHAT, json=_chat("via relay"),
                   headers={"authorization": f"Bearer {keyed.standins['relay']}"})
    assert r.status_code == 200, r.text
    assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['relay']}"]


# --- refusals ------------------------------------------------------------------------------

WRONG_HOST = [
    # (stand-in of, url, how it is sent, family of the refusal)
    ("openai", ANTHROPIC_MESSAGES, "bearer", "anthropic"),
    ("openai", DEEPSEEK_CHAT, "bearer", "openai"),
    ("anthropic", OPENAI_CHAT, "x-api-key", "openai"),
    ("anthropic", DEEPSEEK_CHAT, "bearer", "openai"),
    ("gemini", OPENAI_CHAT, "query", "openai"),
    ("gemini", DEEPSEEK_CHAT, "x-goog-api-key", "openai"),
    ("openai", GEMINI_GENERATE, "x-goog-api-key", "gemini"),
    ("relay", OPENAI_CHAT, "bearer", "openai"),
]


def _send_standin(c: httpx2.Client, url: str, how: str, standin: str) -> httpx2.Response:
    body = (_anthropic("x") if "anthropic" in url else _gemini("x") if "generative" in url
            else _chat("x"))
    headers = {"anthropic-version": "2023-06-01"}
    params = {}
    if how == "bearer":
        headers["authorization"] = f"Bearer {standin}"
    elif how == "query":
        params["key"] = standin
    else:
        headers[how] = standin
    return c.post(url, json=body, headers=headers, params=params)


def _assert_refusal(r: httpx2.Response, family: str, code: str) -> str:
    assert r.status_code == 403, r.text
    assert r.headers.get("x-redactproxy") == "refused"
    data = r.json()
    if family == "anthropic":
        assert data["type"] == "error" and data["error"]["type"] == "permission_error"
    elif family == "gemini":
        assert data["error"]["status"] == "PERMISSION_DENIED" and data["error"]["code"] == 403
    else:
        assert data["error"]["code"] == code and data["error"]["type"] == "redactproxy_error"
    message = data["error"]["message"]
    assert message.startswith("redactproxy: ")
    _assert_no_secret(r.text, "a refusal")
    assert not find_standins(r.text), "a refusal echoes the stand-in"
    return str(message)


@pytest.mark.parametrize("provider,url,how,family", WRONG_HOST)
def test_standin_sent_to_another_host_is_refused(keyed: Keyed, upstream: FakeUpstream,
                                                 provider: str, url: str, how: str,
                                                 family: str) -> None:
    with keyed.proxy.client() as c:
        r = _send_standin(c, url, how, keyed.standins[provider])
    message = _assert_refusal(r, family, "standin_wrong_host")
    host = httpx2.URL(url).host
    assert f"stand-in for provider {provider} sent to {host}" in message
    assert upstream.requests == []


def test_sdk_with_wrong_base_url_gets_permission_error(keyed: Keyed,
                                                       upstream: FakeUpstream) -> None:
    import anthropic
    import openai

    client = keyed.proxy.openai(api_key=keyed.standins["openai"],
                                base_url="https://api.deepseek.com")
    with pytest.raises(openai.PermissionDeniedError) as e:
        client.chat.completions.create(model="deepseek-chat",  # type: ignore[attr-defined]
                                       messages=[{"role": "user", "content": "x"}])
    assert "stand-in for provider openai sent to api.deepseek.com" in str(e.value)
    _assert_no_secret(str(e.value), "the SDK's error")
    wrong = keyed.proxy.anthropic(api_key=keyed.standins["openai"])
    with pytest.raises(anthropic.PermissionDeniedError) as e2:
        wrong.messages.create(model=CLAUDE, max_tokens=10,  # type: ignore[attr-defined]
                              messages=[{"role": "user", "content": "x"}])
    _assert_no_secret(str(e2.value), "the SDK's error")
    assert upstream.requests == []


def test_unknown_standin_and_standin_in_body_are_refused(keyed: Keyed,
                                                         upstream: FakeUpstream) -> None:
    stale = "rp-standin-openai-" + "0" * 24
    with keyed.proxy.client() as c:
        r = _send_standin(c, OPENAI_CHAT, "bearer", stale)
        assert "re-export the environment" in _assert_refusal(r, "openai", "standin_unknown")
        for standin in keyed.standins.values():
            r = c.post(OPENAI_CHAT, json=_chat(f"my key is {standin}"),
                       headers={"authorization": f"Bearer {keyed.standins['openai']}"})
            _assert_refusal(r, "openai", "standin_in_body")
        r = c.post(ANTHROPIC_MESSAGES, json=_anthropic(f"k={keyed.standins['anthropic']}"),
                   headers={"x-api-key": keyed.standins["anthropic"],
                            "anthropic-version": "2023-06-01"})
        _assert_refusal(r, "anthropic", "standin_in_body")
    assert upstream.requests == []


@pytest.mark.parametrize("query", ["{s}", "{s}=1", "alt=json&{s}"])
def test_standin_as_query_name_is_refused(keyed: Keyed, upstream: FakeUpstream,
                                          query: str) -> None:
    # Only header and query *values* are swapped; a stand-in anywhere else in the request
    # line would be forwarded verbatim, so it is refused.
    url = f"{OPENAI_CHAT}?{query.format(s=keyed.standins['openai'])}"
    with keyed.proxy.client() as c:
        r = c.post(url, json=_chat("x"),
                   headers={"authorization": f"Bearer {keyed.standins['openai']}"})
    assert "query name" in _assert_refusal(r, "openai", "standin_in_name")
    assert upstream.requests == []


def test_standin_in_url_path_is_refused(keyed: Keyed, upstream: FakeUpstream) -> None:
    s = keyed.standins["openai"]
    with keyed.proxy.client() as c:
        r = c.get(f"https://api.openai.com/v1/files/{s}/content",
                  headers={"authorization": f"Bearer {s}"})
    sent = [rec.path for rec in upstream.requests]
    upstream.clear()  # keep the autouse leak check for the tests that should pass
    assert not any(STANDIN_PREFIX in p for p in sent), "the stand-in reached the upstream"
    _assert_refusal(r, "openai", "standin_in_path")


def test_real_looking_key_is_left_as_is(keyed: Keyed, upstream: FakeUpstream) -> None:
    with keyed.proxy.client() as c:
        r = c.post(OPENAI_CHAT, json=_chat("x"), headers={"authorization": f"Bearer {OTHER_KEY}"})
        assert r.status_code == 200
        assert upstream.last().header_values("authorization") == [f"Bearer {OTHER_KEY}"]
        r = c.post(ANTHROPIC_MESSAGES, json=_anthropic("x"), headers={
            "x-api-key": OTHER_KEY, "anthropic-version": "2023-06-01"})
        assert r.status_code == 200
        assert upstream.last().header_values("x-api-key") == [OTHER_KEY]
        r = c.post(GEMINI_GENERATE, json=_gemini("x"), params={"key": OTHER_KEY})
        assert r.status_code == 200
        assert upstream.last().query["key"] == [OTHER_KEY]
        # the stored key itself, sent by a tool that had it, goes to its own host untouched
        r = c.post(OPENAI_CHAT, json=_chat("x"),
                   headers={"authorization": f"Bearer {KEYS['openai']}"})
        assert r.status_code == 200
        assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['openai']}"]


# --- a stored key pasted into a prompt ---------------------------------------------------


@pytest.mark.parametrize("provider", list(KEYS))
def test_stored_key_pasted_into_a_prompt_is_redacted(keyed: Keyed, upstream: FakeUpstream,
                                                     provider: str) -> None:
    text = f"here is the key {KEYS[provider]} for you"
    client = keyed.proxy.openai(api_key=keyed.standins["openai"])
    r = client.chat.completions.create(model="gpt-4o",  # type: ignore[attr-defined]
                                       messages=[{"role": "user", "content": text}])
    sent = upstream.last().json()["messages"][0]["content"]
    assert KEYS[provider] not in sent
    assert PLACEHOLDER.fullmatch(sent.split()[4]), sent
    assert r.choices[0].message.content == f"Echo: {text}"
    with keyed.proxy.client() as c:
        r2 = c.post(GEMINI_GENERATE, json=_gemini(text),
                    headers={"x-goog-api-key": keyed.standins["gemini"]})
    assert r2.status_code == 200
    assert KEYS[provider] not in upstream.last().body.decode()
    assert _gemini_text(r2.json()) == f"Echo: {text}"


# --- redactproxy run ------------------------------------------------------------------------

RUN_CLIENT = textwrap.dedent('''
    import json, os, sys, openai
    # No api_key argument: the SDK reads OPENAI_API_KEY, which `run` set to the stand-in.
    client = openai.OpenAI(max_retries=0)
    r = client.chat.completions.create(model="gpt-4o",
        messages=[{"role": "user", "content": sys.argv[1]}])
    print(json.dumps({"content": r.choices[0].message.content,
                      "key": os.environ["OPENAI_API_KEY"],
                      "anthropic": os.environ.get("ANTHROPIC_API_KEY")}))
''')


def test_run_child_uses_the_standin_from_the_environment(keyed: Keyed, upstream: FakeUpstream,
                                                         tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["OPENAI_API_KEY"] = OTHER_KEY  # a stale real key in the shell is replaced
    r = _cli("run", "--port", str(keyed.proxy.port), "--project", str(tmp_path), "--",
             sys.executable, "-c", RUN_CLIENT, f"run {EMAIL}", env=env, home=keyed.proxy.home)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"content": f"Echo: run {EMAIL}", "key": keyed.standins["openai"],
                   "anthropic": keyed.standins["anthropic"]}
    assert upstream.last().header_values("authorization") == [f"Bearer {KEYS['openai']}"]
    assert_absent(upstream.last().body, (EMAIL,))
    _assert_no_secret(r.stdout + r.stderr, "`run` output")


# --- nothing on disk or in any output ---------------------------------------------------------


def _traffic(pp: ProxyProcess, standins: dict[str, str]) -> list[str]:
    """Swaps for every provider, refusals, a pasted key and PII; returns response texts."""
    texts = []
    pii = f"mail {EMAIL} or {EMAIL2}, call {PHONE}, token {GITHUB}, aws {AWS}"
    with pp.client() as c:
        for url, how, provider, body in (
                (OPENAI_CHAT, "bearer", "openai", _chat(pii)),
                (ANTHROPIC_MESSAGES, "x-api-key", "anthropic", _anthropic(pii)),
                (ANTHROPIC_MESSAGES, "bearer", "anthropic", _anthropic(pii)),
                (GEMINI_GENERATE, "x-goog-api-key", "gemini", _gemini(pii)),
                (GEMINI_GENERATE, "query", "gemini", _gemini(pii)),
                (RELAY_CHAT, "bearer", "relay", _chat(pii))):
            headers = {"anthropic-version": "2023-06-01"}
            params = {}
            if how == "bearer":
                headers["authorization"] = f"Bearer {standins[provider]}"
            elif how == "query":
                params["key"] = standins[provider]
            else:
                headers[how] = standins[provider]
            r = c.post(url, json=body, headers=headers, params=params)
            assert r.status_code == 200, r.text
            texts.append(r.text)
        for provider, key in KEYS.items():
            r = c.post(OPENAI_CHAT, json=_chat(f"pasted {key} {EMAIL}"),
                       headers={"authorization": f"Bearer {standins['openai']}"})
            assert r.status_code == 200 and key in r.text  # restored for the client only
            for url, how in (("https://api.deepseek.com/chat/completions", "bearer"),
                             (OPENAI_CHAT, "query")):
                if provider == "openai" and url == OPENAI_CHAT:
                    continue
                r = _send_standin(c, url, how, standins[provider])
                assert r.status_code == 403
                texts.append(r.text)
    return texts


def test_real_key_appears_nowhere(keyed: Keyed, proxy_factory: Callable[..., ProxyProcess],
                                  upstream: FakeUpstream, secret_service: SecretService,
                                  tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = tmp_path / "project"
    project.mkdir()
    env_out = _cli("env", "--project", str(project), home=home)
    assert env_out.returncode == 0
    pp = proxy_factory(home=home, project=project, args=["--no-nlp"])
    texts = _traffic(pp, keyed.standins)
    sent = len(upstream.requests)
    assert sent == 6 + len(KEYS)
    assert pp.stop() == 0  # audit rows flushed, WAL merged
    export_file = tmp_path / "evidence.jsonl"
    runs = {"report": _cli("report", "--format", "json", home=home),
            "report export": _cli("report", "export", "--since", "1d", home=home),
            "report verify": _cli("report", "verify", home=home),
            "report export -o": _cli("report", "export", "--since", "1d", "-o",
                                     str(export_file), home=home)}
    for what, r in runs.items():
        assert r.returncode == 0, f"{what}: {r.stderr}"
        _assert_no_secret(r.stdout + r.stderr, f"`{what}` output")
    # a header line, then one line per request: forwarded and refused alike
    assert len(runs["report export"].stdout.splitlines()) == 1 + sent + len(texts) - 6
    _assert_no_secret(export_file.read_text(), "the exported evidence bundle")
    _assert_no_secret(env_out.stdout + env_out.stderr, "`env` output")
    _assert_no_secret(pp.output(), "the proxy's output")
    assert "standin_wrong_host" in pp.output() or "stand-in for provider" in pp.output()
    for text in texts:
        _assert_no_secret(text, "a refusal")
    files = [p for p in home.rglob("*") if p.is_file()]
    assert home / "audit.sqlite3" in files and home / "vault.sqlite3" in files
    for f in files:
        data = f.read_bytes()
        for provider, key in KEYS.items():
            assert key.encode() not in data, f"the {provider} key is in {f}"
            assert key.encode("utf-16-le") not in data, f"the {provider} key is in {f}"
    # the audit store itself, row by row (WAL merged after the clean stop)
    with sqlite3.connect(home / "audit.sqlite3") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = "\n".join(str(row) for t in tables for row in db.execute(f"SELECT * FROM {t}"))
    assert dump
    _assert_no_secret(dump, "the audit store")
    # and the keyring's own files are encrypted at rest
    for f in secret_service.keyring_dir.rglob("*"):
        if f.is_file():
            _assert_no_secret(f.read_bytes().decode("latin-1"), f"keyring file {f.name}")


def test_vault_and_secret_files_at_rest(keyed: Keyed, proxy_factory: Callable[..., ProxyProcess],
                                        upstream: FakeUpstream, tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = tmp_path / "project"
    project.mkdir()
    assert _cli("env", "--project", str(project), home=home).returncode == 0
    pp = proxy_factory(home=home, project=project, args=["--no-nlp"])
    _traffic(pp, keyed.standins)
    assert pp.stop() == 0
    vault = home / "vault.sqlite3"
    assert vault.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(vault) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] >= 5
    data = vault.read_bytes()
    for value in (EMAIL, EMAIL2, PHONE, GITHUB, AWS, *KEYS.values()):
        assert value.encode() not in data, f"{value[:4]}… is in the vault in clear"
    secret_files = [vault, home / "audit.sqlite3", home / "projects.json",
                    home / "mitmproxy" / "mitmproxy-ca.pem",
                    home / "mitmproxy" / "mitmproxy-ca.p12"]
    for f in secret_files:
        assert f.is_file(), f
        assert f.stat().st_mode & 0o777 == 0o600, f"{f.name} is {oct(f.stat().st_mode & 0o777)}"
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / "mitmproxy").stat().st_mode & 0o777 == 0o700
    leftovers = [f for f in home.rglob("*") if f.is_file() and f.stat().st_mode & 0o077
                 and f.suffix not in (".pem", ".p12", ".cer")]
    for f in leftovers:  # anything else readable by others must be public (or harness-made)
        assert f.name in ("ca-bundle.pem", "upstream-trust.pem", "trust.pem"), f
    for f in home.rglob("*"):
        if f.is_file() and "-ca." in f.name:
            assert f.stat().st_mode & 0o777 == 0o600, f


# --- no usable keyring ---------------------------------------------------------------------


def test_keys_set_without_keyring_fails_clearly(no_keyring_env: dict[str, str],
                                                tmp_path: Path) -> None:
    r = _cli("keys", "set", "openai", "--stdin", env=no_keyring_env, stdin=OTHER_KEY + "\n",
             home=tmp_path / "h")
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("redactproxy: no Secret Service: install gnome-keyring")
    assert "D-Bus session" in lines[0]
    assert OTHER_KEY not in r.stderr
    for args in (("keys", "list"), ("keys", "delete", "openai")):
        r = _cli(*args, env=no_keyring_env, home=tmp_path / "h")
        assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr
        assert r.stderr.startswith("redactproxy: no Secret Service")


def _start_without_keyring(no_keyring_env: dict[str, str],
                           proxy_factory: Callable[..., ProxyProcess],
                           home: Path) -> ProxyProcess:
    env = dict(no_keyring_env)
    env.pop("REDACTPROXY_HOME", None)
    return proxy_factory(home=home, env=env, args=["--no-nlp"])


NOTICE = "no usable OS keyring: the placeholder vault lives in memory only"


def test_start_without_keyring_uses_an_in_memory_vault(
        no_keyring_env: dict[str, str], proxy_factory: Callable[..., ProxyProcess],
        upstream: FakeUpstream, tmp_path: Path) -> None:
    home = tmp_path / "home"
    pp = _start_without_keyring(no_keyring_env, proxy_factory, home)
    with pp.client() as c:
        for _ in range(2):  # the in-memory vault keeps placeholders stable within the run
            r = c.post(OPENAI_CHAT, json=_chat(f"mail {EMAIL}"),
                       headers={"authorization": f"Bearer {OTHER_KEY}"})
            assert r.status_code == 200
            assert r.json()["choices"][0]["message"]["content"] == f"Echo: mail {EMAIL}"
    first, second = upstream.requests
    assert first.body == second.body
    assert_absent(second.body, (EMAIL,))
    assert second.header_values("authorization") == [f"Bearer {OTHER_KEY}"]
    assert pp.stop() == 0
    assert f"note: {NOTICE} and is lost on restart" in pp.lines
    assert not (home / "vault.sqlite3").exists()
    r = _cli("env", "--port", "1", "--project", str(tmp_path), env=no_keyring_env, home=home)
    assert r.returncode == 0 and STANDIN_PREFIX not in r.stdout


def test_in_memory_vault_notice_is_printed_exactly_once(
        no_keyring_env: dict[str, str], proxy_factory: Callable[..., ProxyProcess],
        tmp_path: Path) -> None:
    pp = _start_without_keyring(no_keyring_env, proxy_factory, tmp_path / "home")
    assert pp.stop() == 0
    assert sum(NOTICE in line for line in pp.lines) == 1, pp.output()
