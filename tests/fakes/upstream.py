"""A fake HTTPS upstream speaking OpenAI, Anthropic and Gemini wire formats byte-for-byte.

It runs in a background thread of the test process on 127.0.0.1 (random port) and answers
for every provider host name with one leaf certificate, so the proxy under test connects,
verifies TLS and parses responses exactly as it would against the real APIs. Replies echo
what the "model" saw so tests can check that placeholders go out and real values come back.

Streams are written as real incremental HTTP/1.1 chunks with a delay between events, and
some events are deliberately split across two writes, to exercise the proxy's re-framing.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import socket
import ssl
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import brotli

from . import anthropic_wire, code_assist_wire, gemini_wire, openai_wire, ws_wire
from .wire import Call, Knobs, Reply, Signer

try:  # Python 3.14 has compression.zstd; 3.12 gets the backport (or zstandard)
    from compression import zstd as _zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from backports import zstd as _zstd  # type: ignore[no-redef]
    except ImportError:
        _zstd = None  # type: ignore[assignment]

__all__ = ["FakeUpstream", "Recorded", "decode_body"]

#: Which wire format each known host speaks; other hosts get the plain web page.
HOST_KINDS: dict[str, str] = {
    "api.openai.com": "openai",
    "api.deepseek.com": "openai",
    "api.anthropic.com": "anthropic",
    "generativelanguage.googleapis.com": "gemini",
    # Subscription sign-ins: Codex with ChatGPT, Gemini CLI with Google, GitHub Copilot.
    "chatgpt.com": "openai",
    "cloudcode-pa.googleapis.com": "code-assist",
    "oauth2.googleapis.com": "google-auth",
    "www.googleapis.com": "google-auth",
    "api.githubcopilot.com": "openai",
    "relay.example.test": "relay",
    "localhost": "relay",
    "127.0.0.1": "relay",
}
HELLO = b"hello from the fake upstream"


def decode_body(raw: bytes, content_encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br, zstd; stacked codings in reverse order)."""
    data = raw
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            data = gzip.decompress(data)
        elif coding == "deflate":
            data = zlib.decompress(data)
        elif coding == "br":
            data = brotli.decompress(data)
        elif coding == "zstd" and _zstd is not None:
            data = _zstd.decompress(data)
        elif coding != "identity":
            raise ValueError(f"unsupported content-encoding {coding!r}")
    return data


