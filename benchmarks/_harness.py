"""Benchmark plumbing: the fake upstream process, the four routes, timed requests, /proc RSS.

Routes (all reach the same fake upstream under the real host names, nothing leaves 127.0.0.1):
``direct`` (client pinned to 127.0.0.1), ``mitmproxy`` (bare ``mitmdump`` + ``_route.py``),
``patterns`` (``redactproxy start --no-nlp``) and ``ner`` (``redactproxy start``, everything on).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore2
import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.certs import DEFAULT_HOSTS  # noqa: E402
from tests.fakes.client import LoopbackBackend, trusting_context  # noqa: E402

__all__ = ["ROUTES", "Route", "Upstream", "pct", "rss_tree", "start_bare", "start_redactproxy"]

ROUTES = ("direct", "mitmproxy", "patterns", "ner")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(q / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def median(values: Iterable[float]) -> float:
    xs = list(values)
    return statistics.median(xs) if xs else float("nan")


class Upstream:
    """The fake upstream in a child process (see ``_upstream.py``)."""

    def __init__(self, workdir: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "_upstream.py"),
                                      str(workdir)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        port, ca = self.proc.stdout.readline().split()
        self.port = int(port)
        self.ca = Path(ca)
        self._lock = threading.Lock()

    def last_body(self) -> str:
        """Body of the last request the upstream received (then forgets recordings)."""
        with self._lock:
            assert self.proc.stdin and self.proc.stdout
            self.proc.stdin.write("last\n")
            self.proc.stdin.flush()
            return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class _PinnedBackend(LoopbackBackend):
    """Dial 127.0.0.1:<fake port> whatever host and port the URL names (like curl --resolve)."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        return super().connect_tcp(host, self.port, timeout, local_address, socket_options)


@dataclass(frozen=True)
class Target:
    """URL, extra headers and httpx extensions for one request on one route."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, Any]


@dataclass
class Route:
    """One way to reach the upstream, with its process (None for ``direct``)."""

    name: str
    proc: subprocess.Popen[str] | None = None
    port: int | None = None
    trust: Path | None = None
    upstream: Upstream | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)
    started_at: float = 0.0
    listening_s: float | None = None
    ready_s: float | None = None

    def client(self, timeout: float = 120.0, limits: int = 10) -> httpx2.Client:
        """A keep-alive client for this route (a new one per thread for concurrency)."""
        lim = httpx2.Limits(max_connections=limits, max_keepalive_connections=limits)
        if self.proc is None:
            assert self.upstream is not None
            transport = httpx2.HTTPTransport(verify=trusting_context(self.upstream.ca),
                                             trust_env=False)
            transport._pool = httpcore2.ConnectionPool(  # noqa: SLF001 - as tests/fakes/client.py
                ssl_context=trusting_context(self.upstream.ca),
                network_backend=_PinnedBackend(self.upstream.port),
                max_connections=limits, max_keepalive_connections=limits)
            return httpx2.Client(transport=transport, timeout=timeout, trust_env=False)
        ctx = ssl.create_default_context(cafile=str(self.trust))
        return httpx2.Client(proxy=f"http://127.0.0.1:{self.port}", verify=ctx,
                             trust_env=False, timeout=timeout, limits=lim)

    def target(self, url: str) -> Target:
        """How this route addresses ``url`` (``https://HOST/path``).

        Proxied routes CONNECT to the fake upstream's own address and keep the real host
        name in SNI and the Host header: redactproxy decides by those, and mitmproxy keeps
        one upstream connection per client connection. (Routing by rewriting the server
        address in ``server_connect``, as ``--resolve`` does, makes mitmproxy open a new
        upstream connection for every request; see benchmarks/README.md.)
        """
        if self.proc is None:
            return Target(url, {}, {})
        assert self.upstream is not None
        host, _, path = url.removeprefix("https://").partition("/")
        return Target(f"https://127.0.0.1:{self.upstream.port}/{path}", {"host": host},
                      {"sni_hostname": host})

    def wait_line(self, needle: str, timeout: float) -> float:
        """Seconds from spawn until the process printed ``needle``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, line in list(self.lines):
                if needle in line:
                    return t - self.started_at
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.005)
        out = "\n".join(line for _, line in self.lines)
        raise RuntimeError(f"{self.name}: never printed {needle!r}:\n{out}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _reader(proc: subprocess.Popen[str], lines: list[tuple[float, str]]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))


def _spawn(route: Route, cmd: list[str], env: dict[str, str]) -> None:
    route.started_at = time.monotonic()
    route.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=env)
    threading.Thread(target=_reader, args=(route.proc, route.lines), daemon=True).start()


