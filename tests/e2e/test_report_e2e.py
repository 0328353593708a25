"""``redactproxy report`` over the audit store a real proxy filled with known traffic.

A known mix goes through ``redactproxy start`` with the official SDKs: redactions of known
types to two hosts, billed prompt tokens set by the fake (``x-fake-prompt-tokens``) and one
model substitution. The report's figures must match exactly, ``report verify`` must pass,
then fail naming the row an attacker edited by hand (triggers dropped first, as they would),
and ``report export`` must hold no raw value.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.values import EMAIL, EMAIL2, GITHUB
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

PHONE = "202-555-0143"
RAW = (EMAIL, EMAIL2, GITHUB, PHONE, "555-0143", EMAIL.split("@")[0], GITHUB[4:20])
OPENAI, ANTHROPIC = "api.openai.com", "api.anthropic.com"
pytestmark = pytest.mark.filterwarnings(
    "ignore:The model .* is deprecated:DeprecationWarning")
SUBSTITUTION = "model substitution: requested gpt-4o, served gpt-4o-mini"


def cli(pp: ProxyProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m redactproxy ARGS`` on the proxy's home, as a user would."""
    env = {**os.environ, "REDACTPROXY_HOME": str(pp.home)}
    return subprocess.run([sys.executable, "-m", "redactproxy", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def assert_no_raw(text: str) -> None:
    for value in RAW:
        assert value not in text, f"a raw synthetic value was written out: {value[:6]}…"
        assert json.dumps(value)[1:-1] not in text


def wait_audited(pp: ProxyProcess, n: int, timeout: float = 10.0) -> None:
    """Wait until ``n`` requests are in the audit store (a stream is audited after its end)."""
    deadline = time.monotonic() + timeout
    count = -1
    while time.monotonic() < deadline:
        with sqlite3.connect(pp.home / "audit.sqlite3") as db:
            count = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        if count >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} requests audited, expected {n}")


def send_known_mix(pp: ProxyProcess) -> dict[tuple[str, str], list[int]]:
    """Send the mix; return ``{(host, model): [requests, tokens_in, tokens_out]}`` billed."""
    billed: dict[tuple[str, str], list[int]] = {}

    def bill(host: str, model: str, tin: int, tout: int) -> None:
        use = billed.setdefault((host, model), [0, 0, 0])
        use[0], use[1], use[2] = use[0] + 1, use[1] + tin, use[2] + tout

    oa = pp.openai()
    for text, tokens, served in (
            (f"Please email {EMAIL} and call {PHONE} about the renewal.", 120, None),
            (f"The CI token {GITHUB} stopped working.", 230, None),
            ("Summarise the release notes in three bullets.", 40, "gpt-4o-mini")):
        headers = {"x-fake-prompt-tokens": str(tokens)}
        if served:
            headers["x-fake-served-model"] = served
        r = oa.chat.completions.create(  # type: ignore[attr-defined]
            model="gpt-4o", messages=[{"role": "user", "content": text}],
            extra_headers=headers)
        assert r.usage.prompt_tokens == tokens and r.model == (served or "gpt-4o")
        bill(OPENAI, served or "gpt-4o", tokens, r.usage.completion_tokens)
    an = pp.anthropic()
    m = an.messages.create(  # type: ignore[attr-defined]
        model="claude-sonnet-4-5", max_tokens=100,
        messages=[{"role": "user", "content": f"Forward {EMAIL} to {EMAIL2}, thanks."}],
        extra_headers={"x-fake-prompt-tokens": "310"})
    assert m.usage.input_tokens == 310
    bill(ANTHROPIC, "claude-sonnet-4-5", 310, m.usage.output_tokens)
    # Streams: tokens come from the last events (OpenAI's usage chunk, Anthropic's deltas).
    chunks = list(oa.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream a haiku about proxies."}],
        extra_headers={"x-fake-prompt-tokens": "75"}))
    usage = chunks[-1].usage
    assert usage.prompt_tokens == 75
    bill(OPENAI, "gpt-4o", 75, usage.completion_tokens)
    with an.messages.stream(  # type: ignore[attr-defined]
            model="claude-sonnet-4-5", max_tokens=100,
            messages=[{"role": "user", "content": "Stream a limerick about audits."}],
            extra_headers={"x-fake-prompt-tokens": "64"}) as stream:
        final = stream.get_final_message()
    assert final.usage.input_tokens == 64
    bill(ANTHROPIC, "claude-sonnet-4-5", 64, final.usage.output_tokens)
    wait_audited(pp, 6)
    return billed