@dataclass
class Recorded:
    """One request as the fake upstream received it.

    Attributes:
        method: HTTP method.
        path: Path including the query string, as sent.
        host: The Host header, verbatim (may carry ``:port``).
        headers: Lower-case names; repeated headers joined with ``", "``.
        header_list: Every header line in order (lower-case names), repeats kept.
        body: Body after undoing Content-Encoding.
        raw_body: Body bytes as received (after de-chunking).
        status: Response status (set once the reply is chosen).
        events_sent_at: ``time.monotonic()`` at which each streamed event was fully written.
        done: Set when the response has been completely written (or aborted).
        aborted: The client went away mid-response.
        signature_checks: One bool per Anthropic thinking block verified in this request.
    """

    method: str
    path: str
    host: str
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    body: bytes
    raw_body: bytes
    status: int | None = None
    events_sent_at: list[float] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    aborted: bool = False
    signature_checks: list[bool] = field(default_factory=list)

    @property
    def hostname(self) -> str:
        """Host header without the port."""
        return self.host.rsplit(":", 1)[0] if self.host.count(":") == 1 else self.host

    @property
    def route(self) -> str:
        """Path without the query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        """Parsed query string."""
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def json(self) -> Any:
        """The decoded body parsed as JSON."""
        return json.loads(self.body)

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        low = name.lower()
        return [v for n, v in self.header_list if n == low]


class _Server(ThreadingHTTPServer):
    """Threaded server doing the TLS handshake in the per-connection thread, not in accept()."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: FakeUpstream, ssl_context: ssl.SSLContext) -> None:
        self.owner = owner
        self.ssl_context = ssl_context
        self.live: set[socket.socket] = set()
        self.live_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(60)
        # Like real API front ends, write small segments at once (no Nagle + delayed-ACK
        # stall of ~40 ms when headers and body go out in separate writes).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        with self.live_lock:
            self.live.add(tls)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with self.live_lock:
                self.live.discard(tls)
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner.errors.append(traceback.format_exc())

    def close_live(self) -> None:
        """Cut open keep-alive connections so stop() leaves no thread blocked on a socket."""
        with self.live_lock:
            for sock in list(self.live):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, records it, routes it, writes the reply (keep-alive HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    server: _Server
    wbufsize = 0  # every write goes straight to the socket: real incremental flushes

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet; pytest output is for assertions."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        owner = self.server.owner
        header_list = [(k.lower(), v) for k, v in self.headers.items()]
        joined: dict[str, str] = {}
        for name, value in header_list:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        if joined.get("upgrade", "").lower() == "websocket":
            self._websocket(header_list, joined)
            return
        raw = self._read_body()
        try:
            body = decode_body(raw, joined.get("content-encoding"))
        except Exception:  # noqa: BLE001 - a bad encoding is recorded, not fatal
            body = raw
        rec = Recorded(self.command, self.path, joined.get("host", ""), joined, header_list,
                       body, raw)
        owner._record(rec)
        try:
            knobs = owner.knobs().apply_headers(joined)
            reply = owner._dispatch(rec, knobs)
            rec.status = reply.status
            self._write(reply, knobs, rec)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError, OSError):
            rec.aborted = True
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a fake bug must surface in the test, not hang it
            owner.errors.append(traceback.format_exc())
            rec.status = 599
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._write(Reply(599, [("content-type", "text/plain")],
                                  body=b"fake upstream crashed; see upstream.errors"),
                            Knobs(), rec)
        finally:
            rec.done.set()

    def _websocket(self, header_list: list[tuple[str, str]], joined: dict[str, str]) -> None:
        """A WebSocket upgrade: the Responses WebSocket on OpenAI-shaped hosts, else 404.

        The upgrade is recorded as a ``GET``; each client text message as a ``WS`` request
        whose body is the message (so leak checks over ``requests`` cover WebSockets too).
        """
        owner = self.server.owner
        rec = Recorded("GET", self.path, joined.get("host", ""), joined, header_list, b"", b"")
        owner._record(rec)
        kind = HOST_KINDS.get(rec.hostname.lower(), "web")
        self.close_connection = True
        try:
            if kind not in ("openai", "relay") or not rec.route.rstrip("/").endswith(
                    "/responses"):
                reply = openai_wire.not_found("GET", rec.route)
                rec.status = reply.status
                self._write(reply, Knobs(), rec)
                return
            rec.status = 101
            session = ws_wire.WebSocketSession(self.path, joined)
            with owner._lock:
                owner.websockets.append(session)

            def on_message(body: bytes) -> None:
                msg = Recorded("WS", self.path, rec.host, joined, header_list, body, body, 101)
                msg.done.set()
                owner._record(msg)

            head = self.requestline + "\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n"
            ws_wire.serve(head.encode("latin-1"), lambda: self.rfile.read1(65536),
                          self.wfile.write, session, owner.knobs().apply_headers(joined),
                          owner.signer, on_message, lambda: owner.release.wait(timeout=120))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError, OSError):
            rec.aborted = True
        except Exception:  # noqa: BLE001 - a fake bug must surface in the test, not hang it
            owner.errors.append(traceback.format_exc())
        finally:
            rec.done.set()

    def _start(self, reply: Reply, extra: list[tuple[str, str]]) -> None:
        self.send_response_only(reply.status)
        self.send_header("date", self.date_time_string())
        for name, value in reply.headers + extra:
            self.send_header(name, value)
        self.end_headers()

    def _write(self, reply: Reply, knobs: Knobs, rec: Recorded) -> None:
        enc = [("content-encoding", "gzip")] if knobs.gzip else []
        if reply.frames is None:
            if knobs.hold_last:  # a whole answer is its own last frame
                self.server.owner.release.wait(timeout=120)
            body = gzip.compress(reply.body) if knobs.gzip else reply.body
            self._start(reply, enc + [("content-length", str(len(body)))])
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        self._start(reply, enc + [("transfer-encoding", "chunked")])
        frames = list(reply.frames)
        if knobs.stream_error_after is not None and reply.error_frame is not None:
            frames = frames[: knobs.stream_error_after] + [reply.error_frame]
        compressor = zlib.compressobj(wbits=31) if knobs.gzip else None
        rng = random.Random(len(self.server.owner.requests))
        for i, frame in enumerate(frames):
            if i and knobs.event_delay > 0:
                time.sleep(knobs.event_delay)
            if knobs.hold_last and i == len(frames) - 1:
                self.server.owner.release.wait(timeout=120)
            data = frame
            if compressor is not None:
                data = compressor.compress(frame) + compressor.flush(zlib.Z_SYNC_FLUSH)
            split = knobs.split_every > 0 and i % knobs.split_every == knobs.split_every - 1
            if split and len(data) > 1:
                cut = rng.randint(1, len(data) - 1)
                self._chunk(data[:cut])
                time.sleep(0.001)
                self._chunk(data[cut:])
            else:
                self._chunk(data)
            now = time.monotonic()
            rec.events_sent_at.append(now)
            self.server.owner._event_sent(now)
        tail = reply.trailer
        if compressor is not None:
            tail = compressor.compress(tail) + compressor.flush()
        if tail:
            self._chunk(tail)
        if knobs.hold_end:  # every event sent, the body not yet ended (a slow close)
            self.wfile.flush()
            self.server.owner.release.wait(timeout=120)
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))


