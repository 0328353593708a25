"""The mitmproxy addon: pick AI flows, call the core, report. Hooks only.

Interception policy (what is decrypted, which requests are AI calls) is its own addon,
``redactproxy.proxy.policy.InterceptPolicy``, nested here; routing for tests and mirrors
happens at name resolution,
redaction in ``request`` (fail closed: anything that cannot be scanned is refused in the
provider's own error format), restoration in ``responseheaders`` (streams) and
``response`` (whole bodies). Nothing here knows where text lives in a body or what a
placeholder looks like: that is the core's business.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader

from redactproxy.answer_hashes import AnswerHashes
from redactproxy.caps import caps_from_env
from redactproxy.codecs import decoder_for, encoder_for
from redactproxy.config import ProjectConfig
from redactproxy.credentials import CredentialPolicy, Outcome, find_standins
from redactproxy.detect.known import KnownSecrets
from redactproxy.detect.worker import DetectorPool
from redactproxy.errors import (
    ConfigError,
    DetectorError,
    DetectorUnavailable,
    KeyringUnavailable,
    RefusedRequest,
    StoreError,
    UnknownProject,
)
from redactproxy.finding_records import FindingRecords
from redactproxy.grants import Grant, Links, continued_ids, placeholders_in
from redactproxy.hosts import host_matches, provider_for_host
from redactproxy.jsonsplice import loads
from redactproxy.projects import ProjectSet
from redactproxy.protocols.answers import (
    StreamRewriter,
    answer_complete,
    asks_for_json,
    body_answer_texts,
    restore_json,
    stream_answer_texts,
)
from redactproxy.protocols.apis import Api, gemini_model, guess_family, identify
from redactproxy.protocols.errors import error_body, error_headers
from redactproxy.protocols.meta import Meta
from redactproxy.protocols.websocket import API as WS_API
from redactproxy.protocols.websocket import EventRestorer, websocket_kind
from redactproxy.proxy.offloop import off_loop
from redactproxy.proxy.policy import InterceptPolicy
from redactproxy.proxy.websocket import WS_META, WebSocketRedactor, WebSocketSession
from redactproxy.records import RecordSink, RequestRecord
from redactproxy.redact import Applied, BodyRedaction
from redactproxy.resolve import parse_resolve
from redactproxy.restore import restore_spans, restore_text
from redactproxy.safeguards import (
    billing_anomaly,
    dangerous_text,
    egress_check,
    model_substitution,
)
from redactproxy.toolguard import ToolGuard
from redactproxy.vault import Vault

__all__ = ["RedactProxy"]

log = logging.getLogger("redactproxy")
META = "redactproxy"
#: Seconds between re-reads of the stored keys (rotation, new providers) from the keyring.
KEYS_REFRESH = 60.0


class _FlowState:
    """What the addon remembers about one intercepted flow (in ``flow.metadata``)."""

    __slots__ = ("_answer", "_answer_len", "api", "json_text", "lookup", "meta", "record",
                 "restored", "rewriter", "scope", "server_state", "tools", "upstream")
    ANSWER_LIMIT = 1 << 20

    def __init__(self, api: Api, record: RequestRecord, scope: str, lookup: Grant) -> None:
        self.api = api
        self.record = record
        self.scope = scope
        #: The only lookup restorers get: the vault limited to what this request was given.
        self.lookup = lookup
        #: Decides what tool calls' arguments get (credentials by decision).
        self.tools = ToolGuard(lookup)
        self.meta = Meta()
        self.rewriter: StreamRewriter | None = None
        self.server_state = False
        self.json_text = False
        self._answer: list[str] = []
        self._answer_len = 0
        self.upstream = bytearray()  # the streamed answer as the provider sent it (1 MiB)
        self.restored = bytearray()  # the streamed answer as the client got it (1 MiB)

    def keep_answer(self, text: str) -> None:
        """Remember (up to 1 MiB of) the restored answer for the dangerous-answer check."""
        if self._answer_len < self.ANSWER_LIMIT:  # a running total: O(1) per streamed read
            self._answer.append(text[: self.ANSWER_LIMIT])
            self._answer_len += len(text)

    def answer_text(self) -> str:
        """The restored answer as seen by the client: a whole body with its JSON framing; a
        stream's channels (text, tool-call arguments, thinking) each joined, as the client
        assembles them (framed, a command streamed a few characters per event is in pieces).
        """
        if self.restored:
            raw = bytes(self.restored)
            texts = stream_answer_texts(self.api.name, raw, every_channel=True)
            return "\n".join(texts) if texts else raw.decode("utf-8", "replace")
        return "".join(self._answer)


class _StreamPipe:
    """``flow.response.stream`` callable: decompress, restore per SSE event, recompress.

    Called once per network read (often one SSE event): the plain, uncompressed read costs
    two bounded copies and the rewriter's byte scan, nothing else.
    """

    def __init__(self, rewriter: StreamRewriter, encoding: str, on_first: Callable[[], None],
                 restored: bytearray, upstream: bytearray):
        self._rewriter = rewriter
        self._upstream = upstream
        self._restored = restored
        self._dec = decoder_for(encoding)
        self._enc = encoder_for(encoding)
        self._coded = encoding.strip().lower() not in ("", "identity")
        self._on_first: Callable[[], None] | None = on_first
        self._broken = False

    def __call__(self, data: bytes) -> bytes | list[bytes]:
        if self._on_first is not None:
            self._on_first()
            self._on_first = None
        if self._broken:
            return data or b""
        try:
            if data:
                raw = self._dec.feed(data) if self._coded else data
                if len(self._upstream) < _FlowState.ANSWER_LIMIT:
                    self._upstream += raw
                plain = self._rewriter.feed(raw)
                if len(self._restored) < _FlowState.ANSWER_LIMIT:
                    self._restored += plain
                out = self._enc.feed(plain) if self._coded else plain
                return out if out else []  # [] holds back; b"" would end a chunked body
            tail = self._rewriter.feed(self._dec.finish()) + self._rewriter.finish()
            self._restored += tail
            return self._enc.feed(tail) + self._enc.finish()
        except Exception:  # noqa: BLE001 - keep the answer flowing, placeholders unrestored
            log.exception("stream restoration failed; passing the rest through unchanged")
            self._broken = True
            return data or b""


class RedactProxy:
    """Redact requests to AI APIs and restore their answers."""

    def __init__(self, sinks: Sequence[RecordSink] = (), *,
                 on_ready: Callable[[RedactProxy], None] | None = None,
                 vault: Any = None, vault_key: bytes | None = None,
                 links: Any = None) -> None:
        self.sinks: list[RecordSink] = list(sinks)
        # A shared vault and conversation links (PostgreSQL, ``redactproxy.stores``) and
        # the vault key, opened by `start`.
        self._shared_vault, self._shared_key = vault, vault_key
        self._shared_links = links
        self.on_ready = on_ready
        self.projects: ProjectSet | None = None
        self.worker: DetectorPool | None = None
        self.vault: Vault | None = None
        self.vault_notice: str | None = None
        self.links = Links()
        self.resolve: dict[tuple[str, int], tuple[str, int]] = {}
        self._ids = itertools.count(1)
        self._hash_key = b""
        self._records: FindingRecords | None = None
        self.credentials = CredentialPolicy([], lambda provider: None)
        self.key_hosts: tuple[str, ...] = ()
        self.stored_keys: list[str] = []
        self._keys_loaded = 0.0
        self.store_error: str | None = None
        self.caps = caps_from_env()  # `start` has checked it parses
        self.answers = AnswerHashes(self.caps.answers)
        self._no_nlp: dict[int, tuple[Any, Any]] = {}
        self.policy = InterceptPolicy(self._config, lambda: self.key_hosts)
        # mitmproxy calls nested addons' hooks after ours
        self.addons = [self.policy, WebSocketRedactor()]

    # --- options and lifecycle ---------------------------------------------------------

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "redact_project", str, "",
            "Project directory whose rule files (.redactproxy.toml) apply to requests that "
            "carry no project id in the proxy user name. Default: the current directory.")
        loader.add_option(
            "redact_resolve", Sequence[str], [],
            "Send HOST:PORT's traffic to ADDR:PORT, keeping Host and SNI (curl's --resolve "
            "syntax, HOST:PORT=ADDR:PORT). For tests and private mirrors.")
        loader.add_option(
            "redact_nlp", bool, True,
            "Run named-entity recognition (PERSON, LOCATION, NRP) on prose.")
        loader.add_option(
            "redact_timeout", float, 30.0,
            "Seconds a request may wait for its analysis before it is refused.")
        loader.add_option(
            "redact_persist", bool, True,
            "Keep the placeholder vault on disk, encrypted with a key from the OS keyring. "
            "Without a usable keyring the vault stays in memory.")

    def configure(self, updated: set[str]) -> None:
        if "redact_resolve" in updated:
            try:
                self.resolve = dict(parse_resolve(s) for s in ctx.options.redact_resolve)
            except ValueError as e:
                raise exceptions.OptionsError(str(e)) from e
        if self.vault is None or "redact_persist" in updated:
            self._open_vault(ctx.options.redact_persist)
        if updated & {"redact_project", "redact_nlp"} or self.projects is None:
            root = Path(ctx.options.redact_project or ".")
            projects = ProjectSet(root, nlp=ctx.options.redact_nlp, known=self._known_for)
            try:
                default = projects.load_default()
            except ConfigError as e:
                raise exceptions.OptionsError(str(e)) from e
            self.projects = projects
            if self.worker is not None:
                self.worker.close()
            self.worker = DetectorPool(default.spec, timeout=ctx.options.redact_timeout,
                                       cache_bytes=self.caps.findings)
            self.worker.start()
        elif "redact_timeout" in updated and self.worker is not None:
            self.worker.timeout = ctx.options.redact_timeout

    def _open_vault(self, persist: bool) -> None:
        from redactproxy.home import home_dir
        from redactproxy.keys import KeyStore

        if self._shared_vault is not None:
            self.vault = self._shared_vault
            if self._shared_links is not None:
                self.links = self._shared_links
            self._load_keys()
            assert self._shared_key is not None
            self._hash_key = hashlib.sha256(b"redactproxy-audit" + self._shared_key).digest()
            return
        try:
            key = KeyStore().vault_key() if persist else None
        except StoreError as e:
            raise exceptions.OptionsError(str(e)) from e
        self._load_keys()
        if key is None:
            self.vault = Vault()
            self.vault_notice = ("no usable OS keyring: the placeholder vault lives in memory "
                                 "only and is lost on restart" if persist else
                                 "vault persistence is off: placeholders are lost on restart")
            log.info("%s", self.vault_notice)  # `start` and the view say it once
        else:
            try:
                self.vault = Vault(home_dir() / "vault.sqlite3", key)
            except StoreError as e:
                raise exceptions.OptionsError(str(e)) from e
        try:  # server-side conversations outlive a restart exactly when the vault does
            self.links = Links(home_dir() / "links.sqlite3" if self.vault.persistent else None)
        except StoreError as e:
            raise exceptions.OptionsError(str(e)) from e
        # Keyed hashes let the audit store count repeats without keeping values; without a
        # keyring key they are keyed per process, so they cannot be guessed back.
        self._hash_key = (hashlib.sha256(b"redactproxy-audit" + key).digest() if key
                          else os.urandom(32))

    def _load_keys(self) -> None:
        """Read stored provider keys' metadata (for swapping) and values (known secrets)."""
        from redactproxy.keys import KeyStore

        store = KeyStore()
        self._keys_loaded = time.monotonic()
        try:
            stored = store.list()
            values = store.stored_key_values()
        except (KeyringUnavailable, StoreError):
            stored, values = [], []
        self.credentials = CredentialPolicy(stored, store.get)
        self.key_hosts = tuple(h for k in stored for h in k.hosts)
        if values != self.stored_keys:
            self.stored_keys = values
            if self.projects is not None:
                self.projects.invalidate()  # rebuild known secrets with the new keys

    def running(self) -> None:
        self._install_resolver()
        if self.on_ready is not None:
            self.on_ready(self)

    def done(self) -> None:
        if self.worker is not None:
            self.worker.close()
        if self.vault is not None:
            self.vault.close()
        self.links.close()

    def _known_for(self, root: Path) -> Any:
        """Known secrets of a project: its .env files, the user's credential files, stored keys."""
        known = KnownSecrets()
        known.add_env_files(root)
        known.add_credential_files(Path.home())
        for value in self.stored_keys:
            known.add(value, "keyring")
        return known if len(known) else None

    # --- connection policy -------------------------------------------------------------

    def _config(self, pid: str | None) -> ProjectConfig:
        assert self.projects is not None
        return self.projects.get(pid)

    def _blocked_host(self, host: str, cfg: ProjectConfig) -> bool:
        return any(host_matches(host, h) for h in cfg.blocked_hosts)

    def _install_resolver(self) -> None:
        """Route ``--resolve`` hosts at name resolution, in the proxy's event loop.

        The upstream connection keeps the real host name as its address, so Host, SNI and
        certificate checks are the real ones, and mitmproxy reuses kept-alive upstream
        connections (it only reuses a connection for the same address; rewriting the
        address in ``server_connect`` would open one per request).
        """
        loop = asyncio.get_running_loop()
        if getattr(loop, "_redactproxy_resolver", False):
            return
        original = loop.getaddrinfo

        async def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
            if isinstance(host, bytes):
                host = host.decode("idna")
            try:
                target = self.resolve.get((str(host).lower(), int(port)))
            except (TypeError, ValueError):
                target = None
            if target is not None:
                host, port = target
            return await original(host, port, *args, **kw)

        loop.getaddrinfo = getaddrinfo  # type: ignore[method-assign]
        loop._redactproxy_resolver = True  # type: ignore[attr-defined]

    # --- requests ----------------------------------------------------------------------

    async def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return
        pid = self.policy.project_of(flow.client_conn.id)
        host = flow.request.pretty_host
        why = self.policy.ai_call(flow)
        if why is None:
            self._egress(flow, pid)
            return
        provider = provider_for_host(host)
        api = identify(flow.request.path,
                       provider.protocol if provider else guess_family(flow.request.path))
        record = RequestRecord(id=f"{next(self._ids)}", method=flow.request.method, host=host,
                               path=flow.request.path.split("?", 1)[0], api=api.name,
                               provider=provider.name if provider else None,
                               client=f"{flow.client_conn.peername[0]}"
                               if flow.client_conn.peername else "",
                               developer=flow.metadata.get("redactproxy_developer"))
        if why == "unlisted":
            record.alerts.append(f"unlisted AI endpoint: {host} looks like an AI API; "
                                 "redacted because [proxy] inspect = \"all\"")
        try:
            cfg = self._config(pid)
            record.project = cfg.name
            scope = self.projects.default_id if pid is None else pid  # type: ignore[union-attr]
            state = _FlowState(api, record, scope, self._lookup(scope))
            state.tools = ToolGuard(state.lookup, cfg.tool_secrets, cfg.trusted_hosts)
            flow.metadata[META] = state
            self._check_blocked(flow, cfg)
            if self.store_error is not None and not await off_loop(self._store_recovered):
                raise StoreError(f"audit store unavailable ({self.store_error}); requests are "
                                 "refused until it can record them again")
            ws_kind = None
            if flow.request.headers.get("upgrade", "").lower() == "websocket":
                ws_kind = websocket_kind(flow.request.path)
            if flow.request.headers.get("upgrade", "").lower() == "websocket" and not ws_kind:
                # 426, not 403: clients such as Codex CLI fall back to HTTPS at once on 426
                # but retry a 403 several times first.
                raise RefusedRequest("this WebSocket API cannot be scanned by redactproxy, so "
                                     "the upgrade was refused; use the HTTPS API",
                                     status=426, code="unscannable_websocket")
            if time.monotonic() - self._keys_loaded > KEYS_REFRESH:
                self._load_keys()  # keys set, rotated or deleted while we run
            swap = self.credentials.apply(host, flow.request.headers, flow.request.query)
            if swap.outcome is Outcome.REFUSED and swap.code == "standin_unknown":
                self._load_keys()  # a provider stored since start-up: look again, once
                swap = self.credentials.apply(host, flow.request.headers, flow.request.query)
            if swap.outcome is Outcome.REFUSED:
                raise RefusedRequest(swap.reason or "stand-in key refused",
                                     status=swap.status or 403,
                                     code=swap.code or "standin_refused")
            if find_standins(flow.request.path):
                raise RefusedRequest(f"the URL path for host {host} holds a redactproxy "
                                     "stand-in; stand-ins are only swapped in header and query "
                                     "values", status=403, code="standin_in_path")
            await self._redact(flow, cfg, state)
            if ws_kind:
                flow.metadata[WS_META] = self._websocket_session(cfg, state, ws_kind)
        except RefusedRequest as e:
            self._refuse(flow, api, record, e)
        except DetectorUnavailable as e:
            self._refuse(flow, api, record, RefusedRequest(
                f"{e}; the request was not forwarded", status=503, code="detector_unavailable",
                retry=True))
        except DetectorError as e:
            self._refuse(flow, api, record, RefusedRequest(
                f"{e}; the request was not forwarded", status=500, code="detector_failed"))
        except UnknownProject as e:
            self._refuse(flow, api, record, RefusedRequest(str(e), status=403,
                                                           code="unknown_project"))
        except ConfigError as e:
            self._refuse(flow, api, record, RefusedRequest(
                f"rule file error: {e}", status=500, code="config_error"))
        except StoreError as e:
            self._refuse(flow, api, record, RefusedRequest(
                f"store error: {e}", status=500, code="store_error"))
        except Exception as e:  # noqa: BLE001 - fail closed, never forward unscanned
            log.exception("redaction failed")
            self._refuse(flow, api, record, RefusedRequest(
                f"internal error while redacting ({type(e).__name__}); the request was not "
                "forwarded", status=500, code="internal_error"))
        else:
            record.verdict = "passed"
        self._emit("record_started", record)

    def _store_recovered(self) -> bool:
        """Ask the evidence store whether it works again (a cheap check; store thread)."""
        for sink in self.sinks:
            if isinstance(sink, _Evidence):
                try:
                    sink.check()
                except StoreError as e:
                    self.store_error = str(e)
                    return False
        self.store_error = None
        return True

    def _egress(self, flow: http.HTTPFlow, pid: str | None) -> None:
        """An AI-shaped request to a host we do not intercept: flag it, or refuse it."""
        try:
            cfg = self._config(pid)
        except ConfigError:
            return
        alert = egress_check(flow.request.pretty_host, flow.request.path, cfg.hosts)
        if alert is None:
            return
        record = RequestRecord(id=f"{next(self._ids)}", method=flow.request.method,
                               host=flow.request.pretty_host, project=cfg.name,
                               path=flow.request.path.split("?", 1)[0], alerts=[alert])
        if cfg.egress == "block":
            self._refuse(flow, Api("generic", "openai"), record, RefusedRequest(
                f"{alert} (refused by [proxy] egress = \"block\")", status=403,
                code="blocked_egress"))
        else:
            record.verdict = "passed"
            flow.metadata["redactproxy_record"] = record
        self._emit("record_started", record)

    def _check_blocked(self, flow: http.HTTPFlow, cfg: ProjectConfig) -> None:
        host = flow.request.pretty_host
        if self._blocked_host(host, cfg):
            raise RefusedRequest(f"host {host} is blocked for project {cfg.name}", status=403,
                                 code="blocked_host")
        path = flow.request.path
        for prefix in cfg.blocked_paths:
            target = f"{host}{path}" if not prefix.startswith("/") else path
            if target.startswith(prefix):
                raise RefusedRequest(f"path {path.split('?', 1)[0]} on {host} is blocked by "
                                     f"blocked_paths '{prefix}'", status=403,
                                     code="blocked_path")

    def _lookup(self, scope: str) -> Grant:
        """The vault lookup for ``scope``, granting nothing until the request is redacted."""
        vault = self.vault
        assert vault is not None
        # A shared vault answers from memory here (restoration runs on the event loop);
        # `_grant` reads the request's placeholders into that memory beforehand.
        lookup = getattr(vault, "cached", vault.lookup)
        return Grant(lambda placeholder: lookup(scope, placeholder))

    def _grant(self, state: _FlowState, doc: Any, texts: list[str],
               applied: list[Applied]) -> None:
        """Grant the answer what the proxy wrote into this request (and the server-side
        conversation it continues); flag placeholder-shaped text the client typed itself."""
        grant, scope = state.lookup, state.scope
        written = {a.replacement for a in applied
                   if a.replacement and a.finding.action == "redact"}
        previous, conversation = continued_ids(doc)
        grant.allowed |= written | self.links.get(scope, (i for i in (previous, conversation)
                                                          if i))
        grant.typed = placeholders_in(texts) - written
        fetch = getattr(self.vault, "fetch", None)
        if fetch is not None:  # values another replica numbered: read them now, not mid-stream
            try:  # and held by the grant, whatever the shared vault's cache drops meanwhile
                grant.pin(fetch(scope, grant.allowed | grant.typed))
            except StoreError as e:
                log.warning("placeholders not restored: %s", e)
        if conversation:  # a `conversation` grows turn by turn; responses link on answer
            self.links.add(scope, conversation, grant.allowed)
        sent = grant.known(grant.typed)
        if sent:
            state.record.alerts.append(
                f"client sent placeholder {', '.join(sent)} itself: forwarded as typed, "
                "never restored")

    async def _redact(self, flow: http.HTTPFlow, cfg: ProjectConfig, state: _FlowState) -> None:
        req = flow.request
        record = state.record
        try:
            body = req.get_content(strict=True) or b""
        except ValueError as e:
            raise RefusedRequest(f"cannot decode the request body ({e})",
                                 code="undecodable_body") from None
        record.request_bytes = len(body)
        if state.api.name == "gemini":
            record.model_requested = gemini_model(req.path)
        if req.stream:
            raise RefusedRequest("streamed request bodies cannot be scanned",
                                 code="unscannable_body")
        if not body.strip():
            return
        try:
            text = body.decode("utf-8")
            doc = loads(text)
        except ValueError as e:
            where = str(e).split(":")[-1].strip() if isinstance(e, UnicodeDecodeError) else e
            ctype = req.headers.get("content-type", "no content-type").split(";")[0]
            raise RefusedRequest(f"request body is not valid JSON ({ctype}: {where}); it "
                                 "cannot be scanned, so it was not forwarded",
                                 code="unparseable_body") from None
        if find_standins(text):
            raise RefusedRequest("the body holds a redactproxy stand-in key; stand-ins never "
                                 "leave the machine", status=403, code="standin_in_body")
        if isinstance(doc, dict) and isinstance(doc.get("model"), str):
            record.model_requested = doc["model"]
        state.server_state = isinstance(doc, dict) and bool(doc.get("previous_response_id"))
        state.json_text = asks_for_json(doc)
        new_text = await self._redact_json(cfg, state, text, doc, state.api.name)
        if new_text != text:
            req.set_content(new_text.encode("utf-8"))

    async def _redact_json(self, cfg: ProjectConfig, state: _FlowState, text: str, doc: Any,
                           api_name: str) -> str:
        """Redact one parsed JSON text (a body or a WebSocket message); record the findings."""
        redaction = BodyRedaction(text, doc, api_name)
        texts = redaction.texts()
        if not texts:
            await off_loop(self._grant, state, doc, texts, [])
            return text
        assert self.worker is not None
        found = await self._analyze(cfg, state, redaction, texts)
        # Vault and link calls may wait on a shared database: beside the event loop.
        return await off_loop(self._apply, state, doc, redaction, texts, found)

    def _apply(self, state: _FlowState, doc: Any, redaction: BodyRedaction, texts: list[str],
               found: dict[str, list[Any]]) -> str:
        """Write the placeholders, record the findings, grant the answer (store thread)."""
        vault, scope = self.vault, state.scope
        assert vault is not None
        new_text, applied = redaction.apply(
            found, lambda entity, value: vault.placeholder(scope, entity, value))
        state.record.findings += self._finding_records().records(applied)
        self._grant(state, doc, texts, applied)
        return new_text

    def _websocket_session(self, cfg: ProjectConfig, state: _FlowState,
                           kind: str) -> WebSocketSession:
        """Per-connection redaction for an upgrade whose messages can be scanned."""
        async def redact(text: str, doc: Any) -> str:
            if find_standins(text):
                raise RefusedRequest("a WebSocket message holds a redactproxy stand-in key; "
                                     "stand-ins never leave the machine", status=403,
                                     code="standin_in_body")
            if self.store_error is not None and not await off_loop(self._store_recovered):
                raise StoreError(f"audit store unavailable ({self.store_error})")
            if isinstance(doc.get("model"), str):
                state.record.model_requested = doc["model"]
            state.record.request_bytes += len(text)
            return await self._redact_json(cfg, state, text, doc, WS_API)

        def finish() -> Awaitable[None] | None:
            rec = state.record
            rec.model_served = state.meta.model
            rec.tokens_in, rec.tokens_out = state.meta.tokens_in, state.meta.tokens_out
            model = rec.model_served or rec.model_requested
            rec.alerts.extend(e.alert(model) for e in state.tools.events)
            return self._settle_steered(state, model,
                                        lambda: self._emit("record_finished", rec))

        return WebSocketSession(kind, state.record, redact,
                                EventRestorer(state.lookup, state.meta.update, tools=state.tools),
                                finish)

    async def _analyze(self, cfg: ProjectConfig, state: _FlowState, redaction: BodyRedaction,
                       texts: list[str]) -> dict[str, list[Any]]:
        """Findings per text. Answers this proxy restored that come back in an assistant
        turn skip NER (``answer_hashes``): their spans plus the pattern rules stand in."""
        assert self.worker is not None
        echoed: dict[str, list[Any]] = {}
        if cfg.spec.nlp:
            for t in redaction.model_turn_texts():
                spans = self.answers.findings(state.scope, t)
                if spans is not None:
                    echoed[t] = spans
        fresh = [t for t in texts if t not in echoed]
        sent: list[str] = []
        # Both batches go to the worker at once: one round trip, not two in a row.
        results = await asyncio.gather(
            self.worker.analyze(cfg.spec, fresh, sent) if fresh else _no_findings(),
            self.worker.analyze(self._patterns_only(cfg.spec), list(echoed)) if echoed
            else _no_findings(), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r
        found = dict(zip(fresh, results[0], strict=True))
        for t, fs in zip(echoed, results[1], strict=True):
            found[t] = fs + echoed[t]
        state.record.text_chars = sum(map(len, texts))
        state.record.ner_chars = sum(map(len, sent)) if cfg.spec.nlp else 0
        return found

    def _patterns_only(self, spec: Any) -> Any:
        """``spec`` without NER (one derived spec per project spec)."""
        hit = self._no_nlp.get(id(spec))
        if hit is None or hit[0] is not spec:
            hit = self._no_nlp[id(spec)] = (spec, dataclasses.replace(spec, nlp=False))
        return hit[1]

    def _finding_records(self) -> FindingRecords:
        """The record builder under the current hash key (memoised per text)."""
        if self._records is None or self._records.hash_key != self._hash_key:
            self._records = FindingRecords(self._hash_key, self.caps.records)
        return self._records

    def _refuse(self, flow: http.HTTPFlow, api: Api, record: RequestRecord,
                e: RefusedRequest) -> None:
        log.warning("redactproxy refused %s %s%s: %s", flow.request.method,
                    flow.request.pretty_host, flow.request.path.split("?", 1)[0], e)
        flow.response = http.Response.make(e.status, error_body(api.family, e.status, str(e),
                                                                e.code),
                                           error_headers(e.retry))
        record.verdict = "blocked" if e.code.startswith("blocked") else "refused"
        record.reason = str(e)
        record.status = e.status
        flow.metadata.pop(META, None)
        flow.metadata["redactproxy_record"] = record

    # --- responses ---------------------------------------------------------------------

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state: _FlowState | None = flow.metadata.get(META)
        if state is None or flow.response is None:
            return
        ctype = flow.response.headers.get("content-type", "")
        if "text/event-stream" not in ctype:
            return
        encoding = flow.response.headers.get("content-encoding", "")
        try:
            decoder_for(encoding)
        except ValueError:
            log.warning("unsupported content-encoding %r on a stream; not restored", encoding)
            return
        state.record.streamed = True
        state.rewriter = StreamRewriter(state.api.name, state.lookup, state.meta.update,
                                        json_text=state.json_text, tools=state.tools)
        started = time.time()

        def on_first() -> None:
            state.record.ttfb_ms = (started - flow.request.timestamp_start) * 1000

        flow.response.stream = _StreamPipe(state.rewriter, encoding, on_first, state.restored,
                                           state.upstream)

    def response(self, flow: http.HTTPFlow) -> Awaitable[None] | None:
        record = flow.metadata.get("redactproxy_record")
        if record is not None:  # refused locally, or an unlisted AI endpoint passed on
            record.status = flow.response.status_code if flow.response else None
            self._emit("record_finished", record)
            return
        state: _FlowState | None = flow.metadata.get(META)
        if state is None or flow.response is None:
            return
        resp = flow.response
        rec = state.record
        rec.status = resp.status_code
        if resp.status_code == 101 and WS_META in flow.metadata:
            return  # a WebSocket: reported when it ends (WebSocketRedactor)
        if state.rewriter is not None:
            rec.restored = state.rewriter.restored
            if resp.status_code < 400:
                self._remember_stream(state)
        else:
            self._restore_body(flow, state)
            if rec.ttfb_ms is None and resp.timestamp_start:
                rec.ttfb_ms = (resp.timestamp_start - flow.request.timestamp_start) * 1000
        end = resp.timestamp_end or time.time()
        rec.total_ms = (end - flow.request.timestamp_start) * 1000
        rec.model_served = state.meta.model
        rec.tokens_in, rec.tokens_out = state.meta.tokens_in, state.meta.tokens_out
        if resp.status_code >= 400:
            rec.verdict = "upstream_error"
        if state.rewriter is not None:
            # A stream's client gets its last bytes only after this hook: read the answer
            # (dangerous-text check) and record it right after them.
            def finish() -> None:
                self._later(lambda: self._finish(flow, state))
        else:
            def finish() -> None:
                self._finish(flow, state)
        # mitmproxy awaits this before the client sees the end of the answer
        return self._link_answer(state, finish)

    def _finish(self, flow: http.HTTPFlow, state: _FlowState) -> None:
        self._safeguards(flow, state)
        self._emit("record_finished", state.record)

    def _remember_stream(self, state: _FlowState) -> None:
        """Keep the hashes of a whole streamed answer (after this hook: the client first)."""
        if not state.json_text and self._ner_on(state):
            upstream = bytes(state.upstream)
            self._later(lambda: self._remember(state, stream_answer_texts(
                state.api.name, upstream)))

    def _link_answer(self, state: _FlowState,
                     finish: Callable[[], None]) -> Awaitable[None] | None:
        """Report what restoration refused or decided, ``finish`` the record, and link a
        server-side answer (Responses ``id``) so it can be continued.

        Reported: placeholders the request never held (relay-steered) and credentials in
        tool calls (kept or restored). A steered placeholder this process has no value for
        in memory (numbered by another replica, or dropped from the cache) is looked up in
        the shared store first, beside the event loop, so every replica raises the same
        alert. The returned awaitable (when there is one) does the lookup, the finishing
        and the link write.
        """
        model = state.meta.model or state.record.model_requested
        state.record.alerts.extend(e.alert(model) for e in state.tools.events)
        rid = state.meta.response_id
        if not (rid and state.record.status and state.record.status < 400):
            return self._settle_steered(state, model, finish)

        async def settle() -> None:  # before the client's next turn, maybe on another replica
            checked = self._settle_steered(state, model, finish)
            if checked is not None:
                await checked
            try:
                await off_loop(self.links.add, state.scope, rid, set(state.lookup.allowed))
            except StoreError as e:
                log.error("cannot link response %s: %s", rid, e)

        return settle()

    def _settle_steered(self, state: _FlowState, model: str | None,
                        then: Callable[[], None]) -> Awaitable[None] | None:
        """Alert on the placeholders the answer used without a grant, then call ``then``.

        Placeholders this process has no value for in memory are first looked up in the
        shared store, beside the event loop (the returned awaitable does it). If the store
        cannot be read they stay unrestored and the alert says the check could not be made.
        """
        grant = state.lookup
        fetch = getattr(self.vault, "fetch", None) if grant.unresolved else None
        if fetch is None:
            self._steered_alert(state, model)
            then()
            return None

        async def check() -> None:
            try:
                grant.confirm(await off_loop(fetch, state.scope, list(grant.unresolved)))
            except StoreError as e:
                log.error("cannot check the placeholders an answer used: %s", e)
            self._steered_alert(state, model)
            then()

        return check()

    @staticmethod
    def _steered_alert(state: _FlowState, model: str | None) -> None:
        """Alert on placeholders the answer used that its request was not granted."""
        grant = state.lookup
        if grant.refused:
            state.record.alerts.append(
                f"high: relay-steered answer used {', '.join(grant.refused)}, which the proxy "
                f"did not put in this request (model {model or 'unknown'}); kept "
                "as placeholders")
        if grant.unresolved:  # the shared store could not be read to tell
            state.record.alerts.append(
                f"high: answer used {', '.join(grant.unresolved)}, which the proxy did not "
                f"put in this request and could not check against the shared store "
                f"(model {model or 'unknown'}); kept as placeholders")

    def _safeguards(self, flow: http.HTTPFlow, state: _FlowState) -> None:
        """Relay checks: a substituted model, a padded bill, an answer that runs a download."""
        rec = state.record
        alert = model_substitution(rec.model_requested, rec.model_served)
        if alert:
            rec.alerts.append(alert)
        if rec.tokens_in is not None:
            alert = billing_anomaly(rec.request_bytes, rec.tokens_in,
                                    server_state=state.server_state)
            if alert:
                rec.alerts.append(alert)
        answer = state.answer_text()
        if answer:
            rec.alerts.extend(dangerous_text(answer))

    def _restore_body(self, flow: http.HTTPFlow, state: _FlowState) -> None:
        resp = flow.response
        assert resp is not None
        try:
            body = resp.get_content(strict=True)
        except ValueError:
            log.warning("cannot decode the response body; placeholders not restored")
            return
        if not body:
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return
        try:
            new, count = restore_json(text, state.lookup, state.tools)
            doc = loads(text)
            state.meta.update(doc)
            if resp.status_code < 400 and not state.json_text and self._ner_on(state):
                self._remember(state, body_answer_texts(state.api.name, doc))
        except ValueError:
            new, count = restore_text(text, state.lookup)
        state.record.restored = count
        state.keep_answer(new)
        if count:
            resp.set_content(new.encode("utf-8"))

    @staticmethod
    def _ner_on(state: _FlowState) -> bool:
        """NER runs (else there is nothing for remembered answers to save)."""
        return state.record.ner_chars is not None and bool(ctx.options.redact_nlp)

    def _remember(self, state: _FlowState, texts: list[str]) -> None:
        """Keep keyed hashes of the answer texts as the client got them (``answer_hashes``)."""
        for text in texts:
            restored, spans = restore_spans(text, state.lookup)
            self.answers.add(state.scope, restored, spans)

    @staticmethod
    def _later(fn: Callable[[], None]) -> None:
        """Run ``fn`` after this hook (the end of a stream reaches the client first)."""
        try:
            asyncio.get_running_loop().call_soon(fn)
        except RuntimeError:
            fn()

    def error(self, flow: http.HTTPFlow) -> Awaitable[None] | None:
        state: _FlowState | None = flow.metadata.get(META)
        if state is None:
            return None
        rec = state.record
        if state.rewriter is not None:
            # A stream cut short (the OpenAI SDK hangs up right after ``[DONE]``): keep what
            # it measured and restored so far.
            rec.restored = state.rewriter.restored
            rec.model_served = state.meta.model
            rec.tokens_in, rec.tokens_out = state.meta.tokens_in, state.meta.tokens_out
            rec.total_ms = (time.time() - flow.request.timestamp_start) * 1000
            if flow.response is not None:
                rec.status = flow.response.status_code
        reason = str(flow.error) if flow.error else "connection failed"
        rec.reason = reason
        if not _client_gone(reason):
            rec.verdict = "upstream_error"
        elif state.rewriter is not None and rec.status is not None and rec.status < 400 \
                and answer_complete(state.api.name, bytes(state.upstream[-4096:])):
            rec.verdict = "passed"  # the whole answer reached the client before it hung up
            self._remember_stream(state)
            return self._link_answer(state, lambda: self._finish(flow, state))
        else:
            rec.verdict = "cancelled"
        self._emit("record_finished", rec)
        return None

    def _emit(self, event: str, record: RequestRecord) -> None:
        for sink in self.sinks:
            try:
                getattr(sink, event)(record)
            except StoreError as e:
                # The evidence store failed: refuse further AI traffic until it works again
                # (checked at each request), rather than let requests go unrecorded.
                self.store_error = str(e)
                log.error("audit store failed: %s", e)
            except Exception:  # noqa: BLE001 - a broken view must not break the proxy
                log.exception("record sink %r failed", sink)
            else:
                if event == "record_finished" and isinstance(sink, _Evidence):
                    self.store_error = None


def _client_gone(reason: str) -> bool:
    """True if mitmproxy's flow error says the client hung up (HTTP/1 or HTTP/2)."""
    return reason.startswith(("Client disconnected", "stream reset by client"))


async def _no_findings() -> list[list[Any]]:
    """The findings of no text (``_analyze``'s empty batch)."""
    return []


@runtime_checkable
class _Evidence(Protocol):
    """A sink that keeps evidence (the audit store): its failures stop traffic."""

    def check(self) -> None: ...
