"""One flat hierarchy of redactproxy's errors; each message says what is wrong and where.

The CLI prints any ``RedactProxyError`` as ``redactproxy: <message>`` and exits 1.
Messages never contain a sensitive value, only names of rules, fields, files and lines.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DetectorError",
    "DetectorUnavailable",
    "KeyringUnavailable",
    "RedactProxyError",
    "RefusedRequest",
    "StoreError",
    "UnknownProject",
]


class RedactProxyError(Exception):
    """Base class of every error redactproxy raises on purpose."""


class ConfigError(RedactProxyError, ValueError):
    """A rule file, option or argument is invalid. The message names the file and line."""


class UnknownProject(ConfigError):
    """A proxy user name names no registered project (refused: its rules are unknown)."""


class DetectorError(RedactProxyError):
    """The detector failed; the request it was scanning must not be forwarded."""


class DetectorUnavailable(DetectorError):
    """The detector timed out, is still loading or restarting: a retry may succeed."""


class KeyringUnavailable(RedactProxyError):
    """No secure OS keyring backend is usable; the message says what to install or run."""


class StoreError(RedactProxyError):
    """A store under REDACTPROXY_HOME (vault, audit) cannot be read or written."""


class RefusedRequest(RedactProxyError):
    """A request is refused by policy or because it cannot be redacted safely.

    Args:
        message: Human-readable reason, naming the rule or field, never the value.
        status: HTTP status to answer with.
        code: Short machine-readable reason (``unparseable_body``, ``blocked_entity``...).
        retry: Whether a client may retry (sets ``x-should-retry`` for the SDKs).
    """

    def __init__(self, message: str, *, status: int = 400, code: str = "refused",
                 retry: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry = retry
