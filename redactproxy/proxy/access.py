"""Per-developer access to a team gateway: a token where the API key goes, swapped for the key.

A gateway listening beyond loopback admits a request only if it carries an active
developer token (``redactproxy tokens create NAME``) in ``Authorization: Bearer``,
``x-api-key``, ``x-goog-api-key`` or the ``key`` query parameter. The token is replaced by
the team's real key (``REDACTPROXY_TEAM_KEY``; without it, by the stand-in of the key stored
for that host with ``redactproxy keys set``, which the main addon then swaps), and the
developer's name goes into ``flow.metadata`` for the audit record. Missing, unknown and
revoked tokens are refused in the provider's own error format; so is plain HTTP when the
gateway serves TLS. Runs before ``RedactProxy`` (add it first).

Usage: ``redactproxy start --listen-host 0.0.0.0 --no-forward --upstream URL``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader

from redactproxy.errors import StoreError
from redactproxy.hosts import provider_for_host
from redactproxy.protocols.apis import identify
from redactproxy.protocols.errors import error_body, error_headers
from redactproxy.proxy.offloop import off_loop
from redactproxy.records import RequestRecord
from redactproxy.stores.tokens import TOKEN_PREFIX, TokenStore

__all__ = ["DEVELOPER", "TEAM_KEY_ENV", "TeamAccess"]

log = logging.getLogger("redactproxy")

#: ``flow.metadata`` key holding the developer's name, read by the audit record.
DEVELOPER = "redactproxy_developer"
TEAM_KEY_ENV = "REDACTPROXY_TEAM_KEY"
_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")


class TeamAccess:
    """Check developer tokens and swap them for the team's key.

    Args:
        tokens: Opens the token store (shared with the other replicas) on first use.
        standin_for: Provider id → stand-in of its stored key, or None (keyring fallback).
    """

    def __init__(self, tokens: Callable[[], TokenStore], standin_for: Any = None) -> None:
        self._open_tokens = tokens
        self._tokens: TokenStore | None = None
        self.standin_for = standin_for
        self.required = False
        self.tls_only = False
        self._refused = 0

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "redact_require_tokens", bool, False,
            "Admit only requests carrying an active developer token where the API key goes "
            "(required when listening beyond loopback).")
        loader.add_option(
            "redact_tls_only", bool, False,
            "Refuse requests that did not arrive over TLS (set with --tls-cert).")

    def configure(self, updated: set[str]) -> None:
        self.required = ctx.options.redact_require_tokens
        self.tls_only = ctx.options.redact_tls_only

    async def request(self, flow: http.HTTPFlow) -> None:
        if not self.required or flow.response is not None:
            return
        req = flow.request
        if req.path.split("?", 1)[0] == "/healthz":
            return  # answered by the health addon, without credentials
        if self.tls_only and not flow.client_conn.tls_established:
            self._refuse(flow, 403, "this gateway accepts HTTPS only", "tls_required")
            return
        found = _find_token(req)
        if found is None:
            self._refuse(flow, 401, "a developer token is required where the API key goes "
                         "(ask for one: redactproxy tokens create NAME)", "token_missing")
            return
        where, token = found
        try:  # the token store may be a shared database: ask it beside the event loop
            name = await off_loop(self._developer, token)
        except StoreError as e:
            self._refuse(flow, 503, f"cannot check the developer token ({e}); the request was "
                         "not forwarded", "store_error")
            return
        if name is None:
            self._refuse(flow, 401, "unknown or revoked developer token", "token_invalid")
            return
        key = self._team_key(req.pretty_host)
        if key is None:
            self._refuse(flow, 503, f"the gateway holds no key for {req.pretty_host}: set "
                         f"{TEAM_KEY_ENV} or store one with `redactproxy keys set`",
                         "team_key_missing")
            return
        if where == "query":
            req.query["key"] = key
        else:
            req.headers[where] = req.headers[where].replace(token, key)
        flow.metadata[DEVELOPER] = name

    def _developer(self, token: str) -> str | None:
        if self._tokens is None:
            self._tokens = self._open_tokens()
        return self._tokens.developer(token)

    def _team_key(self, host: str) -> str | None:
        key = os.environ.get(TEAM_KEY_ENV)
        if key:
            return key
        provider = provider_for_host(host)
        if provider is None or self.standin_for is None:
            return None
        try:
            return self.standin_for(provider.name)
        except Exception:  # noqa: BLE001 - no keyring on this server: no key
            return None

    def _refuse(self, flow: http.HTTPFlow, status: int, message: str, code: str) -> None:
        """Answer in the provider's error format; the refusal is audited like any other."""
        req = flow.request
        provider = provider_for_host(req.pretty_host)
        api = identify(req.path, provider.protocol if provider else "openai")
        log.warning("redactproxy refused %s %s: %s", req.method, req.path.split("?", 1)[0],
                    message)
        flow.response = http.Response.make(status, error_body(api.family, status, message,
                                                              code), error_headers(False))
        self._refused += 1
        peer = flow.client_conn.peername
        # The main addon's ``response`` hook hands this record to the sinks (audit store).
        flow.metadata["redactproxy_record"] = RequestRecord(
            id=f"access-{self._refused}", method=req.method, host=req.pretty_host,
            path=req.path.split("?", 1)[0], api=api.name,
            provider=provider.name if provider else None, client=peer[0] if peer else "",
            verdict="refused", reason=f"redactproxy: {message}", status=status)


def _find_token(req: http.Request) -> tuple[str, str] | None:
    """``(header name or "query", token)`` of the first developer token in the request."""
    for name in _HEADERS:
        value = req.headers.get(name, "")
        for part in value.split():
            if part.startswith(TOKEN_PREFIX):
                return name, part
    key = req.query.get("key", "")
    if key.startswith(TOKEN_PREFIX):
        return "query", key
    return None
