"""Table tests of the stand-in swap: pure inputs in, decision and mutated headers/query out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from redactproxy.credentials import (
    ROTATE_AFTER,
    STANDIN_PREFIX,
    CredentialPolicy,
    Outcome,
    StoredKey,
    find_standins,
    fingerprint,
    make_standin,
    standin_env,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OPENAI_SI = "rp-standin-openai-0123456789abcdef01234567"
ANTHROPIC_SI = "rp-standin-anthropic-89abcdef0123456789abcdef"
GEMINI_SI = "rp-standin-gemini-fedcba9876543210fedcba98"
AZURE_SI = "rp-standin-azure-openai-00112233445566778899aabb"
RELAY_SI = "rp-standin-relay-aabbccddeeff001122334455"
KEYS = {
    "openai": "sk-test-Q7mZ2vR9xK4pL8nB3cF6",
    "anthropic": "sk-ant-test-W5tY1uI0oP9aS8dF",
    "gemini": "AIzaSy-test-G4hJ7kL2zX5cV8bN",
    "azure-openai": "azure-test-0f1e2d3c4b5a69788796",
    "relay": "sk-test-relay-M3nB6vC9xZ2",
}


def _stored(provider: str, standin: str, hosts: tuple[str, ...], header: str,
            key_query: str | None = None) -> StoredKey:
    return StoredKey(provider=provider, hosts=hosts, header=header,
                     env_var=provider.upper().replace("-", "_") + "_API_KEY", stored_at=NOW,
                     fingerprint=fingerprint(KEYS[provider]), standin=standin,
                     key_query=key_query)


STORED = [
    _stored("openai", OPENAI_SI, ("api.openai.com",), "authorization"),
    _stored("anthropic", ANTHROPIC_SI, ("api.anthropic.com",), "x-api-key"),
    _stored("gemini", GEMINI_SI, ("generativelanguage.googleapis.com",), "x-goog-api-key",
            key_query="key"),
    _stored("azure-openai", AZURE_SI, ("*.openai.azure.com",), "api-key"),
    _stored("relay", RELAY_SI, ("api.relay.example.org",), "authorization"),
]


def _policy(lookup: dict[str, str] | None = None) -> CredentialPolicy:
    table = KEYS if lookup is None else lookup
    return CredentialPolicy(STORED, table.get)


# host, headers in, query in, outcome, provider, headers out, query out
SWAPS = [
    ("api.openai.com", {"authorization": f"Bearer {OPENAI_SI}"}, {},
     Outcome.SWAPPED, "openai", {"authorization": f"Bearer {KEYS['openai']}"}, {}),
    ("API.OpenAI.com.", {"authorization": f"bearer {OPENAI_SI}"}, {},
     Outcome.SWAPPED, "openai", {"authorization": f"bearer {KEYS['openai']}"}, {}),
    ("api.anthropic.com", {"x-api-key": ANTHROPIC_SI, "anthropic-version": "2023-06-01"}, {},
     Outcome.SWAPPED, "anthropic",
     {"x-api-key": KEYS["anthropic"], "anthropic-version": "2023-06-01"}, {}),
    ("generativelanguage.googleapis.com", {"x-goog-api-key": GEMINI_SI}, {},
     Outcome.SWAPPED, "gemini", {"x-goog-api-key": KEYS["gemini"]}, {}),
    ("generativelanguage.googleapis.com", {}, {"key": GEMINI_SI, "alt": "sse"},
     Outcome.SWAPPED, "gemini", {}, {"key": KEYS["gemini"], "alt": "sse"}),
    ("myres.openai.azure.com", {"api-key": AZURE_SI}, {"api-version": "2024-10-21"},
     Outcome.SWAPPED, "azure-openai", {"api-key": KEYS["azure-openai"]},
     {"api-version": "2024-10-21"}),
    ("api.relay.example.org", {"authorization": f"Bearer {RELAY_SI}"}, {},
     Outcome.SWAPPED, "relay", {"authorization": f"Bearer {KEYS['relay']}"}, {}),
    # The client's header choice is kept: an OpenAI stand-in in x-api-key to OpenAI is fine.
    ("api.openai.com", {"x-api-key": OPENAI_SI}, {},
     Outcome.SWAPPED, "openai", {"x-api-key": KEYS["openai"]}, {}),
    # A real key is left as is; so is a request with no key at all.
    ("api.openai.com", {"authorization": "Bearer sk-test-real-already-there"}, {},
     Outcome.UNTOUCHED, None, {"authorization": "Bearer sk-test-real-already-there"}, {}),
    ("api.anthropic.com", {"content-type": "application/json"}, {},
     Outcome.UNTOUCHED, None, {"content-type": "application/json"}, {}),
    # No stand-in on a non-AI host: not ours to touch.
    ("example.org", {"authorization": "Bearer xyz"}, {"key": "v"},
     Outcome.UNTOUCHED, None, {"authorization": "Bearer xyz"}, {"key": "v"}),
]


@pytest.mark.parametrize(("host", "headers", "query", "outcome", "provider", "headers_out",
                          "query_out"), SWAPS)
def test_swap_table(host: str, headers: dict[str, str], query: dict[str, str],
                    outcome: Outcome, provider: str | None, headers_out: dict[str, str],
                    query_out: dict[str, str]) -> None:
    result = _policy().apply(host, headers, query)
    assert (result.outcome, result.provider) == (outcome, provider)
    assert (headers, query) == (headers_out, query_out)


# host, headers, query, code
REFUSALS = [
    # Stand-in sent to a host that is not its provider's.
    ("evil.example.org", {"authorization": f"Bearer {OPENAI_SI}"}, {}, "standin_wrong_host"),
    ("api.anthropic.com", {"authorization": f"Bearer {OPENAI_SI}"}, {}, "standin_wrong_host"),
    ("api.openai.com.evil.example", {"authorization": f"Bearer {OPENAI_SI}"}, {},
     "standin_wrong_host"),
    ("example.org", {}, {"key": GEMINI_SI}, "standin_wrong_host"),
    ("api.openai.com", {"x-custom-auth": RELAY_SI}, {}, "standin_wrong_host"),
    # One good and one bad stand-in: the whole request is refused, nothing is swapped.
    ("api.openai.com", {"authorization": f"Bearer {OPENAI_SI}", "x-api-key": ANTHROPIC_SI},
     {}, "standin_wrong_host"),
    # Unknown (deleted provider, stale env) or case-mangled stand-ins never go upstream.
    ("api.openai.com", {"authorization": "Bearer rp-standin-openai-ffffffffffffffffffffffff"},
     {}, "standin_unknown"),
    ("api.openai.com", {"authorization": "Bearer RP-STANDIN-OPENAI-0123456789ABCDEF01234567"},
     {}, "standin_unknown"),
    ("api.openai.com", {"authorization": f"Bearer {STANDIN_PREFIX}"}, {}, "standin_unknown"),
]


@pytest.mark.parametrize(("host", "headers", "query", "code"), REFUSALS)
def test_refusal_table(host: str, headers: dict[str, str], query: dict[str, str],
                       code: str) -> None:
    before = (dict(headers), dict(query))
    result = _policy().apply(host, headers, query)
    assert (result.outcome, result.code, result.status) == (Outcome.REFUSED, code, 403)
    assert (headers, query) == before, "a refused request must be left untouched"
    assert result.reason
    for secret in (*KEYS.values(), OPENAI_SI, ANTHROPIC_SI, GEMINI_SI, RELAY_SI, AZURE_SI):
        assert secret not in result.reason
    assert "rp-standin" not in result.reason.lower()


def test_refusal_reason_names_provider_and_host() -> None:
    result = _policy().apply("evil.example.org", {"authorization": f"Bearer {OPENAI_SI}"}, {})
    assert result.reason == ("stand-in for provider openai sent to evil.example.org, which is "
                             "not one of its hosts (api.openai.com)")
    assert result.locations == ("header:authorization",)


def test_key_deleted_since_start_is_refused() -> None:
    headers = {"authorization": f"Bearer {OPENAI_SI}"}
    result = _policy({}).apply("api.openai.com", headers, {})
    assert (result.outcome, result.code) == (Outcome.REFUSED, "key_missing")
    assert result.reason == "no stored key for provider openai: run `redactproxy keys set openai`"
    assert headers == {"authorization": f"Bearer {OPENAI_SI}"}


def test_lookup_failure_refuses_instead_of_raising() -> None:
    """mitmproxy logs a hook's exception and forwards the flow: the stand-in would leak."""

    def broken(provider: str) -> str | None:
        raise RuntimeError("D-Bus went away")

    headers = {"x-api-key": ANTHROPIC_SI}
    result = CredentialPolicy(STORED, broken).apply("api.anthropic.com", headers, {})
    assert (result.outcome, result.code) == (Outcome.REFUSED, "key_unavailable")
    assert result.reason == ("cannot read the key of provider anthropic from the OS keyring "
                             "(RuntimeError)")
    assert headers == {"x-api-key": ANTHROPIC_SI}


