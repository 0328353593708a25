"""Pure parts of the relay policy: API family of unknown hosts, rule-file keys, reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from redactproxy.audit import StoredRequest
from redactproxy.config import load_project
from redactproxy.errors import ConfigError
from redactproxy.protocols.apis import guess_family, identify
from redactproxy.report import build_report, render_text


@pytest.mark.parametrize("path,family,api", [
    ("/v1/chat/completions", "openai", "openai-chat"),
    ("/openai/v1/responses", "openai", "openai-responses"),
    ("/v1/messages?beta=true", "anthropic", "anthropic-messages"),
    ("/api/anthropic/messages", "anthropic", "anthropic-messages"),
    ("/anthropic/v1/messages/count_tokens", "anthropic", "generic"),
    ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "gemini", "gemini"),
    ("/gemini/v1beta/files", "gemini", "generic"),
    ("/v1/embeddings", "openai", "generic"),
])
def test_guess_family_from_the_path(path: str, family: str, api: str) -> None:
    assert guess_family(path) == family
    assert identify(path, guess_family(path)).name == api
    assert identify(path, guess_family(path)).family == family


def test_rule_file_inspect_and_ignore_hosts(tmp_path: Path) -> None:
    (tmp_path / ".redactproxy.toml").write_text(
        '[proxy]\ninspect = "all"\nignore_hosts = ["relay.example.net", "*.corp.example"]\n')
    cfg = load_project(tmp_path, user_file=tmp_path / "none.toml")
    assert cfg.inspect == "all"
    assert cfg.ignore_hosts == ("relay.example.net", "*.corp.example")
    assert load_project(tmp_path / "..", user_file=tmp_path / "none.toml").inspect is None


@pytest.mark.parametrize("text,message", [
    ('[proxy]\n\ninspect = "everything"\n', '.redactproxy.toml:3: proxy.inspect: must be "ai" '
                                            'or "all"'),
    ('[proxy]\nignore_hosts = "x"\n', ".redactproxy.toml:2: proxy.ignore_hosts: must be a "
                                      "list of non-empty strings"),
])
def test_rule_file_errors_name_file_line_and_key(tmp_path: Path, text: str,
                                                 message: str) -> None:
    (tmp_path / ".redactproxy.toml").write_text(text)
    with pytest.raises(ConfigError) as e:
        load_project(tmp_path, user_file=tmp_path / "none.toml")
    assert str(e.value) == f"{tmp_path}/{message}"


def _row(row_id: int, host: str, provider: str | None, api: str | None, alerts: list[str],
         tokens: int = 0, findings: int = 0) -> StoredRequest:
    import json

    values = {"started": 1.7e9 + row_id, "project": "p", "host": host, "provider": provider,
              "api": api, "verdict": "passed", "model_requested": "gpt-4o",
              "model_served": "gpt-4o", "tokens_in": tokens, "tokens_out": 1,
              "alerts": json.dumps(alerts)}
    return StoredRequest(row_id, "0", "0", values,
                         [{"entity": "EMAIL_ADDRESS"} for _ in range(findings)])


def test_report_tallies_relays_and_filters_one() -> None:
    rows = [
        _row(1, "api.openai.com", "openai", "openai-chat", [], 10, 1),
        _row(2, "relay.example.net", None, "openai-chat",
             ["model substitution: requested gpt-4o, served gpt-4o-mini"], 50, 2),
        _row(3, "relay.example.net", None, "anthropic-messages",
             ["billing anomaly: 9000 prompt tokens billed for a 100-byte request "
              "(expected at most 575)"], 9000, 0),
        _row(4, "llm.internal.test", None, None, ["unlisted AI endpoint: ..."]),  # egress only
    ]
    rep = build_report(rows)
    assert list(rep.relays) == ["relay.example.net"]
    r = rep.relays["relay.example.net"]
    assert (r.requests, r.redactions, r.tokens_in, r.tokens_out) == (2, 2, 9050, 2)
    assert (r.model_substitutions, r.billing_anomalies, r.alerts) == (1, 1, 2)
    text = render_text(rep)
    assert "Relays (AI hosts no built-in provider owns)" in text
    one = build_report(rows, relay="relay.example.net")
    assert one.requests == 2 and set(one.by_host) == {"relay.example.net"}
    assert "relay relay.example.net" in render_text(one).splitlines()[0]
