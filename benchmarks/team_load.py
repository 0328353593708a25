"""Team gateway load test: two replicas on one PostgreSQL, concurrent conversations, an outage.

Usage: ``python benchmarks/team_load.py [--duration 90] [--clients 16] [--turns 4]
[--outage 30] [--window 60] [--nlp] [--out FILE]``

The full run of issue 14 (200 clients, 10 minutes, PostgreSQL stopped 30 s in the middle;
give it a quiet machine with 4+ cores)::

    python benchmarks/team_load.py --clients 200 --duration 600 --outage 30 --baseline 30

Everything runs on 127.0.0.1: a throw-away PostgreSQL cluster (``tests/pgserver.py``), the fake
upstream in its own process, and two ``redactproxy start --store postgresql://...`` gateways
(OpenAI and Anthropic shapes, developer tokens required). Each client holds conversations of
``--turns`` turns whose turns alternate between the replicas, streamed or not; every turn adds
a new synthetic value and resends the history. Half-way through, PostgreSQL is stopped for
``--outage`` seconds. Checked and printed:

* every answer restored (the fake model echoes the last user turn: the client must read it
  back with the real values), and no synthetic value in any body the upstream received;
* placeholders identical across replicas: each turn's messages are byte-identical, as sent
  upstream, to the previous turn's (the provider's prompt cache survives the replica switch);
* during the outage, requests refused in the provider's error format; afterwards served again;
  the audit chain holds one row per request the gateways answered and verifies;
* latency (client-side, whole answer) against the upstream reached directly, and per
  ``--window`` (a minute by default): p95 added latency, RSS of each replica (with its
  detector workers, and of the proxy process alone), open file descriptors, PostgreSQL
  connections in use, and when each in-memory table reached its cap.

Memory: ``--cache-limits`` sets the replicas' caps (``redactproxy/caps.py``; small caps show
the plateau in minutes), ``--trace-memory DIR`` has replica-a write its growth by traceback
(``redactproxy/memtrace.py``; slow, for finding what grows, not for numbers).

Resources stay bounded whatever ``--clients``: each replica holds at most
``redactproxy.stores.postgres.POOL_SIZE`` database connections (the server allows 200), and
the run raises its open-file limit to the hard limit (children inherit it) or refuses to
start if that is below what the clients need. Results go to ``--out`` (JSON) and a Markdown
table beside it (``.md``), and are printed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import resource
import secrets
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import (  # type: ignore[import-not-found]
    ROOT,
    Route,
    Upstream,
    _env,
    _spawn,
    cleanup,
    direct,
    free_port,
    pct,
    rss_tree,
)

from redactproxy.caps import CAPS_ENV
from tests.fakes.certs import DEFAULT_HOSTS
from tests.pgserver import PgServer, _bindir

SHAPES = ("openai", "openai-stream", "anthropic", "anthropic-stream")
VALUE_RE = re.compile(r"[A-Za-z0-9._+-]+@example\.(?:org|net)")
TEAM_KEY = "sk-team-fake-load-0000"


@dataclass
class Result:
    """One request as the client saw it."""

    t: float  # seconds since the start of the main phase
    shape: str
    replica: int
    status: int
    latency: float
    kind: str  # ok, wrong_answer, refused, error

    @property
    def sent(self) -> float:
        """When the request was sent (seconds since the start of the main phase)."""
        return self.t - self.latency


@dataclass
class Gateway:
    """One replica: its process route and its two ports (OpenAI, Anthropic)."""

    route: Route
    openai: int
    anthropic: int
    rss: list[tuple[float, float]] = field(default_factory=list)  # with its detector workers
    rss_proxy: list[tuple[float, float]] = field(default_factory=list)  # the proxy process
    fds: list[tuple[float, int]] = field(default_factory=list)


def _body(shape: str, messages: list[dict[str, str]]) -> bytes:
    if shape.startswith("openai"):
        doc: dict[str, Any] = {"model": "gpt-4o", "messages": messages}
    else:
        doc = {"model": "claude-sonnet-4-5", "max_tokens": 200, "messages": messages}
    if shape.endswith("stream"):
        doc["stream"] = True
    return json.dumps(doc).encode()


def _answer(shape: str, raw: bytes) -> str:
    """The answer text of a response (SSE deltas joined for streams)."""
    if not shape.endswith("stream"):
        doc = json.loads(raw)
        if shape.startswith("openai"):
            return doc["choices"][0]["message"]["content"]
        return "".join(b.get("text", "") for b in doc["content"])
    out = []
    for line in raw.decode().splitlines():
        if not line.startswith("data:") or line.strip() == "data: [DONE]":
            continue
        ev = json.loads(line[5:])
        if shape.startswith("openai"):
            for c in ev.get("choices", []):
                out.append(c.get("delta", {}).get("content") or "")
        elif ev.get("type") == "content_block_delta":
            out.append(ev["delta"].get("text", ""))
    return "".join(out)


def _refusal(shape: str, raw: bytes) -> bool:
    """True if ``raw`` is a redactproxy refusal in the shape's provider format."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return False
    if shape.startswith("openai"):
        return doc.get("error", {}).get("type") == "redactproxy_error"
    return doc.get("type") == "error" and doc["error"]["message"].startswith("redactproxy")


