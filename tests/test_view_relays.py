"""Relays in the live view: header line, host badge, per-relay table with tokens and alerts."""

from __future__ import annotations

from rich.console import Console

from redactproxy.records import FindingRecord, RequestRecord
from redactproxy.view import HeaderInfo, LiveView, is_relay

T0 = 1_790_000_000.0


def _rec(i: str, host: str, provider: str | None, alerts: list[str]) -> RequestRecord:
    return RequestRecord(
        id=i, started=T0, method="POST", host=host, path="/v1/chat/completions",
        provider=provider, api="openai-chat", model_requested="gpt-4o",
        model_served="gpt-4o-mini" if alerts else "gpt-4o",
        findings=[FindingRecord("EMAIL_ADDRESS", "pii.email", "redact", "<EMAIL_ADDRESS_1>",
                                "j•••@e•••.org")],
        tokens_in=120, tokens_out=7, status=200, verdict="passed", alerts=alerts)


def test_relay_badge_header_and_table() -> None:
    console = Console(width=160, height=40, record=True, force_terminal=False)
    view = LiveView(console, header=HeaderInfo(
        listen=["127.0.0.1:8080"],
        relays=["relay relay.example.net (from OPENAI_BASE_URL in the environment)"]),
        auto_refresh=False)
    view.record_finished(_rec("1", "api.openai.com", "openai", []))
    view.record_finished(_rec("2", "relay.example.net", None,
                              ["model substitution: requested gpt-4o, served gpt-4o-mini"]))
    view.record_finished(_rec("3", "relay.example.net", None, []))
    console.print(view.get_renderable())
    text = console.export_text()
    assert "relays relay.example.net (from OPENAI_BASE_URL in the environment)" in text
    assert "relay.example.net relay" in text  # the badge in the host column
    assert "api.openai.com relay" not in text
    row = next(line for line in text.splitlines()
               if line.startswith("relay.example.net ") and "240/14" in line)
    assert row.split() == ["relay.example.net", "2", "240/14", "2", "1"]


def test_is_relay() -> None:
    assert is_relay(_rec("1", "relay.example.net", None, []))
    assert not is_relay(_rec("1", "api.openai.com", "openai", []))
    assert not is_relay(RequestRecord(id="e", host="llm.internal.test"))  # egress flag only
