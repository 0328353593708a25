"""Interception policy: which connections are decrypted, and which requests are AI calls.

One addon for one concern. It reads the project of each client from the proxy user name,
decides in ``tls_clienthello`` which TLS connections are decrypted (every other one is
tunnelled untouched, with the upstream's own certificate), and tells the redactor, through
``ai_call``, why a request is an AI call that must be scanned:

- ``gateway``: it came through an ``--upstream`` gateway. A user who names an upstream has
  said it is an AI endpoint, whatever its name (relay domain, IP address, localhost).
- ``listed``: a built-in AI host, a ``[proxy] hosts`` entry, or a stored key's ``--host``.
- ``discovered``: a relay found in the tools' configuration (``redactproxy.relays``).
- ``unlisted``: ``[proxy] inspect = "all"`` and the request looks like an AI API call
  (method and path); every other request on such hosts passes byte-identical.

Under ``inspect = "all"`` a client that rejects the proxy's certificate (pinning) gets a
plain tunnel to that host from then on, with one warning line. Hosts that are AI hosts by
any other reason never fall back: their clients fail closed instead.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mitmproxy import ctx, exceptions, http, tls
from mitmproxy.proxy.mode_specs import ReverseMode

from redactproxy.config import ProjectConfig
from redactproxy.errors import ConfigError
from redactproxy.hosts import ai_paths, host_matches, in_ai_paths, is_ai_host
from redactproxy.projects import project_id
from redactproxy.relays import Discovery, client_relays, discover
from redactproxy.safeguards import is_ai_shaped

__all__ = ["INSPECT_HINTS", "InterceptPolicy", "proxy_credentials"]

log = logging.getLogger("redactproxy")
#: Seconds a discovery result is reused before the tools' files are read again.
DISCOVERY_TTL = 30.0
#: Proxy passwords that carry an inspect choice: ``ai``/``all`` (``run --inspect``) or the
#: ``run`` default (``all`` unless the rule files say otherwise).
INSPECT_HINTS = ("ai", "all", "run")
_BODY_METHODS = ("POST", "PUT", "PATCH")


def proxy_credentials(header: str) -> tuple[str | None, str | None]:
    """User name (our project id) and password of a ``Proxy-Authorization: Basic`` header."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user or None, password or None