def start_gateway(name: str, up: Upstream, workdir: Path, url: str | None, project: Path,
                  nlp: bool, trace: Path | None = None, caps: str | None = None) -> Gateway:
    """``redactproxy start`` as a gateway replica on the shared store."""
    po, pa = free_port(), free_port()
    route = Route(name, port=po, upstream=up)
    cmd = [sys.executable, "-m", "redactproxy", "start", "--no-ui", "--no-forward",
           "--upstream", f"https://api.openai.com@{po}",
           "--upstream", f"https://api.anthropic.com@{pa}", "--project", str(project),
           "--upstream-ca", str(up.ca), "--store", url or "sqlite", "--require-tokens"]
    for host in DEFAULT_HOSTS:
        if not host.replace(".", "").isdigit() and host != "localhost":
            cmd += ["--resolve", f"{host}:443=127.0.0.1:{up.port}"]
    if not nlp:
        cmd.append("--no-nlp")
    env = {**_env(workdir), "REDACTPROXY_HOME": str(workdir / f"{name}-home"),
           "REDACTPROXY_VAULT_KEY": base64.b64encode(KEY).decode(),
           "REDACTPROXY_TEAM_KEY": TEAM_KEY}
    if caps is not None:  # smaller in-memory tables: every cap reached in a short run
        env[CAPS_ENV] = caps
    if trace is not None:  # memory growth by traceback (redactproxy/memtrace.py)
        env.update(REDACTPROXY_TRACEMALLOC=str(trace), REDACTPROXY_TRACEMALLOC_EVERY="30",
                   REDACTPROXY_TRACEMALLOC_FRAMES=os.environ.get(
                       "REDACTPROXY_TRACEMALLOC_FRAMES", "4"))
    _spawn(route, cmd, env)
    route.listening_s = route.wait_line("listening on", 60)
    route.ready_s = route.wait_line("detector ready", 240)
    return Gateway(route, po, pa)


KEY = secrets.token_bytes(32)


