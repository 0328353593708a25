"""The proxy answers only its owner: every client must show the per-install secret.

Any local process can connect to a loopback port, and a project id is a guessable slug, so
neither may open the vault. ``redactproxy env`` / ``run`` put the secret (``home.proxy_secret``,
a 0600 file) in the proxy URL's password: ``http://<project-id>:<secret>@127.0.0.1:8080``.
Forward-proxy clients without it get ``407 Proxy Authentication Required`` (CONNECT and
plain proxy requests); gateway clients (``start --upstream``, a base URL) send it in an
``X-Redactproxy-Token`` header, and get a 401 in their provider's error format without it.
Secrets are compared in constant time. ``start --allow-anonymous`` switches the check off.
A team gateway that admits developers by token (``redact_require_tokens``,
``redactproxy.proxy.access``) is not asked for the install secret, and ``/healthz`` on a
gateway needs none (``redactproxy.proxy.health``).

Usage: added by ``redactproxy start`` before the redaction addon (it must see
``Proxy-Authorization`` before that addon strips it).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import weakref
from collections.abc import MutableMapping

from mitmproxy import connection, ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import mode_specs

from redactproxy.errors import StoreError
from redactproxy.hosts import provider_for_host
from redactproxy.protocols.apis import identify
from redactproxy.protocols.errors import error_body, error_headers

__all__ = ["TOKEN_HEADER", "OwnerOnly", "proxy_password"]

#: Header gateway clients send the secret in (removed before forwarding).
TOKEN_HEADER = "X-Redactproxy-Token"
HOW = ('put the per-install secret in the proxy URL: eval "$(redactproxy env)" or '
       "redactproxy run -- CMD (gateway clients: an X-Redactproxy-Token header holding the "
       "file proxy-secret in redactproxy's data directory: $REDACTPROXY_HOME, or "
       "~/.local/share/redactproxy on Linux)")


def proxy_password(header: str) -> str | None:
    """The password of a ``Basic`` authorization header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return password if sep else None


class OwnerOnly:
    """Refuse clients that do not hold the per-install secret."""

    def __init__(self) -> None:
        self._secret: bytes | None = None
        self._tunnels: MutableMapping[connection.Client, bool] = weakref.WeakKeyDictionary()

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "redact_anonymous", bool, False,
            "Serve clients that do not show the per-install secret (the proxy URL's "
            "password, or an X-Redactproxy-Token header in gateway mode). Off by default: "
            "any local user can reach a loopback port.")

    def configure(self, updated: set[str]) -> None:
        if "redact_anonymous" in updated or self._secret is None:
            if ctx.options.redact_anonymous:
                self._secret = b""
                return
            from redactproxy.home import proxy_secret

            try:
                self._secret = proxy_secret().encode()
            except StoreError as e:
                raise exceptions.OptionsError(str(e)) from e

    def _holds_secret(self, value: str | None) -> bool:
        """True if ``value`` is the secret, or ends in ``.<secret>`` (the password may carry
        other settings before a dot; the secret itself has none)."""
        assert self._secret
        if value is None:
            return False
        return hmac.compare_digest(value.rpartition(".")[2].encode(), self._secret)

    def http_connect(self, flow: http.HTTPFlow) -> None:
        if not self._secret:
            return
        if self._holds_secret(proxy_password(flow.request.headers.get("proxy-authorization", ""))):
            self._tunnels[flow.client_conn] = True
        else:
            flow.response = _proxy_auth_required()

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if not self._secret or flow.is_replay or flow.client_conn in self._tunnels:
            return
        token = flow.request.headers.pop(TOKEN_HEADER, None)
        if isinstance(flow.client_conn.proxy_mode, mode_specs.ReverseMode):
            if (getattr(ctx.options, "redact_require_tokens", False)
                    or flow.request.path.split("?", 1)[0] == "/healthz"):
                return  # developer tokens guard a team gateway; health needs no secret
            if not self._holds_secret(token):
                flow.response = _gateway_refusal(flow)
        elif not self._holds_secret(
                proxy_password(flow.request.headers.get("proxy-authorization", ""))):
            flow.response = _proxy_auth_required()


def _proxy_auth_required() -> http.Response:
    return http.Response.make(
        407, f"redactproxy: proxy authentication required; {HOW}\n".encode(),
        {"Proxy-Authenticate": 'Basic realm="redactproxy"', "content-type": "text/plain"})


def _gateway_refusal(flow: http.HTTPFlow) -> http.Response:
    provider = provider_for_host(flow.request.pretty_host)
    api = identify(flow.request.path, provider.protocol if provider else "openai")
    message = f"redactproxy: this gateway needs the per-install secret; {HOW}"
    return http.Response.make(401, error_body(api.family, 401, message, "proxy_auth_required"),
                              error_headers(False))
