"""Pure checks on what an AI API sent back, each returning alert strings for the user.

The addon runs them after redaction and restoration; they never change traffic, they only
add ``RequestRecord.alerts``. Alerts name a pattern, a model or a count, never text from the
exchange: a response has been restored by then and may hold the user's own secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from redactproxy.hosts import is_ai_host
from redactproxy.masking import safe_path

__all__ = [
    "AI_PATH_SUFFIXES",
    "DANGEROUS_PATTERNS",
    "DangerPattern",
    "billing_anomaly",
    "dangerous_text",
    "egress_check",
    "is_ai_shaped",
    "model_substitution",
]

# --- model substitution -------------------------------------------------------------------

# Version pins a provider appends to an alias: dates, "-latest", "-001", "@20240620", ":latest".
_VERSION_SUFFIX_RE = re.compile(
    r"(?:-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3})|-latest|:latest|-v\d+(?::\d+)?)$"
)
_MODEL_MAX = 80


def _clip(name: str) -> str:
    """Make an upstream-chosen model name printable and short."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= _MODEL_MAX else printable[:_MODEL_MAX] + "…"


def _split_model(name: str) -> tuple[str, str]:
    """Return ``(base, version)`` of a model id, ignoring case and ``models/``-like paths."""
    base = name.strip().lower().rsplit("/", 1)[-1].replace("@", "-")  # Vertex pins with @
    version = ""
    while m := _VERSION_SUFFIX_RE.search(base):
        if m.start() == 0:
            break
        version = m.group(0) + version
        base = base[: m.start()]
    return base, version


def model_substitution(requested: str | None, served: str | None) -> str | None:
    """Return an alert if the model that answered is not the one the client asked for.

    An alias and its pinned versions are the same model (``gpt-4o`` and
    ``gpt-4o-2024-08-06``, ``claude-sonnet-4-5`` and ``claude-sonnet-4-5-20250929``,
    ``models/gemini-1.5-pro`` and ``gemini-1.5-pro-002``); a different family or size
    (``gpt-4o`` and ``gpt-4o-mini``) or another version than the one pinned in the request
    (``gpt-4o-2024-05-13`` answered by ``gpt-4o-2024-08-06``) is a substitution.

    Args:
        requested: Model named in the request body or path, if any.
        served: Model named in the response, if any.
    """
    if not requested or not served:
        return None
    req_base, req_ver = _split_model(requested)
    srv_base, srv_ver = _split_model(served)
    unpinned = ("", "-latest", ":latest")
    if req_base == srv_base and (req_ver in unpinned or srv_ver in (*unpinned, req_ver)):
        return None
    return f"model substitution: requested {_clip(requested)}, served {_clip(served)}"


# --- billing --------------------------------------------------------------------------------

#: Prompt tokens allowed beyond the size estimate before alerting: ``factor * bytes/4 + slack``.
BILLING_FACTOR = 3
BILLING_SLACK = 500


def billing_anomaly(request_bytes: int, prompt_tokens: int | None, *,
                    server_state: bool = False) -> str | None:
    """Return an alert if far more prompt tokens were billed than the request can hold.

    About four bytes of JSON make a token, so a request can hardly cost more than
    ``3 * bytes / 4 + 500`` prompt tokens; more means hidden context was added upstream (a
    relay injecting prompts, or billing for someone else's traffic).

    Args:
        request_bytes: Size of the request body as sent upstream.
        prompt_tokens: Prompt (input) tokens the response reports, if any.
        server_state: True when the request continues a conversation kept by the server
            (``previous_response_id``, threads); its earlier turns count legitimately.
    """
    if prompt_tokens is None or server_state:
        return None
    limit = BILLING_FACTOR * max(request_bytes, 0) // 4 + BILLING_SLACK
    if prompt_tokens <= limit:
        return None
    return (f"billing anomaly: {prompt_tokens} prompt tokens billed for a "
            f"{request_bytes}-byte request (expected at most {limit})")


# --- dangerous text -----------------------------------------------------------------------


class DangerPattern(NamedTuple):
    """One kind of dangerous advice in a response.

    Args:
        id: Short kebab-case id.
        description: What the alert says, naming the pattern and not the text.
        regex: Compiled pattern; every repetition is bounded so a scan stays linear.
        negatable: If True, a match preceded by "never", "don't"... is advice against it.
        keywords: Lower-case substrings one of which every match contains; the regex runs
            only if one occurs (most answers hold none, so the check costs a few ``in`` tests).
    """

    id: str
    description: str
    regex: re.Pattern[str]
    negatable: bool = False
    keywords: tuple[str, ...] = ()


_SHELL = r"(?:sudo\s+(?:-\S+\s+){0,3})?(?:ba|z|k|da|fi)?sh\b"
_I = re.IGNORECASE
_CREDENTIAL = (r"(?:api[ _-]?keys?|passwords?|passphrases?|private[ _-]?keys?|secret[ _-]?keys?"
               r"|(?:seed|recovery|mnemonic)[ _-]?phrases?|mnemonic|access[ _-]?tokens?"
               r"|2fa codes?|one[ _-]?time (?:code|password)s?)")
_TO_ME = (r"(?:here|below|to me|with me|in (?:the|this) (?:chat|conversation)"
          r"|in your (?:next )?(?:reply|message|response)|so (?:that )?I can)")