class Load:
    """The clients, the outage and the samplers of one run."""

    def __init__(self, args: argparse.Namespace, up: Upstream, gateways: list[Gateway],
                 pg: PgServer, token: str) -> None:
        self.args, self.up, self.gateways, self.pg, self.token = args, up, gateways, pg, token
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.t0 = 0.0
        self.outage: tuple[float, float] | None = None
        self.wrong: list[str] = []
        self.pg_conns: list[tuple[float, int]] = []
        self.url = ""

    def _send(self, client: Any, shape: str, replica: int | None,
              messages: list[dict[str, str]]) -> tuple[int, float, bytes]:
        body = _body(shape, messages)
        if replica is None:  # the upstream reached directly: the baseline
            route = direct(self.up)
            path = "/v1/chat/completions" if shape.startswith("openai") else "/v1/messages"
            host = "api.openai.com" if shape.startswith("openai") else "api.anthropic.com"
            target = route.target(f"https://{host}{path}")
            url, headers, ext = target.url, dict(target.headers), target.extensions
        else:
            gw = self.gateways[replica]
            if shape.startswith("openai"):
                url = f"http://127.0.0.1:{gw.openai}/v1/chat/completions"
            else:
                url = f"http://127.0.0.1:{gw.anthropic}/v1/messages"
            headers, ext = {}, {}
        if shape.startswith("openai"):
            headers["authorization"] = f"Bearer {self.token if replica is not None else 'sk-x'}"
        else:
            headers["x-api-key"] = self.token if replica is not None else "sk-ant-x"
            headers["anthropic-version"] = "2023-06-01"
        headers["content-type"] = "application/json"
        t = time.perf_counter()
        with client.stream("POST", url, content=body, headers=headers, extensions=ext) as r:
            raw = r.read()
            status = r.status_code
        return status, time.perf_counter() - t, raw

    def client(self, i: int, end: float, baseline: bool) -> None:
        """One client: conversations until ``end``."""
        shape = SHAPES[i % len(SHAPES)]
        rng = random.Random(i)
        route = direct(self.up) if baseline else None
        http = route.client(timeout=60) if route else _plain_client()
        n = 0
        with http:
            while time.monotonic() < end:
                n += 1
                conv = f"c{i}-{n}{'b' if baseline else ''}"
                history: list[dict[str, str]] = []
                for turn in range(self.args.turns):
                    if time.monotonic() >= end:
                        break
                    text = (f"[{conv}] turn {turn}: reach dev{i}.{n}@example.org or "
                            f"t{turn}.{conv}@example.net today")
                    messages = [*history, {"role": "user", "content": text}]
                    replica = None if baseline else (i + turn) % 2
                    try:
                        status, latency, raw = self._send(http, shape, replica, messages)
                    except Exception as e:  # noqa: BLE001 - counted, the load goes on
                        self._record(shape, replica, 0, 0.0, "error", f"{type(e).__name__}")
                        break
                    if status == 200:
                        answer = _answer(shape, raw)
                        ok = answer == f"Echo: {text}"
                        self._record(shape, replica, status, latency,
                                     "ok" if ok else "wrong_answer", answer[:80])
                        history = [*messages, {"role": "assistant", "content": answer}]
                        continue
                    kind = "refused" if _refusal(shape, raw) else "error"
                    self._record(shape, replica, status, latency, kind, raw[:120].decode())
                    time.sleep(0.2 + rng.random() * 0.3)
                    break

    def _record(self, shape: str, replica: int | None, status: int, latency: float,
                kind: str, note: str) -> None:
        with self.lock:
            self.results.append(Result(time.monotonic() - self.t0, shape,
                                       -1 if replica is None else replica, status, latency,
                                       kind))
            if kind in ("wrong_answer", "error") and len(self.wrong) < 10:
                self.wrong.append(f"{kind} {shape} {status}: {note}")

    def run_phase(self, seconds: float, baseline: bool) -> None:
        self.t0 = time.monotonic()
        end = self.t0 + seconds
        threads = [threading.Thread(target=self.client, args=(i, end, baseline), daemon=True)
                   for i in range(self.args.clients)]
        extra: list[threading.Thread] = []
        if not baseline:
            extra = [threading.Thread(target=self._sample, args=(end,), daemon=True)]
            if self.args.outage > 0:
                extra.append(threading.Thread(target=self._outage, daemon=True))
        for t in extra + threads:  # the clock keepers first: 200 starting clients hog the GIL
            t.start()
        for t in threads + extra:
            t.join()

    def _sample(self, end: float) -> None:
        import psycopg

        while time.monotonic() < end + 1:
            t = time.monotonic() - self.t0
            for gw in self.gateways:
                assert gw.route.proc is not None
                total, procs = rss_tree(gw.route.proc.pid)
                gw.rss.append((t, total))
                gw.rss_proxy.append((t, next((mb for pid, _, mb in procs
                                              if pid == gw.route.proc.pid), 0.0)))
                try:
                    gw.fds.append((t, len(os.listdir(f"/proc/{gw.route.proc.pid}/fd"))))
                except OSError:
                    pass
            try:
                with psycopg.connect(self.url, connect_timeout=2, autocommit=True) as conn:
                    n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                     "application_name = 'redactproxy'").fetchone()
                    self.pg_conns.append((t, int(n[0]) if n else 0))
            except psycopg.Error:
                pass  # the outage
            time.sleep(5)

    def _outage(self) -> None:
        start = self.t0 + (self.args.duration - self.args.outage) / 2
        time.sleep(max(0.0, start - time.monotonic()))
        t_stop = time.monotonic() - self.t0
        self.pg.stop()
        time.sleep(max(0.0, start + self.args.outage - time.monotonic()))
        self.pg.start()
        self.outage = (t_stop, time.monotonic() - self.t0)


