"""The list of AI hosts and host pattern matching."""

from __future__ import annotations

import pytest

from redactproxy.hosts import (
    ENDPOINTS,
    PROVIDERS,
    ai_paths,
    host_matches,
    in_ai_paths,
    is_ai_host,
    provider_for_host,
)


@pytest.mark.parametrize("host, pattern, ok", [
    ("api.openai.com", "api.openai.com", True),
    ("API.OpenAI.com.", "api.openai.com", True),
    ("xapi.openai.com", "api.openai.com", False),
    ("api.openai.com.example.org", "api.openai.com", False),
    ("res1.openai.azure.com", "*.openai.azure.com", True),
    ("a.b.openai.azure.com", "*.openai.azure.com", True),
    ("openai.azure.com", "*.openai.azure.com", False),
    ("evilopenai.azure.com", "*.openai.azure.com", False),
    ("us-central1-aiplatform.googleapis.com", "*-aiplatform.googleapis.com", True),
    ("aiplatform.googleapis.com", "*-aiplatform.googleapis.com", False),
    ("relay.example.org", "relay.*.org", True),
])
def test_host_matches(host, pattern, ok):
    assert host_matches(host, pattern) is ok


@pytest.mark.parametrize("host, name", [
    ("api.openai.com", "openai"), ("my.openai.azure.com", "azure-openai"),
    ("api.anthropic.com", "anthropic"), ("generativelanguage.googleapis.com", "gemini"),
    ("europe-west4-aiplatform.googleapis.com", "vertex"), ("openrouter.ai", "openrouter"),
    ("API.DEEPSEEK.COM", "deepseek"), ("cloudcode-pa.googleapis.com", "gemini-code-assist"),
    ("api.githubcopilot.com", "copilot"), ("api.individual.githubcopilot.com", "copilot"),
    ("api.business.githubcopilot.com", "copilot"),
])
def test_provider_for_host(host, name):
    p = provider_for_host(host)
    assert p is not None and p.name == name


@pytest.mark.parametrize("host", ["example.org", "anthropic.com", "googleapis.com",
                                  "www.openai.com", "api.anthropic.com.example.org"])
def test_not_ai_hosts(host):
    assert provider_for_host(host) is None
    assert not is_ai_host(host)


def test_extra_patterns():
    assert is_ai_host("relay.example.org", ["*.example.org"])
    assert is_ai_host("relay.example.org", ("relay.example.org",))
    assert not is_ai_host("relay.example.net", ["*.example.org"])


def test_provider_table_is_consistent():
    names = [p.name for p in PROVIDERS]
    assert len(names) == len(set(names))
    hosts = [h for p in PROVIDERS for h in p.hosts]
    assert len(hosts) == len(set(hosts))
    for p in PROVIDERS:
        assert p.protocol in ("openai", "anthropic", "gemini")
        assert p.name == p.name.lower() and (p.env_var == "" or p.env_var.isupper())
        assert all(h == h.lower() and not h.startswith("http") for h in p.hosts)


@pytest.mark.parametrize("host,path,ai", [
    ("chatgpt.com", "/backend-api/codex/responses", True),
    ("chatgpt.com", "/backend-api/codex/responses/compact", True),
    ("chatgpt.com", "/backend-api/plugins/featured", False),
    ("chatgpt.com", "/backend-api/codex", False),
    ("chatgpt.com", "/", False),
    ("api.openai.com", "/anything", True),  # not path-scoped: the whole host is AI
    ("example.org", "/backend-api/codex/responses", True),  # decided by interception
])
def test_path_scoped_endpoints(host, path, ai):
    assert in_ai_paths(host, path) is ai


def test_endpoint_hosts_are_not_whole_ai_hosts():
    for e in ENDPOINTS:
        for h in e.hosts:
            assert ai_paths(h) == e.paths
            assert not is_ai_host(h)  # the rest of the host is not an AI API
            assert all(p.startswith("/") and p.endswith("/") for p in e.paths)