def test_header_and_query_swapped_together() -> None:
    headers, query = {"x-goog-api-key": GEMINI_SI}, {"key": GEMINI_SI}
    result = _policy().apply("generativelanguage.googleapis.com", headers, query)
    assert result.outcome is Outcome.SWAPPED
    assert result.locations == ("header:x-goog-api-key", "query:key")
    assert headers["x-goog-api-key"] == query["key"] == KEYS["gemini"]


def test_lookup_only_for_swapped_providers() -> None:
    asked: list[str] = []

    def lookup(provider: str) -> str | None:
        asked.append(provider)
        return KEYS.get(provider)

    CredentialPolicy(STORED, lookup).apply("api.anthropic.com", {"x-api-key": ANTHROPIC_SI}, {})
    CredentialPolicy(STORED, lookup).apply("evil.example.org", {"x-api-key": ANTHROPIC_SI}, {})
    assert asked == ["anthropic"]


def test_make_standin_shape_and_is_found() -> None:
    a, b = make_standin("openai"), make_standin("openai")
    assert a != b
    assert a.startswith("rp-standin-openai-") and len(a) == len("rp-standin-openai-") + 24
    assert find_standins(f"Bearer {a}, x") == [a]


@pytest.mark.parametrize(("key", "fp"), [
    ("sk-test-Q7mZ2vR9xK4pL8nB3cF6", fingerprint("sk-test-Q7mZ2vR9xK4pL8nB3cF6")),
])
def test_fingerprint_is_short_sha256_prefix(key: str, fp: str) -> None:
    import hashlib

    assert fp == hashlib.sha256(key.encode()).hexdigest()[:8]
    assert key not in fp and len(fp) == 8