_NO_TLS = ssl.create_default_context()  # gateways are plain HTTP here: one unused context
_NO_TLS.check_hostname = False
_NO_TLS.verify_mode = ssl.CERT_NONE


def _plain_client() -> Any:
    import httpx2

    lim = httpx2.Limits(max_connections=4, max_keepalive_connections=4)
    # One shared SSL context: loading the CA bundle per client costs ~0.1 s of CPU each.
    return httpx2.Client(trust_env=False, timeout=60, limits=lim, verify=_NO_TLS)


def check_bodies(bodies: list[str]) -> dict[str, int]:
    """Leaks, and whether every turn resent the previous turn's messages byte for byte."""
    leaks = sum(1 for b in bodies if VALUE_RE.search(b))
    by_conv: dict[str, list[list[Any]]] = {}
    for b in bodies:
        msgs = json.loads(b)["messages"]
        m = re.match(r"\[(c\d+-\d+)\]", msgs[0]["content"])
        if m:
            by_conv.setdefault(m.group(1), []).append(msgs)
    checked = mismatched = 0
    for turns in by_conv.values():
        turns.sort(key=len)
        for prev, cur in zip(turns, turns[1:], strict=False):
            checked += 1
            if cur[:len(prev)] != prev:
                mismatched += 1
    return {"bodies": len(bodies), "leaks": leaks, "conversations": len(by_conv),
            "turn_pairs_checked": checked, "turn_pairs_different": mismatched}


def summarize(load: Load, baseline: list[Result], bodies: dict[str, int],
              audit_rows: int, chain_ok: bool) -> dict[str, Any]:
    res = load.results
    out = load.outage or (0.0, 0.0)
    served = [r for r in res if r.kind == "ok" and not out[0] <= r.t <= out[1] + 2]
    lat = [r.latency for r in served]
    base = [r.latency for r in baseline if r.kind == "ok"]
    after = [r.t for r in res if r.kind == "ok" and r.t > out[1]]
    base_p95 = pct(base, 95) if base else None
    step = load.args.window
    windows = []
    for w in range(0, int(load.args.duration), int(step)):
        inside = [r for r in res if w <= r.t < w + step]
        wl = [r.latency for r in inside if r.kind == "ok"]
        p95 = pct(wl, 95) if wl else None
        windows.append({
            "t": w, "ok": len(wl),
            "refused": sum(1 for r in inside if r.kind == "refused"),
            "error": sum(1 for r in inside if r.kind in ("error", "wrong_answer")),
            "p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
            "added_p95_ms": round((p95 - base_p95) * 1000, 1)
            if p95 is not None and base_p95 is not None else None,
            "rss_mb": {gw.route.name: max((round(m) for t, m in gw.rss if w <= t < w + step),
                                          default=None) for gw in load.gateways},
            "rss_proxy_mb": {gw.route.name: max((round(m) for t, m in gw.rss_proxy
                                                 if w <= t < w + step), default=None)
                             for gw in load.gateways},
            "fds": {gw.route.name: max((n for t, n in gw.fds if w <= t < w + step),
                                       default=None) for gw in load.gateways},
            "pg_connections": max((n for t, n in load.pg_conns if w <= t < w + step),
                                  default=None)})
    # Sent while PostgreSQL was down (a request scanned just before the stop may finish later).
    during = [r for r in res if load.outage and out[0] <= r.sent <= out[1]]
    kinds: dict[str, int] = {}
    for r in res:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    answered = sum(1 for r in res if r.kind in ("ok", "wrong_answer", "refused"))
    return {
        "clients": load.args.clients, "duration_s": load.args.duration,
        "turns": load.args.turns, "nlp": load.args.nlp,
        "requests": len(res), "by_kind": kinds,
        "refused_outside_outage": sum(1 for r in res if r.kind == "refused"
                                      and not out[0] - 1 <= r.t <= out[1] + 5),
        "outage_s": [round(out[0], 1), round(out[1], 1)] if load.outage else None,
        "first_ok_after_outage_s": round(min(after) - out[1], 2) if after and load.outage
        else None,
        "throughput_rps": round(len(served) / max(1.0, load.args.duration - (out[1] - out[0])),
                                1),
        "direct_p50_ms": round(pct(base, 50) * 1000, 1) if base else None,
        "direct_p95_ms": round(pct(base, 95) * 1000, 1) if base else None,
        "gateway_p50_ms": round(pct(lat, 50) * 1000, 1) if lat else None,
        "gateway_p95_ms": round(pct(lat, 95) * 1000, 1) if lat else None,
        "added_p95_ms": round((pct(lat, 95) - pct(base, 95)) * 1000, 1) if lat and base
        else None,
        "windows": windows,
        "outage_requests": {
            "refused_provider_format": sum(1 for r in during if r.kind == "refused"),
            "other_errors": sum(1 for r in during if r.kind == "error"),
            "served": sum(1 for r in during if r.kind == "ok")},
        "forwarded_unscanned": bodies["leaks"],
        "rss_growth_mb": {gw.route.name: _growth(gw.rss, load.args.duration)
                          for gw in load.gateways},
        "max_fds": {gw.route.name: max((n for _, n in gw.fds), default=None)
                    for gw in load.gateways},
        "max_pg_connections": max((n for _, n in load.pg_conns), default=None),
        "rss_mb": {gw.route.name: [(round(t), round(m)) for t, m in gw.rss]
                   for gw in load.gateways},
        "cache_limits": load.args.cache_limits or "defaults",
        "caps_reached_s": {gw.route.name: _caps_reached(gw, load.t0) for gw in load.gateways},
        "upstream": bodies, "audit_rows": audit_rows, "gateway_answered": answered,
        "chain_ok": chain_ok, "samples_of_errors": load.wrong,
    }