DANGEROUS_PATTERNS: tuple[DangerPattern, ...] = (
    DangerPattern("curl-pipe-shell", "pipe-to-shell (curl … | sh)",
                  re.compile(rf"\bcurl\b[^\n|]{{0,300}}\|\s*{_SHELL}", _I), keywords=("curl",)),
    DangerPattern("wget-pipe-shell", "pipe-to-shell (wget -O- … | sh)",
                  re.compile(rf"\bwget\b[^\n|]{{0,300}}\|\s*{_SHELL}", _I), keywords=("wget",)),
    DangerPattern("download-pipe-iex", "pipe-to-PowerShell (iwr … | iex)",
                  re.compile(r"\b(?:iwr|irm|curl|wget|Invoke-WebRequest|Invoke-RestMethod)\b"
                             r"[^\n|]{0,300}\|\s*(?:iex|Invoke-Expression)\b", _I),
                  keywords=("iex", "invoke-expression")),
    DangerPattern("invoke-expression", "PowerShell Invoke-Expression",
                  re.compile(r"\bInvoke-Expression\b|\biex\s*\(\s*(?:New-Object|iwr|irm|\()",
                             _I), keywords=("iex", "invoke-expression")),
    DangerPattern("base64-pipe-shell", "decoded payload piped to a shell (base64 -d | sh)",
                  re.compile(rf"\bbase64\s+(?:-d|-D|--decode)\b[^\n|]{{0,100}}\|\s*{_SHELL}",
                             _I), keywords=("base64",)),
    DangerPattern("shell-process-substitution", "shell runs a download (bash <(curl …))",
                  re.compile(r"\b(?:ba|z|k)?sh\s+(?:<\(\s*|-c\s+[\"']?\$\(\s*)(?:curl|wget)\b",
                             _I), keywords=("curl", "wget")),
    DangerPattern("credential-request", "asks for a credential (API key, password, "
                  "private key or seed phrase)",
                  re.compile(rf"\b(?:(?:paste|send|share|give|tell|show|post|type|provide|enter)"
                             rf"\s+me\b[^\n.?!]{{0,30}}\b{_CREDENTIAL}\b"
                             rf"|(?:paste|send|share|give|provide|enter|type|post|reply with)\b"
                             rf"[^\n.?!]{{0,40}}\b{_CREDENTIAL}\b[^\n.?!]{{0,30}}\b{_TO_ME})",
                             _I),
                  negatable=True,
                  keywords=tuple(f"{a}{sep}{b}" for a, b in (
                      ("api", "key"), ("private", "key"), ("secret", "key"), ("seed", "phrase"),
                      ("recovery", "phrase"), ("mnemonic", "phrase"), ("access", "token"),
                      ("one", "time")) for sep in (" ", "_", "-", ""))
                  + ("password", "passphrase", "mnemonic", "2fa")),
)

_NEGATION_RE = re.compile(
    r"\b(?:never|not|don'?t|do not|doesn'?t|shouldn'?t|should not|avoid|won'?t|cannot|can'?t"
    r"|no need to)\b[^.!?\n]{0,20}$", _I)
_LOOKBACK = 40


def dangerous_text(text: str) -> list[str]:
    """Return one alert per kind of dangerous advice found in a response text.

    Pipe-to-shell installers, PowerShell ``Invoke-Expression`` and requests to paste a
    credential are what a compromised or manipulated model would say to take over a machine
    or an account. Advice against them ("never paste your API key here") is not flagged.

    Args:
        text: Response text (already restored); only pattern names leave this function.
    """
    alerts: list[str] = []
    low = text.lower()
    for p in DANGEROUS_PATTERNS:
        if p.keywords and not any(k in low for k in p.keywords):
            continue
        for m in p.regex.finditer(text):
            before = text[max(0, m.start() - _LOOKBACK): m.start()]
            if p.negatable and _NEGATION_RE.search(before):
                continue
            alerts.append(f"dangerous text: {p.description}")
            break
    return alerts


# --- egress -------------------------------------------------------------------------------

#: Path endings of requests that carry a prompt, whatever host they go to.
AI_PATH_SUFFIXES: tuple[str, ...] = (
    "/chat/completions", "/completions", "/embeddings", "/v1/messages",
    "/v1/messages/count_tokens", "/responses", ":generateContent",
    ":streamGenerateContent", ":countTokens",
)


def is_ai_shaped(path: str) -> bool:
    """True if ``path`` (query string allowed) looks like a call to an AI model API."""
    return safe_path(path).rstrip("/").endswith(AI_PATH_SUFFIXES)


def egress_check(host: str, path: str, extra_hosts: Iterable[str] = ()) -> str | None:
    """Return an alert for an AI-shaped request to a host nobody declared as an AI API.

    Such a request bypasses redaction (only known hosts are intercepted), so it is most
    likely a relay or a private endpoint that belongs in the rule files' ``[proxy] hosts``.

    Args:
        host: Request host.
        path: Request path, query string allowed (it is not echoed).
        extra_hosts: Host patterns declared in the rule files.
    """
    if not is_ai_shaped(path) or is_ai_host(host, tuple(extra_hosts)):
        return None
    return (f"unlisted AI endpoint: {_clip(host)}{safe_path(path)[:_MODEL_MAX]} looks like an "
            f"AI API; add it to [proxy] hosts to redact its traffic")
