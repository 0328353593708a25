"""Identify which AI API a request speaks, from its path and the host's provider.

The API decides where text lives in bodies and streams (``targets``, ``stream``); the
family decides the error format (``errors``). Unknown endpoints on AI hosts are ``generic``:
every string in their JSON is scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["API_NAMES", "Api", "gemini_model", "guess_family", "identify"]

API_NAMES = ("openai-chat", "openai-responses", "anthropic-messages", "gemini",
             "gemini-code-assist", "generic")


@dataclass(frozen=True, slots=True)
class Api:
    """An API and the family whose error format its host uses.

    Args:
        name: One of ``API_NAMES``.
        family: ``openai``, ``anthropic`` or ``gemini``.
    """

    name: str
    family: str


_GEMINI = re.compile(r"/models/[^/:]+:(?:stream)?[gG]enerateContent\b")
#: Gemini CLI signed in with Google: Code Assist wraps the Gemini request under ``request``
#: and each answer under ``response`` (cloudcode-pa.googleapis.com/v1internal:...).
_CODE_ASSIST = re.compile(r"/v1internal:(?:stream)?[gG]enerateContent$")


def identify(path: str, family: str = "openai") -> Api:
    """Return the API of a request.

    Args:
        path: Request path, query included.
        family: The host's provider protocol (``redactproxy.hosts.Provider.protocol``);
            decides the error format of ``generic`` endpoints.
    """
    bare = path.split("?", 1)[0].rstrip("/")
    if bare.endswith("/chat/completions"):
        return Api("openai-chat", "openai")
    if bare.endswith("/responses"):
        return Api("openai-responses", "openai")
    if bare.endswith("/messages") and (family == "anthropic" or "/v1/messages" in bare):
        return Api("anthropic-messages", "anthropic")
    if _GEMINI.search(bare):
        return Api("gemini", "gemini")
    if _CODE_ASSIST.search(bare):
        return Api("gemini-code-assist", "gemini")
    return Api("generic", family)


def guess_family(path: str) -> str:
    """The provider family a request to an unknown host (a relay, a gateway) most likely uses.

    Relays serve several families under one host, often behind a path prefix
    (``/anthropic/v1/messages``, ``/gemini/v1beta/models/...``), so the path decides:
    Anthropic's ``/messages``, Gemini's ``/models/<m>:<method>``, else OpenAI's shapes.

    Args:
        path: Request path, query included.
    """
    bare = path.split("?", 1)[0].rstrip("/").lower()
    if bare.endswith(("/messages", "/messages/count_tokens")) or "/anthropic/" in f"{bare}/":
        return "anthropic"
    if re.search(r"/models/[^/:]+:[a-z]+", bare) or "/gemini/" in f"{bare}/":
        return "gemini"
    return "openai"


def gemini_model(path: str) -> str | None:
    """The model named in a Gemini URL (``/v1beta/models/gemini-2.5-flash:generateContent``)."""
    m = re.search(r"/models/([^/:?]+)", path)
    return m.group(1) if m else None