def _caps_reached(gw: Gateway, t0: float) -> dict[str, float]:
    """When (s into the load) each in-memory table of a replica reached its cap."""
    out: dict[str, float] = {}
    for t, line in list(gw.route.lines):
        m = re.search(r"memory cap reached: (.+?) at ", line)
        if m and m.group(1) not in out:
            out[m.group(1)] = round(t - t0, 1)
    return out


def _growth(series: list[tuple[float, float]], duration: float) -> float | None:
    """Median RSS of the last fifth of the run minus that of the first fifth (MB)."""
    import statistics

    head = [m for t, m in series if t < duration / 5]
    tail = [m for t, m in series if t >= duration * 4 / 5]
    if not head or not tail:
        return None
    return round(statistics.median(tail) - statistics.median(head), 1)


def _raise_fd_limit(clients: int) -> int:
    """Lift the open-file limit to the hard limit; refuse if the clients cannot fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = clients * 8 + 512  # client sockets + each replica's client and upstream sides
    if soft < need:
        target = need * 2 if hard == resource.RLIM_INFINITY else min(hard, need * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < need:
        raise SystemExit(f"team_load: {clients} clients need about {need} open files; the "
                         f"hard limit is {hard} (raise it: ulimit -Hn)")
    return soft


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=90.0, help="seconds of load (default 90)")
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    p.add_argument("--turns", type=int, default=4, help="turns per conversation (default 4)")
    p.add_argument("--outage", type=float, default=30.0,
                   help="seconds PostgreSQL is stopped mid-run; 0 for none (default 30)")
    p.add_argument("--baseline", type=float, default=10.0,
                   help="seconds of direct-to-upstream baseline (default 10)")
    p.add_argument("--window", type=float, default=60.0,
                   help="seconds per reported window: p95, RSS, fds (default 60)")
    p.add_argument("--nlp", action="store_true", help="NER on (default: patterns only)")
    p.add_argument("--sqlite", action="store_true",
                   help="for comparison: each replica on its own SQLite files (no outage; "
                        "placeholders then differ between replicas)")
    p.add_argument("--cache-limits", metavar="SPEC",
                   help="the replicas' in-memory caps (REDACTPROXY_CACHE_LIMITS, e.g. "
                        "'vault=2000,findings=1MB,answers=2000,records=500'; default: "
                        "redactproxy/caps.py)")
    p.add_argument("--trace-memory", type=Path, metavar="DIR",
                   help="replica-a writes its memory growth by traceback there every 30 s "
                        "(tracemalloc: slows that replica; for finding leaks, not for numbers)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                   "team_load.json")
    args = p.parse_args()
    if args.sqlite:
        args.outage = 0
    if not 1 <= args.clients <= 400 or not 5 <= args.duration <= 3600:
        p.error("--clients 1..400 and --duration 5..3600 (this runs on one machine)")
    fd_limit = _raise_fd_limit(args.clients)
    bindir = _bindir()
    if bindir is None:
        p.error("PostgreSQL is not installed (apt-get install postgresql)")
    workdir = Path(tempfile.mkdtemp(prefix="redactproxy-team-load-"))
    os.chmod(workdir, 0o755)
    up = Upstream(workdir / "upstream")
    pg = PgServer(bindir, Path(tempfile.mkdtemp(prefix="redactproxy-pg-")))
    gateways: list[Gateway] = []
    try:
        pg.start()
        url = pg.new_database()
        from redactproxy.stores.location import Stores

        stores = Stores(url)
        token = stores.tokens().create("load-test")
        stores.close()
        if args.sqlite:  # each replica its own SQLite files: the comparison, not the setup
            for name in ("replica-a", "replica-b"):
                home = workdir / f"{name}-home"
                home.mkdir(parents=True, exist_ok=True)
                from redactproxy.stores.tokens import TokenStore, sqlite_query, token_digest

                q = sqlite_query(home / "tokens.sqlite3")
                q("INSERT INTO access_tokens (name, digest, created) VALUES (?, ?, ?)",
                  ("load-test", token_digest(token), time.time()))
                TokenStore(q)
        project = workdir / "project"
        project.mkdir()
        for name in ("replica-a", "replica-b"):
            gateways.append(start_gateway(name, up, workdir, None if args.sqlite else url,
                                          project, args.nlp,
                                          args.trace_memory if name == "replica-a" else None,
                                          args.cache_limits))
        load = Load(args, up, gateways, pg, token)
        load.url = url
        print(f"baseline: {args.clients} clients, {args.baseline:.0f} s direct", flush=True)
        load.run_phase(args.baseline, baseline=True)
        baseline = load.results
        load.results, load.wrong = [], []
        assert up.proc.stdin and up.proc.stdout
        up.proc.stdin.write("clear\n")
        up.proc.stdin.flush()
        up.proc.stdout.readline()
        print(f"load: {args.clients} clients, {args.duration:.0f} s, PostgreSQL stopped "
              f"{args.outage:.0f} s mid-run", flush=True)
        load.run_phase(args.duration, baseline=False)
        up.proc.stdin.write("bodies\n")
        up.proc.stdin.flush()
        bodies = check_bodies(json.loads(up.proc.stdout.readline()))
        for gw in gateways:
            gw.route.stop()
        from redactproxy.stores.pgaudit import PgAuditStore
        from redactproxy.stores.postgres import Database

        if args.sqlite:
            from redactproxy.audit import AuditStore

            rows, ok = 0, True
            for name in ("replica-a", "replica-b"):
                with AuditStore(workdir / f"{name}-home" / "audit.sqlite3") as store:
                    rows += len(store.requests())
                    ok = ok and store.verify().ok
        else:
            db = Database(url)
            audit = PgAuditStore(db)
            rows = len(audit.requests())
            ok = audit.verify().ok
            db.close()
        summary = summarize(load, baseline, bodies, rows, ok)
        summary["store"] = "sqlite (one per replica)" if args.sqlite else "postgresql"
        summary["fd_limit"] = fd_limit
        summary["machine"] = {"cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()}
    finally:
        for gw in gateways:
            gw.route.stop()
        up.stop()
        if pg.running():
            pg.stop()
        cleanup(pg.root)
        cleanup(workdir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    table = _table(summary)
    args.out.with_suffix(".md").write_text(table + "\n")
    print(table)
    bad = (summary["upstream"]["leaks"] or summary["upstream"]["turn_pairs_different"]
           or summary["by_kind"].get("wrong_answer") or not summary["chain_ok"]
           or summary["audit_rows"] != summary["gateway_answered"])
    return 1 if bad else 0


def _table(s: dict[str, Any]) -> str:
    """The summary as Markdown: the checks, then one row per window."""
    up = s["upstream"]
    o = s["outage_requests"]
    rows = [
        ("run", f"{s['clients']} clients, {s['duration_s']:.0f} s, {s['turns']} turns per "
                f"conversation, store {s['store']}, NER {'on' if s['nlp'] else 'off'}, "
                f"{s['machine']['cpus']} CPUs"),
        ("requests (ok / wrong answer / refused / error)",
         " / ".join(str(s["by_kind"].get(k, 0))
                    for k in ("ok", "wrong_answer", "refused", "error"))),
        ("every answer restored", "yes" if not s["by_kind"].get("wrong_answer") else
         f"NO: {s['by_kind']['wrong_answer']} wrong"),
        ("forwarded unscanned (raw value seen by the upstream)", s["forwarded_unscanned"]),
        ("turn pairs resent byte-identical across replicas",
         f"{up['turn_pairs_checked'] - up['turn_pairs_different']} of {up['turn_pairs_checked']}"),
        ("PostgreSQL stopped (s into the run)", s["outage_s"]),
        ("sent during the outage: refused in provider format / other errors / served",
         f"{o['refused_provider_format']} / {o['other_errors']} / {o['served']}"),
        ("refused outside the outage", s["refused_outside_outage"]),
        ("first answer after PostgreSQL is back (s)", s["first_ok_after_outage_s"]),
        ("audit rows / requests the gateways answered",
         f"{s['audit_rows']} / {s['gateway_answered']} (chain "
         f"{'intact' if s['chain_ok'] else 'BROKEN'})"),
        ("served requests/s (outside the outage)", s["throughput_rps"]),
        ("direct p50 / p95 (ms)", f"{s['direct_p50_ms']} / {s['direct_p95_ms']}"),
        ("gateway p50 / p95 (ms)", f"{s['gateway_p50_ms']} / {s['gateway_p95_ms']}"),
        ("added p95 (ms)", s["added_p95_ms"]),
        ("in-memory caps", s["cache_limits"]),
        ("caps reached (s into the run)",
         "; ".join(f"{k}: " + (", ".join(f"{t} {v}" for t, v in c.items()) or "none")
                   for k, c in s["caps_reached_s"].items())),
        ("RSS growth, last fifth minus first fifth (MB)",
         ", ".join(f"{k} {v}" for k, v in s["rss_growth_mb"].items())),
        ("max open fds per replica (limit)",
         ", ".join(f"{k} {v}" for k, v in s["max_fds"].items()) + f" ({s['fd_limit']})"),
        ("max PostgreSQL connections (both replicas)", s["max_pg_connections"]),
    ]
    lines = ["| check | result |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    names = list(s["rss_mb"])
    lines += ["", "| from (s) | ok | refused | errors | p95 (ms) | added p95 (ms) | "
              + " | ".join(f"RSS {n} (MB)" for n in names) + " | "
              + " | ".join(f"of which proxy {n}" for n in names) + " | "
              + " | ".join(f"fds {n}" for n in names) + " | PG conns |",
              "|---" * (6 + 3 * len(names) + 1) + "|"]
    for w in s["windows"]:
        lines.append(f"| {w['t']} | {w['ok']} | {w['refused']} | {w['error']} | {w['p95_ms']} "
                     f"| {w['added_p95_ms']} | "
                     + " | ".join(str(w["rss_mb"][n]) for n in names) + " | "
                     + " | ".join(str(w["rss_proxy_mb"][n]) for n in names) + " | "
                     + " | ".join(str(w["fds"][n]) for n in names)
                     + f" | {w['pg_connections']} |")
    lines += [f"sample: {e}" for e in s["samples_of_errors"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