def test_standin_env_maps_env_var_to_standin() -> None:
    assert standin_env(STORED[:2]) == {"ANTHROPIC_API_KEY": ANTHROPIC_SI,
                                       "OPENAI_API_KEY": OPENAI_SI}


@pytest.mark.parametrize(("age", "stale"), [
    (timedelta(days=0), False), (ROTATE_AFTER, False),
    (ROTATE_AFTER + timedelta(seconds=1), True), (timedelta(days=400), True),
])
def test_is_stale(age: timedelta, stale: bool) -> None:
    assert STORED[0].is_stale(NOW + age) is stale


def test_mitmproxy_multidicts_repeated_fields_all_checked() -> None:
    """The addon passes mitmproxy's Headers and query views, where a name can repeat."""
    from mitmproxy.test import tutils

    req = tutils.treq(host="evil.example.org", path=f"/v1?key=a&key={GEMINI_SI}".encode())
    result = _policy().apply(req.host, req.headers, req.query)
    assert (result.outcome, result.code) == (Outcome.REFUSED, "standin_wrong_host")
    assert req.path.endswith(GEMINI_SI)

    req = tutils.treq(host="generativelanguage.googleapis.com",
                      path=f"/v1?key=a&key={GEMINI_SI}".encode())
    req.headers.add("X-Goog-Api-Key", "first")
    req.headers.add("x-goog-api-key", GEMINI_SI)
    result = _policy().apply(req.host, req.headers, req.query)
    assert result.outcome is Outcome.SWAPPED
    assert req.query.get_all("key") == ["a", KEYS["gemini"]]
    assert req.headers.get_all("x-goog-api-key") == ["first", KEYS["gemini"]]