def test_report_verify_tamper_and_export(proxy_factory: Callable[..., ProxyProcess],
                                         upstream: FakeUpstream, tmp_path: Path) -> None:
    pp = proxy_factory()
    billed = send_known_mix(pp)

    r = cli(pp, "report", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert_no_raw(r.stdout)
    rep = json.loads(r.stdout)
    assert rep["requests"] == 6 and rep["redactions"] == 5
    assert rep["verdicts"] == {"passed": 6}
    assert rep["by_entity"] == {"EMAIL_ADDRESS": 3, "PHONE_NUMBER": 1, "GITHUB_TOKEN": 1}
    assert rep["by_host"] == {OPENAI: {"requests": 4, "redactions": 3},
                              ANTHROPIC: {"requests": 2, "redactions": 2}}
    assert rep["by_project"] == {pp.project.name: {"requests": 6, "redactions": 5}}
    assert sum(d["requests"] for d in rep["by_day"].values()) == 6
    tokens = {(t["host"], t["model"]): [t["requests"], t["tokens_in"], t["tokens_out"]]
              for t in rep["tokens"]}
    assert tokens == billed
    assert [(a["host"], a["alert"]) for a in rep["alerts"]] == [(OPENAI, SUBSTITUTION)]

    text = cli(pp, "report")
    assert text.returncode == 0 and "6 requests (passed 6), 5 redactions" in text.stdout
    assert_no_raw(text.stdout)

    r = cli(pp, "report", "verify")
    assert (r.returncode, r.stdout) == (0, "ok: 11 rows, chain intact\n"), r.stderr

    evidence = tmp_path / "evidence.jsonl"
    r = cli(pp, "report", "export", "--since", "1d", "-o", str(evidence))
    assert r.returncode == 0, r.stderr
    raw = evidence.read_text(encoding="utf-8")
    assert_no_raw(raw)
    lines = [json.loads(x) for x in raw.splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["chain"]["ok"] is True
    assert lines[0]["requests"] == 6 and len(lines) == 7
    assert sorted(f["entity"] for x in lines[1:] for f in x["findings"]) == [
        "EMAIL_ADDRESS", "EMAIL_ADDRESS", "EMAIL_ADDRESS", "GITHUB_TOKEN", "PHONE_NUMBER"]
    assert all(len(f["value_hash"]) == 16 for x in lines[1:] for f in x["findings"])

    # An attacker hides the substitution: drops the append-only trigger, rewrites the row.
    db = sqlite3.connect(pp.home / "audit.sqlite3")
    row_id, = db.execute("SELECT row_id FROM requests WHERE alerts != '[]'").fetchone()
    db.execute("DROP TRIGGER requests_no_update")
    db.execute("UPDATE requests SET model_served = 'gpt-4o', alerts = '[]' WHERE row_id = ?",
               (row_id,))
    db.commit()
    db.close()
    r = cli(pp, "report", "verify")
    assert r.returncode == 1
    assert f"row {row_id} (requests) was altered: hash mismatch" in r.stderr, r.stderr

    # The proxy keeps appending; the edited row is still named.
    pp.openai().chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", messages=[{"role": "user", "content": f"again {EMAIL2}"}])
    r = cli(pp, "report", "verify")
    assert r.returncode == 1 and f"row {row_id} (requests) was altered" in r.stderr

    r = cli(pp, "report", "export", "--since", "1d", "-o", str(evidence))
    assert r.returncode == 1 and "audit chain is broken" in r.stderr
    raw = evidence.read_text(encoding="utf-8")
    assert_no_raw(raw)
    assert json.loads(raw.splitlines()[0])["chain"]["ok"] is False


def test_writable_schema_tamper_is_named(proxy_factory: Callable[..., ProxyProcess],
                                         upstream: FakeUpstream) -> None:
    """The other way around the triggers: edit the schema itself, then delete a finding."""
    pp = proxy_factory()
    send_known_mix(pp)
    pp.stop()
    db = sqlite3.connect(pp.home / "audit.sqlite3")
    row_id, = db.execute("SELECT MIN(row_id) FROM findings WHERE entity = 'GITHUB_TOKEN'"
                         ).fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute("DELETE FROM sqlite_master WHERE type = 'trigger' AND name = "
               "'findings_no_delete'")
    db.execute("PRAGMA writable_schema = OFF")
    db.commit()
    db.close()
    db = sqlite3.connect(pp.home / "audit.sqlite3")  # a new connection reads the new schema
    db.execute("DELETE FROM findings WHERE row_id = ?", (row_id,))
    db.commit()
    db.close()
    r = cli(pp, "report", "verify")
    assert r.returncode == 1
    assert f"row {row_id} is missing (deleted?)" in r.stderr, r.stderr
    rep = json.loads(cli(pp, "report", "--format", "json").stdout)
    assert "GITHUB_TOKEN" not in rep["by_entity"]  # what the report alone cannot tell