class FakeUpstream:
    """The fake AI API server. Use as a context manager or start()/stop().

    Knobs (attributes, restored by :meth:`reset`): ``event_delay`` seconds between streamed
    events, ``chunk_chars`` characters per text/argument delta, ``split_every`` (every Nth
    event is written in two pieces; 0 = never), ``reply_text`` (replace the echo),
    ``reject_bad_signatures`` (answer 400 like Anthropic for a tampered thinking block),
    ``require_auth`` (401/403 without the provider's key header).

    Per-request ``x-fake-*`` headers override them; see ``wire.Knobs.apply_headers``.
    """

    def __init__(
        self,
        cert_path: str | Path,
        key_path: str | Path,
        *,
        event_delay: float = 0.005,
        chunk_chars: int = 3,
        split_every: int = 3,
    ) -> None:
        self._cert_path, self._key_path = Path(cert_path), Path(key_path)
        self._defaults = dict(event_delay=event_delay, chunk_chars=chunk_chars,
                              split_every=split_every)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.signer = Signer()
        self.requests: list[Recorded] = []
        self.events_sent_at: list[float] = []
        self.errors: list[str] = []
        self.good_signatures = 0
        self.bad_signatures = 0
        #: Streams asked with ``x-fake-hold-last: 1`` send their last frame only once set
        #: (whole answers: their body; WebSocket answers: their last event); with
        #: ``x-fake-hold-end: 1``, they end the body only once set.
        self.release = threading.Event()
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1:<free port> and serve in a daemon thread."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self._cert_path, self._key_path)
        ctx.set_alpn_protocols(["http/1.1"])
        self._server = _Server(self, ctx)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-upstream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_live()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port on 127.0.0.1."""
        assert self._server is not None, "FakeUpstream not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self.port}"

    def url_for(self, host: str) -> str:
        """``https://<host>:<port>`` (resolve ``host`` to 127.0.0.1 yourself)."""
        return f"https://{host}:{self.port}"

    # -- recordings -----------------------------------------------------------------------

    def clear(self) -> None:
        """Forget recorded requests, event times, signature counts and server errors."""
        with self._lock:
            self.requests = []
            self.websockets: list[ws_wire.WebSocketSession] = []
            self.events_sent_at = []
            self.errors = []
            self.good_signatures = self.bad_signatures = 0

    def reset(self) -> None:
        """clear() and put every knob back to its constructor default."""
        self.clear()
        self.release.clear()
        self.event_delay: float = float(self._defaults["event_delay"])
        self.chunk_chars: int = int(self._defaults["chunk_chars"])
        self.split_every: int = int(self._defaults["split_every"])
        self.reply_text: str | None = None
        self.reject_bad_signatures = True
        self.require_auth = False

    def last(self) -> Recorded:
        """The most recent request."""
        with self._lock:
            return self.requests[-1]

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Recorded]:
        """Wait until ``count`` requests arrived and their responses finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                got = list(self.requests)
            if len(got) >= count and all(r.done.is_set() for r in got[:count]):
                return got
            time.sleep(0.01)
        raise TimeoutError(f"expected {count} finished requests, got {len(got)}")

    def sign_thinking(self, text: str) -> str:
        """A valid signature for a thinking block with ``text`` (to build histories)."""
        return self.signer.sign(text)

    def knobs(self) -> Knobs:
        """The knobs currently in force (before per-request headers)."""
        return Knobs(event_delay=self.event_delay, chunk_chars=self.chunk_chars,
                     split_every=self.split_every, reply_text=self.reply_text,
                     reject_bad_signatures=self.reject_bad_signatures)

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _event_sent(self, when: float) -> None:
        with self._lock:
            self.events_sent_at.append(when)

    # -- routing --------------------------------------------------------------------------

    def _dispatch(self, rec: Recorded, knobs: Knobs) -> Reply:
        kind = HOST_KINDS.get(rec.hostname.lower(), "web")
        route = rec.route
        if kind == "web":
            return _web(rec)
        data: Any = None
        if rec.body and kind != "google-auth":  # Google's OAuth endpoints take forms
            try:
                data = json.loads(rec.body)
            except ValueError:
                return _bad_json(_provider_of(kind, route))
        call = Call(rec.method, route, rec.query, data, len(rec.body), knobs, self.signer)
        handler = _route(kind, rec.method, route)
        if handler is None:
            return _not_found(_provider_of(kind, route), rec.method, route)
        provider, fn = handler
        if self.require_auth and not _has_auth(provider, rec):
            return _unauthorized(provider)
        if kind != "google-auth" and not isinstance(data, dict) and rec.method == "POST":
            return _bad_json(provider)
        if knobs.error_status is not None:
            return _injected(provider, knobs.error_status, _echo_source(provider, data))
        reply = fn(call)
        rec.signature_checks = call.signature_checks
        with self._lock:
            self.good_signatures += sum(call.signature_checks)
            self.bad_signatures += len(call.signature_checks) - sum(call.signature_checks)
        return reply


Handler = Callable[[Call], Reply]


def _gemini(call: Call) -> Reply:
    m = gemini_wire.ROUTE.match(call.path)
    assert m is not None
    return gemini_wire.generate(call, m["model"], m["method"])


def _route(kind: str, method: str, path: str) -> tuple[str, Handler] | None:
    """Pick ``(provider, handler)`` for a host kind, or None for that provider's 404."""
    norm = path.rstrip("/")
    openai_ok = kind in ("openai", "relay")
    anthropic_ok = kind in ("anthropic", "relay") or (kind == "openai" and "/anthropic" in norm)
    if openai_ok and method == "POST" and norm.endswith("/chat/completions"):
        return "openai", openai_wire.chat
    if openai_ok and method == "POST" and norm.endswith("/responses"):
        return "openai", openai_wire.responses
    if kind == "openai" and method == "GET" and norm == "/backend-api/wham/accounts/check":
        return "openai", openai_wire.chatgpt_accounts
    if openai_ok and method == "GET" and norm.endswith("/models"):
        return "openai", openai_wire.models
    if anthropic_ok and method == "POST" and norm.endswith("/messages/count_tokens"):
        return "anthropic", anthropic_wire.count_tokens
    if anthropic_ok and method == "POST" and norm.endswith("/messages"):
        return "anthropic", anthropic_wire.messages
    if kind in ("gemini", "relay") and method == "POST" and gemini_wire.ROUTE.match(norm):
        return "gemini", _gemini
    if kind == "code-assist" and method == "POST" and code_assist_wire.ROUTE.match(norm):
        return "gemini", code_assist_wire.code_assist
    if kind == "google-auth" and method in ("GET", "POST"):
        return "gemini", code_assist_wire.google_auth
    return None


