"""The AI providers redactproxy knows: their API hosts, wire protocol and auth header.

This is the one place that lists AI API hosts. Interception policy, key injection and the
``env`` command all read it. Relay platforms and private mirrors are added per user or
project through the rule files' ``[proxy] hosts``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

__all__ = ["ENDPOINTS", "PROVIDERS", "Endpoint", "Provider", "ai_paths", "host_matches",
           "in_ai_paths", "is_ai_host", "provider_for_host"]


@dataclass(frozen=True, slots=True)
class Provider:
    """One AI provider.

    Args:
        name: Short lower-case id used on the command line (``openai``).
        hosts: Host names or ``*.`` wildcard patterns of its API.
        protocol: Default wire protocol of its hosts (``openai``, ``anthropic``, ``gemini``).
        auth_header: Header carrying the key (``authorization`` means ``Bearer <key>``).
        env_var: Environment variable tools read the key from (empty: clients sign in with
            OAuth instead of a key).
        key_query: Query parameter some clients use for the key (Gemini's ``key``).
    """

    name: str
    hosts: tuple[str, ...]
    protocol: str
    auth_header: str
    env_var: str
    key_query: str | None = None


PROVIDERS: tuple[Provider, ...] = (
    Provider("openai", ("api.openai.com",), "openai", "authorization", "OPENAI_API_KEY"),
    Provider("azure-openai", ("*.openai.azure.com", "*.cognitiveservices.azure.com",
                              "*.services.ai.azure.com"), "openai", "api-key",
             "AZURE_OPENAI_API_KEY"),
    Provider("anthropic", ("api.anthropic.com",), "anthropic", "x-api-key", "ANTHROPIC_API_KEY"),
    Provider("gemini", ("generativelanguage.googleapis.com",), "gemini", "x-goog-api-key",
             "GEMINI_API_KEY", key_query="key"),
    Provider("vertex", ("*-aiplatform.googleapis.com", "aiplatform.googleapis.com"), "gemini",
             "authorization", "GOOGLE_VERTEX_TOKEN"),
    Provider("mistral", ("api.mistral.ai", "codestral.mistral.ai"), "openai", "authorization",
             "MISTRAL_API_KEY"),
    Provider("groq", ("api.groq.com",), "openai", "authorization", "GROQ_API_KEY"),
    Provider("deepseek", ("api.deepseek.com",), "openai", "authorization", "DEEPSEEK_API_KEY"),
    Provider("openrouter", ("openrouter.ai",), "openai", "authorization", "OPENROUTER_API_KEY"),
    Provider("together", ("api.together.xyz", "api.together.ai"), "openai", "authorization",
             "TOGETHER_API_KEY"),
    Provider("xai", ("api.x.ai",), "openai", "authorization", "XAI_API_KEY"),
    Provider("moonshot", ("api.moonshot.cn", "api.moonshot.ai"), "openai", "authorization",
             "MOONSHOT_API_KEY"),
    Provider("zhipu", ("open.bigmodel.cn", "api.z.ai"), "openai", "authorization",
             "ZHIPUAI_API_KEY"),
    Provider("dashscope", ("dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com"), "openai",
             "authorization", "DASHSCOPE_API_KEY"),
    Provider("siliconflow", ("api.siliconflow.cn", "api.siliconflow.com"), "openai",
             "authorization", "SILICONFLOW_API_KEY"),
    Provider("fireworks", ("api.fireworks.ai",), "openai", "authorization", "FIREWORKS_API_KEY"),
    Provider("perplexity", ("api.perplexity.ai",), "openai", "authorization",
             "PERPLEXITY_API_KEY"),
    Provider("cohere", ("api.cohere.com", "api.cohere.ai"), "openai", "authorization",
             "COHERE_API_KEY"),
    Provider("cerebras", ("api.cerebras.ai",), "openai", "authorization", "CEREBRAS_API_KEY"),
    Provider("baichuan", ("api.baichuan-ai.com",), "openai", "authorization",
             "BAICHUAN_API_KEY"),
    Provider("minimax", ("api.minimax.chat", "api.minimaxi.com", "api.minimax.io"), "openai",
             "authorization", "MINIMAX_API_KEY"),
    Provider("volcengine", ("ark.cn-beijing.volces.com",), "openai", "authorization",
             "ARK_API_KEY"),
    Provider("hunyuan", ("api.hunyuan.cloud.tencent.com",), "openai", "authorization",
             "HUNYUAN_API_KEY"),
    Provider("stepfun", ("api.stepfun.com",), "openai", "authorization", "STEPFUN_API_KEY"),
    Provider("yi", ("api.lingyiwanwu.com",), "openai", "authorization", "YI_API_KEY"),
    # Subscription sign-ins: Gemini CLI signed in with Google (Code Assist), GitHub Copilot.
    Provider("gemini-code-assist", ("cloudcode-pa.googleapis.com",), "gemini",
             "authorization", ""),
    Provider("copilot", ("api.githubcopilot.com", "api.*.githubcopilot.com",
                         "copilot-proxy.githubusercontent.com"), "openai", "authorization", ""),
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An AI API on a host that serves other things too: only ``paths`` are model requests.

    Args:
        name: Short id (``chatgpt-codex``).
        hosts: Host names or ``*.`` wildcard patterns.
        paths: Path prefixes of the API; the rest of the host passes through untouched.
        protocol: Wire protocol of the API (decides the error format of refusals).
    """

    name: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    protocol: str


ENDPOINTS: tuple[Endpoint, ...] = (
    # Codex CLI signed in with ChatGPT: Responses requests (SSE and WebSocket); the rest of
    # chatgpt.com is a website.
    Endpoint("chatgpt-codex", ("chatgpt.com", "chat.openai.com"), ("/backend-api/codex/",),
             "openai"),
)


def host_matches(host: str, pattern: str) -> bool:
    """True if ``host`` matches ``pattern`` (exact, or ``*.`` wildcard), case-insensitively."""
    host = host.lower().rstrip(".")
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) or fnmatch.fnmatchcase(host, pattern)
    if "*" in pattern:
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern


def provider_for_host(host: str) -> Provider | None:
    """Return the built-in provider serving ``host``, if any."""
    for p in PROVIDERS:
        if any(host_matches(host, h) for h in p.hosts):
            return p
    return None


def is_ai_host(host: str, extra: tuple[str, ...] | list[str] = ()) -> bool:
    """True if ``host`` is a built-in AI API host or matches one of ``extra`` patterns."""
    return provider_for_host(host) is not None or any(host_matches(host, h) for h in extra)


def ai_paths(host: str) -> tuple[str, ...]:
    """Path prefixes of the AI APIs on ``host`` when only those paths are AI (``ENDPOINTS``).

    Empty for every other host. Such a host is decrypted (the path is inside TLS) but only
    requests under these prefixes are redacted; the rest passes through untouched.
    """
    return tuple(p for e in ENDPOINTS if any(host_matches(host, h) for h in e.hosts)
                 for p in e.paths)


def in_ai_paths(host: str, path: str) -> bool:
    """False only for a request outside the AI paths of a host listed in ``ENDPOINTS``."""
    prefixes = ai_paths(host)
    return not prefixes or path.startswith(prefixes)
