"""The live view and the log line: exact pieces on a capture console, and no raw value."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console

from redactproxy.masking import context_snippet, mask_value
from redactproxy.records import FindingRecord, RequestRecord
from redactproxy.view import HeaderInfo, LiveView, LogLineSink

# Synthetic values only: reserved domain, 555-01xx phone, documented fake key shape.
RAW_EMAIL = "jane.doe@example.org"
RAW_KEY = "sk-proj-EXAMPLEexampleEXAMPLE0000a3F"
RAW_PHONE = "+1 202-555-0167"
T0 = 1_790_000_000.0


def finding(entity: str, raw: str, n: int, text: str = "") -> FindingRecord:
    """A finding built the way the addon builds it; the raw value only reaches hidden fields."""
    text = text or f"please contact {raw} before the review"
    start = text.index(raw)
    return FindingRecord(
        entity=entity, rule=f"pii.{entity.lower()}", action="redact",
        placeholder=f"<{entity}_{n}>", masked=mask_value(raw, entity),
        context=context_snippet(text, start, start + len(raw), entity=entity),
        value_hash=raw, field=f"messages[{n}].content",  # a raw value in a hidden field
    )


def sample_records() -> list[RequestRecord]:
    """Five realistic synthetic requests (also used to make docs/live-view.txt)."""
    return [
        RequestRecord(
            id="r1", started=T0, project="billing", client=RAW_EMAIL, method="POST",
            host="api.openai.com", path=f"/v1/chat/completions?key={RAW_KEY}",
            model_requested="gpt-4o", model_served="gpt-4o-2024-08-06",
            findings=[finding("EMAIL_ADDRESS", RAW_EMAIL, 1),
                      finding("EMAIL_ADDRESS", "ops@example.org", 2),
                      finding("PERSON", "Jane Doe", 1)],
            restored=3, streamed=True, status=200, ttfb_ms=312.4, total_ms=1840.2,
            tokens_in=1204, tokens_out=311, request_bytes=5200, verdict="passed"),
        RequestRecord(
            id="r2", started=T0 + 4, project="billing", method="POST",
            host="api.anthropic.com", path="/v1/messages?beta=true",
            model_requested="claude-sonnet-4-5", model_served="claude-sonnet-4-5-20250929",
            findings=[finding("OPENAI_API_KEY", RAW_KEY, 1,
                              f"export OPENAI_API_KEY={RAW_KEY}\nthen run the tests")],
            restored=0, streamed=True, status=200, ttfb_ms=655.0, total_ms=9120.0,
            tokens_in=48_210, tokens_out=1_022, request_bytes=49_000, verdict="passed"),
        RequestRecord(
            id="r3", started=T0 + 9, project="support", method="POST",
            host="api.openai.com", path="/v1/chat/completions",
            model_requested="gpt-4o", model_served="gpt-4o-mini",
            findings=[finding("PHONE_NUMBER", RAW_PHONE, 1)], restored=1, streamed=False,
            status=200, ttfb_ms=420.0, total_ms=433.0, tokens_in=96, tokens_out=40,
            request_bytes=900, verdict="passed",
            alerts=["model substitution: requested gpt-4o, served gpt-4o-mini"]),
        RequestRecord(
            id="r4", started=T0 + 15, project="support", method="POST",
            host="generativelanguage.googleapis.com",
            path="/v1beta/models/gemini-2.5-flash:generateContent",
            model_requested="gemini-2.5-flash",
            findings=[FindingRecord("PRIVATE_KEY", "secrets.pem-private-key", "block", None,
                                    "----•••---", "…deploy with -----•••--- and…")],
            verdict="refused", status=400, total_ms=3.1, request_bytes=3100,
            reason="blocked entity PRIVATE_KEY (rule secrets.pem-private-key)"),
        RequestRecord(
            id="r5", started=T0 + 21, project="billing", method="POST",
            host="api.mistral.ai", path="/v1/chat/completions",
            model_requested="mistral-large-latest", model_served="mistral-large-2411",
            restored=0, streamed=True, status=502, ttfb_ms=None, total_ms=30_004.0,
            request_bytes=700, verdict="upstream_error"),
    ]


HEADER = HeaderInfo(listen=["127.0.0.1:8080"], projects=["billing", "support"],
                    rule_packs=["secrets", "pii-en"], detector="loading", vault="persistent")


def make_view(height: int = 40) -> tuple[LiveView, Console]:
    console = Console(width=160, height=height, force_terminal=True, record=True,
                      file=io.StringIO())
    return LiveView(console, header=HEADER, auto_refresh=False), console


def render(view: LiveView, console: Console) -> str:
    console.print(view.get_renderable())
    return console.export_text()


def fill(view: LiveView) -> None:
    for rec in sample_records():
        view.record_started(rec)
        view.record_finished(rec)


def test_header_shows_listen_projects_rules_detector_vault_and_notices() -> None:
    view, console = make_view()
    view.set_detector_state("ready")
    view.set_vault("in-memory")
    view.notice("no keyring: vault in memory only")
    view.notice("no keyring: vault in memory only")
    out = render(view, console)
    assert "listening 127.0.0.1:8080" in out
    assert "projects billing, support" in out
    assert "rules secrets, pii-en" in out
    assert "detector ready" in out
    assert "vault in-memory" in out
    assert out.count("no keyring: vault in memory only") == 1


def test_rows_counts_and_verdicts() -> None:
    view, console = make_view()
    fill(view)
    out = render(view, console)
    lines = out.splitlines()
    row1 = next(line for line in lines if "api.openai.com" in line and "EMAIL" in line)
    assert "billing" in row1 and "EMAIL_ADDRESS×2 PERSON×1" in row1
    assert "gpt-4o → …-2024-08-06" in row1
    assert "yes" in row1 and "312" in row1 and "1,840" in row1 and "1,204/311" in row1
    assert "passed" in row1
    row4 = next(line for line in lines if "generativelanguage" in line)
    assert "PRIVATE_KEY×1" in row4 and "refused" in row4
    row5 = next(line for line in lines if "api.mistral.ai" in line)
    assert "upstream error" in row5 and "30,004" in row5 and "—/—" in row5
    assert "requests 5" in out and "redacted 6" in out and "blocked/refused 1" in out
    # newest first
    assert out.index("api.mistral.ai") < out.index("generativelanguage")


def test_substitution_is_marked_and_alerted() -> None:
    view, console = make_view()
    fill(view)
    out = render(view, console)
    assert "gpt-4o → gpt-4o-mini ⚠" in out
    assert "⚠ " in out and "model substitution: requested gpt-4o, served gpt-4o-mini" in out
    assert "refused: blocked entity PRIVATE_KEY (rule secrets.pem-private-key)" in out
    assert "claude-sonnet-4-5 → …-20250929" in out and "20250929 ⚠" not in out


def test_findings_show_masked_context_and_placeholders() -> None:
    view, console = make_view()
    fill(view)
    out = render(view, console)
    assert "latest findings" in out
    assert "please contact •••67 before the review" in out
    assert "export •••=sk-p•••a3F then run the tests" in out
    assert "<PHONE_NUMBER_1>" in out and "messages[1].content" in out


def test_no_raw_value_ever_appears() -> None:
    view, console = make_view()
    fill(view)
    out = render(view, console)
    for raw in (RAW_EMAIL, RAW_KEY, RAW_PHONE, "Jane Doe", "ops@example.org"):
        assert raw not in out
    assert "?key=" not in out


def test_rows_are_capped_to_the_terminal_height() -> None:
    view, console = make_view(height=20)
    for i in range(300):
        view.record_finished(RequestRecord(id=f"b{i}", started=T0 + i, host=f"h{i}.example.org",
                                           verdict="passed"))
    out = render(view, console)
    assert len(out.splitlines()) <= 20
    assert "h299.example.org" in out and "h200.example.org" not in out
    assert "requests 300" in out


def test_record_is_copied_so_later_mutation_does_not_race() -> None:
    view, console = make_view()
    rec = sample_records()[0]
    view.record_started(rec)
    rec.findings.append(FindingRecord("PERSON", "nlp.PERSON", "redact", "<PERSON_9>", "X•••"))
    rec.verdict = "blocked"
    out = render(view, console)
    row = next(line for line in out.splitlines() if "api.openai.com" in line)
    assert "<PERSON_9>" not in out and "passed" in row and "redacted 3" in out


def test_live_start_refresh_stop_leaves_cursor_visible() -> None:
    view, console = make_view()
    view.start()
    fill(view)
    view.refresh()
    view.stop()
    raw = console.file.getvalue()  # type: ignore[attr-defined]
    assert "api.mistral.ai" in raw
    assert raw.rstrip().endswith("\x1b[?25h")  # cursor shown again


def test_hooks_from_threads_while_rendering() -> None:
    view, console = make_view()
    stop = threading.Event()

    def feed(base: int) -> None:
        for i in range(200):
            rec = RequestRecord(id=f"{base}-{i}", host="api.openai.com", verdict="passed")
            view.record_started(rec)
            view.record_finished(rec)
        stop.set()

    threads = [threading.Thread(target=feed, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while not stop.is_set():
        view.get_renderable()
    for t in threads:
        t.join()
    assert "requests 800" in render(view, console)


def test_row_evicted_in_flight_is_counted_once() -> None:
    view, console = make_view()
    first = RequestRecord(id="first", host="api.openai.com", alerts=["model substitution: x"])
    view.record_started(first)
    for i in range(250):  # more than `keep` requests finish while `first` is in flight
        view.record_finished(RequestRecord(id=f"o{i}", host="api.openai.com",
                                           verdict="passed"))
    first.verdict = "passed"
    view.record_finished(first)
    out = render(view, console)
    assert "requests 251" in out and out.count("model substitution: x") == 1


@pytest.mark.parametrize("rec, expected", [
    (sample_records()[0],
     'ts=2026-09-21T14:13:20.000Z project=billing method=POST host=api.openai.com '
     'path=/v1/chat/completions model=gpt-4o served=gpt-4o-2024-08-06 verdict=passed '
     'status=200 streamed=yes ttfb_ms=312 total_ms=1840 tokens_in=1204 tokens_out=311 '
     'redacted=EMAIL_ADDRESS:2,PERSON:1 restored=3 alerts=-'),
    (sample_records()[2],
     'ts=2026-09-21T14:13:29.000Z project=support method=POST host=api.openai.com '
     'path=/v1/chat/completions model=gpt-4o served=gpt-4o-mini verdict=passed status=200 '
     'streamed=no ttfb_ms=420 total_ms=433 tokens_in=96 tokens_out=40 '
     'redacted=PHONE_NUMBER:1 restored=1 '
     'alerts="model substitution: requested gpt-4o, served gpt-4o-mini"'),
    (sample_records()[4],
     'ts=2026-09-21T14:13:41.000Z project=billing method=POST host=api.mistral.ai '
     'path=/v1/chat/completions model=mistral-large-latest served=mistral-large-2411 '
     'verdict=upstream_error status=502 streamed=yes ttfb_ms=- total_ms=30004 tokens_in=- '
     'tokens_out=- redacted=- restored=0 alerts=-'),
])
def test_log_line(rec: RequestRecord, expected: str) -> None:
    stream = io.StringIO()
    sink = LogLineSink(stream)
    sink.record_started(rec)
    assert stream.getvalue() == ""
    sink.record_finished(rec)
    assert stream.getvalue() == expected + "\n"


def test_log_line_quotes_and_escapes_untrusted_text() -> None:
    rec = RequestRecord(id="x", started=T0, host="relay.example.org", method="POST",
                        path="/v1/chat/completions", model_served='evil"\x1b[2J model',
                        reason="refused by rule secrets.generic", verdict="refused")
    line = LogLineSink.format(rec)
    assert 'served="evil\\"\\u001b[2J model"' in line
    assert "\x1b" not in line and line.endswith('reason="refused by rule secrets.generic"')


def test_log_line_never_holds_a_value() -> None:
    line = LogLineSink.format(sample_records()[0])
    for raw in (RAW_EMAIL, RAW_KEY, "Jane Doe"):
        assert raw not in line


def test_header_names_loaded_projects_and_packs_on_one_line() -> None:
    console = Console(width=80, height=20, force_terminal=True, record=True, file=io.StringIO())
    view = LiveView(console, header=HeaderInfo(listen=["http://127.0.0.1:8080 (forward proxy)"],
                                               projects=["/a/very/long/path/to/acme"]),
                    auto_refresh=False)
    view.set_projects(["acme", "support", "acme"], ["secrets", "pii", "secrets"])
    out = render(view, console)
    first, second = out.splitlines()[:2]
    assert "projects acme, sup" in first and "/a/very" not in out
    assert first.endswith("…")  # cut, not wrapped: the rows below are counted right
    assert second.startswith("requests 0")
    view.set_vault("persistent")
    assert "rules secrets, pii" in render(view, Console(width=200, record=True,
                                                        file=io.StringIO()))
