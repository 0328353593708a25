"""Refusals in each provider's own error format, so SDKs print our message as an API error.

The one place that knows what an OpenAI, Anthropic or Gemini error body looks like.
"""

from __future__ import annotations

import json

__all__ = ["error_body", "error_headers"]

_GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                  404: "NOT_FOUND", 413: "INVALID_ARGUMENT", 500: "INTERNAL", 502: "UNAVAILABLE",
                  503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_ANTHROPIC_TYPE = {400: "invalid_request_error", 401: "authentication_error",
                   403: "permission_error", 404: "not_found_error",
                   413: "request_too_large", 500: "api_error", 502: "api_error",
                   503: "overloaded_error", 504: "api_error"}


def error_body(family: str, status: int, message: str, code: str) -> bytes:
    """Return the JSON error body for ``family`` (``openai``, ``anthropic``, ``gemini``).

    Args:
        family: Provider protocol family.
        status: HTTP status of the refusal.
        message: Reason, naming redactproxy, the rule or field; never a sensitive value.
        code: Short machine-readable reason.
    """
    text = message if message.startswith("redactproxy") else f"redactproxy: {message}"
    if family == "anthropic":
        body: dict[str, object] = {
            "type": "error",
            "error": {"type": _ANTHROPIC_TYPE.get(status, "api_error"), "message": text},
        }
    elif family == "gemini":
        body = {"error": {"code": status, "message": text,
                          "status": _GEMINI_STATUS.get(status, "FAILED_PRECONDITION")}}
    else:
        body = {"error": {"message": text, "type": "redactproxy_error", "param": None,
                          "code": code}}
    return json.dumps(body).encode()


def error_headers(retry: bool) -> dict[str, str]:
    """Headers of a refusal; ``x-should-retry`` tells the official SDKs whether to retry."""
    return {"content-type": "application/json",
            "x-should-retry": "true" if retry else "false",
            "x-redactproxy": "refused"}