def _env(workdir: Path) -> dict[str, str]:
    """A clean environment: throw-away HOME, no proxy variables, no keyring reachable."""
    home = workdir / "user-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("https_proxy", "http_proxy", "all_proxy", "no_proxy")
           and k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(HOME=str(home), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


def start_bare(upstream: Upstream, workdir: Path) -> Route:
    """``mitmdump`` with only the routing addon; waits until its port accepts connections."""
    route = Route("mitmproxy", port=free_port(), upstream=upstream)
    confdir = workdir / "mitmdump"
    confdir.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "mitmdump"), "-q", "--listen-host", "127.0.0.1", "-p", str(route.port),
           "-s", str(ROOT / "benchmarks" / "_route.py"),
           "--set", f"confdir={confdir}", "--set", f"bench_upstream={upstream.port}",
           "--set", f"ssl_verify_upstream_trusted_ca={upstream.ca}",
           "--set", "connection_strategy=lazy"]
    _spawn(route, cmd, _env(workdir))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", route.port), 0.2).close()
            break
        except OSError:
            time.sleep(0.005)
    route.listening_s = route.ready_s = time.monotonic() - route.started_at
    ca = confdir / "mitmproxy-ca-cert.pem"
    while not ca.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    route.trust = workdir / "bare-trust.pem"
    route.trust.write_text(ca.read_text() + upstream.ca.read_text())
    return route


def start_redactproxy(name: str, upstream: Upstream, workdir: Path, *, nlp: bool,
                      rules: str | None = None) -> Route:
    """``redactproxy start --no-ui`` as tests/proxyproc.py runs it; records start-up times.

    ``rules`` is written as the project's ``.redactproxy.toml`` (e.g. ``[proxy] inspect``).
    """
    route = Route(name, port=free_port(), upstream=upstream)
    home, project = workdir / f"{name}-home", workdir / f"{name}-project"
    project.mkdir(parents=True, exist_ok=True)
    if rules is not None:
        (project / ".redactproxy.toml").write_text(rules, encoding="utf-8")
    # --allow-anonymous: the routes share one client setup (no proxy credentials) with bare
    # mitmproxy; a throw-away home on loopback, nothing to protect.
    cmd = [sys.executable, "-m", "redactproxy", "start", "--no-ui", "--listen-port",
           str(route.port), "--project", str(project), "--upstream-ca", str(upstream.ca),
           "--allow-anonymous"]
    for host in DEFAULT_HOSTS:
        if not host.replace(".", "").isdigit() and host != "localhost":
            cmd += ["--resolve", f"{host}:443=127.0.0.1:{upstream.port}"]
    if not nlp:
        cmd.append("--no-nlp")
    env = {**_env(workdir), "REDACTPROXY_HOME": str(home)}
    _spawn(route, cmd, env)
    route.listening_s = route.wait_line("listening on", 60)
    route.ready_s = route.wait_line("detector ready", 180)
    route.trust = workdir / f"{name}-trust.pem"
    ca = home / "mitmproxy" / "mitmproxy-ca-cert.pem"
    route.trust.write_text(ca.read_text() + upstream.ca.read_text())
    return route


def direct(upstream: Upstream) -> Route:
    return Route("direct", upstream=upstream, listening_s=0.0, ready_s=0.0)


def rss_tree(pid: int) -> tuple[float, list[tuple[int, str, float]]]:
    """RSS (MB) of ``pid`` and all its descendants, from /proc; and the per-process list."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: list[tuple[int, str, float]] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:")), 0)
        out.append((p, cmd, kb / 1024))
        todo.extend(children.get(p, []))
    return sum(mb for _, _, mb in out), out


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- timed requests ------------------------------------------------------------------------

@dataclass
class StreamTiming:
    """Client-side timings of one streamed answer (seconds)."""

    status: int
    ttfb: float
    total: float
    max_gap: float
    chunks: int
    body: bytes


def post(client: httpx2.Client, target: Target, body: bytes,
         headers: dict[str, str] | None = None) -> tuple[float, httpx2.Response]:
    """Send one non-streamed request; seconds until the whole answer was read."""
    h = {"content-type": "application/json", **target.headers, **(headers or {})}
    t0 = time.perf_counter()
    r = client.post(target.url, content=body, headers=h, extensions=target.extensions)
    r.read()
    return time.perf_counter() - t0, r


def stream(client: httpx2.Client, target: Target, body: bytes,
           headers: dict[str, str] | None = None) -> StreamTiming:
    """Send one request and read the answer as it arrives; first byte, total, largest gap."""
    h = {"content-type": "application/json", **target.headers, **(headers or {})}
    t0 = time.perf_counter()
    times: list[float] = []
    parts: list[bytes] = []
    with client.stream("POST", target.url, content=body, headers=h,
                       extensions=target.extensions) as r:
        for chunk in r.iter_raw():
            times.append(time.perf_counter())
            parts.append(chunk)
        status = r.status_code
    end = time.perf_counter()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return StreamTiming(status, (times[0] if times else end) - t0, end - t0,
                        max(gaps, default=0.0), len(times), b"".join(parts))