class InterceptPolicy:
    """Decide what is decrypted and what is scanned.

    Args:
        config: The configuration of a project id (None: the default project); raises
            ``ConfigError`` or ``UnknownProject`` when it cannot be loaded.
        key_hosts: Hosts stored keys are bound to (``keys set --host``).
        environ: Environment the proxy discovers relays from (default: its own).
        home: Home directory of the tools' user-level config files.
    """

    def __init__(self, config: Callable[[str | None], ProjectConfig],
                 key_hosts: Callable[[], Iterable[str]], *,
                 environ: Mapping[str, str] | None = None, home: Path | None = None) -> None:
        self._config = config
        self._key_hosts = key_hosts
        self.environ = os.environ if environ is None else environ
        self.home = home if home is not None else Path.home()
        self._clients: dict[str, tuple[str | None, str | None]] = {}
        self._discovered: dict[tuple[Path, str | None], tuple[float, Discovery]] = {}
        self.pinned: set[str] = set()
        self._warned: set[str] = set()
        self._prefixes: dict[int, str] = {}

    # --- what the rest of the proxy asks ---------------------------------------------------

    def project_of(self, client_id: str) -> str | None:
        """The project id a client named in its proxy user name, if any."""
        return self._clients.get(client_id, (None, None))[0]

    def discovery(self, pid: str | None, *, log_warnings: bool = True) -> Discovery:
        """Relays discovered for a project: the proxy's environment, the project's and the
        user's tool configs, and what ``env``/``run`` recorded for that project id.

        Each warning (an unparseable tool config) is logged once per process, unless the
        caller shows it itself (``log_warnings=False``).
        """
        try:
            cfg = self._config(pid)
        except ConfigError:
            return Discovery()
        key = (cfg.root, pid)
        now = time.monotonic()
        cached = self._discovered.get(key)
        if cached is not None and now - cached[0] < DISCOVERY_TTL:
            return cached[1]
        found = discover(self.environ, cfg.root, self.home)
        found.merge(client_relays(pid or project_id(cfg.root)))
        for warning in found.warnings:
            if warning not in self._warned and log_warnings:
                log.warning("relay discovery: %s", warning)
            self._warned.add(warning)
        self._discovered[key] = (now, found)
        return found

    def relay_hosts(self, pid: str | None) -> tuple[str, ...]:
        """Discovered hosts of a project minus its ``[proxy] ignore_hosts``."""
        try:
            ignore = self._config(pid).ignore_hosts
        except ConfigError:
            ignore = ()
        return self.discovery(pid).hosts(ignore)

    def relay_lines(self, pid: str | None) -> list[str]:
        """One line per discovered relay (with where found) and per discovery warning."""
        try:
            ignore = self._config(pid).ignore_hosts
        except ConfigError:
            ignore = ()
        found = self.discovery(pid, log_warnings=False)
        kept = set(found.hosts(ignore))
        return [line if f.host in kept else f"{line}, ignored by [proxy] ignore_hosts"
                for f, line in zip(found.found, found.lines(), strict=False)] + [
            f"warning: {w}" for w in found.warnings]

    def inspect_of(self, client_id: str, pid: str | None) -> str:
        """``ai`` or ``all`` for a client: ``run --inspect``, the rule files, the default."""
        hint = self._clients.get(client_id, (None, None))[1]
        if hint in ("ai", "all"):
            return hint
        try:
            configured = self._config(pid).inspect
        except ConfigError:
            configured = None
        if configured is not None:
            return configured
        return "all" if hint == "run" else "ai"

    def listed(self, host: str, pid: str | None) -> str | None:
        """``listed`` or ``discovered`` if ``host`` is an AI host for this project, else None.

        A broken rule file counts as listed: the request is then intercepted and refused
        with the reason, never tunnelled unscanned.
        """
        try:
            extra = self._config(pid).hosts
        except ConfigError:
            return "listed"
        if (is_ai_host(host, extra) or is_ai_host(host, tuple(self._key_hosts()))
                or ai_paths(host)):  # chatgpt.com: decrypted, its Codex paths are AI calls
            return "listed"
        if any(host_matches(host, h) for h in self.relay_hosts(pid)):
            return "discovered"
        return None

    def ai_call(self, flow: http.HTTPFlow) -> str | None:
        """Why ``flow`` is an AI call to scan (see the module docstring), or None to pass it."""
        if isinstance(flow.client_conn.proxy_mode, ReverseMode):
            return "gateway"
        pid = self.project_of(flow.client_conn.id)
        host = flow.request.pretty_host
        why = self.listed(host, pid)
        if why is not None and in_ai_paths(host, flow.request.path):
            return why
        if (self.inspect_of(flow.client_conn.id, pid) == "all"
                and flow.request.method in _BODY_METHODS and is_ai_shaped(flow.request.path)):
            return "unlisted"
        return None

    # --- hooks ---------------------------------------------------------------------------

    def load(self, loader: Any) -> None:
        loader.add_option(
            "redact_gateway_prefix", Sequence[str], [],
            "PORT=/prefix: the gateway listening on PORT forwards to its upstream under this "
            "path prefix (an --upstream URL with a path, https://relay.example/openai).")

    def configure(self, updated: set[str]) -> None:
        if "redact_gateway_prefix" in updated:
            prefixes: dict[int, str] = {}
            for item in ctx.options.redact_gateway_prefix:
                port, sep, prefix = item.partition("=")
                if not sep or not port.isdigit() or not prefix.startswith("/"):
                    raise exceptions.OptionsError(
                        f"redact_gateway_prefix {item!r}: expected PORT=/prefix")
                prefixes[int(port)] = prefix.rstrip("/")
            self._prefixes = prefixes

    def http_connect(self, flow: http.HTTPFlow) -> None:
        self._remember(flow)
        pid = self.project_of(flow.client_conn.id)
        try:
            cfg = self._config(pid)
        except ConfigError:
            return  # decided per request, where the refusal can carry the reason
        if any(host_matches(flow.request.host, h) for h in cfg.blocked_hosts):
            flow.response = http.Response.make(
                403, f"redactproxy: host {flow.request.host} is blocked for project "
                     f"{cfg.name}\n".encode(), {"content-type": "text/plain"})

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        # Addressed to us, never to the upstream (plain-HTTP proxy requests carry it).
        self._remember(flow)
        flow.request.headers.pop("proxy-authorization", None)
        if self._prefixes and isinstance(flow.client_conn.proxy_mode, ReverseMode):
            prefix = self._prefixes.get(flow.client_conn.sockname[1])
            if prefix:
                flow.request.path = prefix + flow.request.path
        if (flow.request.method in _BODY_METHODS and flow.request.stream is False
                and self.ai_call(flow) is None and self._inspected_only(flow)):
            flow.request.stream = True  # not an AI call: pass the body on as it comes

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None and not flow.response.stream and self._inspected_only(flow) \
                and "redactproxy" not in flow.metadata and self.ai_call(flow) is None:
            flow.response.stream = True  # byte-identical, without buffering downloads

    def client_disconnected(self, client: Any) -> None:
        self._clients.pop(client.id, None)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        if isinstance(data.context.client.proxy_mode, ReverseMode):
            return  # a gateway's own TLS (--tls-cert): its requests are all AI calls
        host = data.client_hello.sni or (data.context.server.address or ("",))[0]
        client = data.context.client.id
        pid = self.project_of(client)
        if self.listed(host, pid) is not None:
            return
        if self.inspect_of(client, pid) == "all" and host.lower() not in self.pinned:
            return
        data.ignore_connection = True

    def tls_failed_client(self, data: tls.TlsData) -> None:
        host = data.conn.sni or (data.context.server.address or ("",))[0]
        if not host or host.lower() in self.pinned:
            return
        pid = self.project_of(data.context.client.id)
        if self.listed(host, pid) is not None:
            return  # an AI host: never fall back to an unscanned tunnel
        self.pinned.add(host.lower())
        log.warning("%s rejected the proxy's certificate (pinning?); its connections are "
                    "tunnelled without inspection from now on", host)

    # --- helpers -------------------------------------------------------------------------

    def _remember(self, flow: http.HTTPFlow) -> None:
        header = flow.request.headers.get("proxy-authorization", "")
        if header:
            pid, password = proxy_credentials(header)
            if pid:
                choice = (password or "").partition(".")[0]  # <inspect>.<install secret>
                hint = choice if choice in INSPECT_HINTS else None
                self._clients[flow.client_conn.id] = (pid, hint)

    def _inspected_only(self, flow: http.HTTPFlow) -> bool:
        """True if this flow was decrypted only because of ``inspect = "all"``."""
        if isinstance(flow.client_conn.proxy_mode, ReverseMode):
            return False
        pid = self.project_of(flow.client_conn.id)
        return (self.inspect_of(flow.client_conn.id, pid) == "all"
                and self.listed(flow.request.pretty_host, pid) is None)