def _provider_of(kind: str, path: str) -> str:
    if kind == "relay":
        if "/messages" in path:
            return "anthropic"
        return "gemini" if "/models/" in path and ":" in path else "openai"
    return "gemini" if kind in ("code-assist", "google-auth") else kind


def _not_found(provider: str, method: str, path: str) -> Reply:
    module = {"openai": openai_wire, "anthropic": anthropic_wire, "gemini": gemini_wire}
    return module[provider].not_found(method, path)


def _bad_json(provider: str) -> Reply:
    if provider == "anthropic":
        return anthropic_wire.error_reply(400, "There was an error parsing the body of your "
                                          "request", "invalid_request_error")
    if provider == "gemini":
        return gemini_wire.error_reply(400, "Invalid JSON payload received.")
    return openai_wire.error_reply(400, "We could not parse the JSON body of your request.",
                                   "invalid_request_error")


def _injected(provider: str, status: int, echo: str) -> Reply:
    module = {"openai": openai_wire, "anthropic": anthropic_wire, "gemini": gemini_wire}
    return module[provider].injected_error(status, echo)


def _echo_source(provider: str, data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    if provider == "anthropic":
        return anthropic_wire.messages_turn(data).text
    if provider == "gemini":
        return gemini_wire.generate_turn(data).text
    if "input" in data:
        return openai_wire.responses_turn(data).text
    return openai_wire.chat_turn(data).text


def _has_auth(provider: str, rec: Recorded) -> bool:
    h = rec.headers
    if provider == "anthropic":
        return bool(h.get("x-api-key") or h.get("authorization"))
    if provider == "gemini":
        return bool(h.get("x-goog-api-key") or rec.query.get("key") or h.get("authorization"))
    return h.get("authorization", "").startswith("Bearer ") or bool(h.get("api-key"))


def _unauthorized(provider: str) -> Reply:
    if provider == "anthropic":
        return anthropic_wire.error_reply(401, "x-api-key header is required",
                                          "authentication_error")
    if provider == "gemini":
        return gemini_wire.error_reply(403, "Method doesn't allow unregistered callers "
                                       "(callers without established identity). Please use "
                                       "API Key or other form of API consumer identity to "
                                       "call this API.")
    return openai_wire.error_reply(401, "You didn't provide an API key.",
                                   "invalid_request_error")


def _web(rec: Recorded) -> Reply:
    """Non-AI hosts: ``GET /`` says hello, ``GET /bytes/N`` sends N pseudo-random bytes
    (a download), ``POST /echo`` returns the body, else 404."""
    text = [("content-type", "text/plain; charset=utf-8")]
    if rec.route == "/" and rec.method in ("GET", "HEAD"):
        return Reply(200, text, body=HELLO)
    if rec.route.startswith("/bytes/") and rec.route[7:].isdigit() and rec.method == "GET":
        n = min(int(rec.route[7:]), 1 << 28)
        return Reply(200, [("content-type", "application/octet-stream")],
                     body=random.Random(n).randbytes(n))
    if rec.route == "/echo" and rec.method == "POST":
        ctype = rec.headers.get("content-type", "application/octet-stream")
        return Reply(200, [("content-type", ctype)], body=rec.body)
    return Reply(404, text, body=b"not found")
