"""redactproxy speed benchmark: direct vs bare mitmproxy vs redactproxy (patterns / NER), one run.

Usage: ``python benchmarks/run.py [--quick] [--only NAME ...] [--out FILE]``
(``./dev bench`` runs it). NAME is one of: small_chat, coding_agent, cold_100k, streaming,
concurrency, startup. Every configuration reaches the same fake upstream (a child process on
127.0.0.1) and repetitions alternate between configurations, so machine noise hits all alike.
Prints a table with targets (pass/miss) and writes ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _harness import (  # type: ignore[import-not-found]
    ROOT,
    ROUTES,
    Route,
    StreamTiming,
    Upstream,
    cleanup,
    direct,
    median,
    pct,
    post,
    rss_tree,
    start_bare,
    start_redactproxy,
    stream,
)
from _streams import SHAPES, reply_text, request_body, restore_speed  # type: ignore[import-not-found]
from corpus import Corpus, anthropic_turns  # type: ignore[import-not-found]

from redactproxy.placeholders import PLACEHOLDER_RE
from redactproxy.protocols.answers import StreamRewriter

OPENAI = "https://api.openai.com/v1/chat/completions"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
SCENARIOS = ("small_chat", "coding_agent", "cold_100k", "streaming", "unpaced", "concurrency",
             "startup")
BASE = "mitmproxy"


def ms(x: float) -> float:
    return round(x * 1000, 2)


def order(rep: int) -> list[str]:
    """Route order for one repetition: rotated so no configuration always goes first."""
    k = rep % len(ROUTES)
    return list(ROUTES[k:] + ROUTES[:k])


def summary(samples: dict[str, list[float]], paired: bool = True) -> dict[str, dict[str, float]]:
    """Median, p95, ratio to bare mitmproxy and added ms (median of paired differences)."""
    base = samples.get(BASE, [])
    out: dict[str, dict[str, float]] = {}
    for name, xs in samples.items():
        row = {"n": len(xs), "median": round(median(xs), 2), "p95": round(pct(xs, 95), 2)}
        if base and name != BASE:
            row["ratio"] = round(median(xs) / median(base), 3) if median(base) else float("nan")
            if paired and len(base) == len(xs):
                diffs = [a - b for a, b in zip(xs, base, strict=False)]
                row["added"] = round(median(diffs), 2)
                row["added_p95"] = round(pct(diffs, 95), 2)
            else:
                row["added"] = round(median(xs) - median(base), 2)
        out[name] = row
    return out


def chat_body(text: str) -> bytes:
    return json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": text}]}).encode()


class Bench:
    def __init__(self, routes: dict[str, Route], upstream: Upstream, quick: bool) -> None:
        self.routes = routes
        self.upstream = upstream
        self.quick = quick
        self.clients = {name: r.client() for name, r in routes.items()}

    def t(self, name: str, url: str) -> Any:
        return self.routes[name].target(url)

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    # --- small chat -----------------------------------------------------------------------

    def small_chat(self) -> dict[str, Any]:
        """2 KB of new prose with a few PII values, OpenAI chat, non-streamed, echo answer."""
        samples: dict[str, list[float]] = {r: [] for r in ROUTES}
        for warm in range(3):
            body = chat_body(Corpus(900 + warm).chat_prompt())
            for name in ROUTES:
                post(self.clients[name], self.t(name, OPENAI), body)
        checked = {}
        for rep in range(self.reps(40, 6)):
            prompt = Corpus(1000 + rep).chat_prompt()
            body = chat_body(prompt)
            for name in order(rep):
                t, r = post(self.clients[name], self.t(name, OPENAI), body)
                assert r.status_code == 200, (name, r.status_code, r.text[:300])
                samples[name].append(ms(t))
                if rep == 0:  # the echo must come back with the values restored
                    checked[name] = prompt in r.json()["choices"][0]["message"]["content"]
        return {"ms": summary(samples), "echo_restored": checked, "samples": samples}

    # --- coding agent -----------------------------------------------------------------------

    def coding_agent(self) -> dict[str, Any]:
        """20-turn Anthropic conversation, streamed, growing history; per-turn latency."""
        convs = self.reps(3, 1)
        turns = 8 if self.quick else 20
        headers = {"x-fake-event-delay": "0", "x-fake-chunk-chars": "8",
                   "x-fake-split-every": "0"}
        share: list[list[float]] = [[] for _ in range(turns)]
        total: dict[str, list[float]] = {r: [] for r in ROUTES}
        first: dict[str, list[float]] = {r: [] for r in ROUTES}
        warm_ttfb: dict[str, list[float]] = {r: [] for r in ROUTES}
        per_turn: dict[str, list[list[float]]] = {r: [[] for _ in range(turns)] for r in ROUTES}
        sizes: list[int] = []
        for c in range(convs):
            # Each turn the model answers ~1.5 KB of prose, which the agent sends back in
            # the history of every later turn (the answers NER need not see again).
            answers = [Corpus(4100 + 100 * c + t).prose(1500, pii=0.0) for t in range(turns)]
            bodies = anthropic_turns(4000 + c, turns, answers)
            for t, body in enumerate(bodies):
                raw = json.dumps(body).encode()
                if c == 0:
                    sizes.append(len(raw))
                h = {**headers, "x-fake-reply": quote(answers[t])}
                for name in order(c * turns + t):
                    logged = self._logged("ner")
                    st = stream(self.clients[name], self.t(name, ANTHROPIC), raw, h)
                    if name == "ner":
                        share[t].append(self._ner_share(logged))
                    assert st.status == 200, (name, st.status, st.body[:300])
                    (first if t == 0 else total)[name].append(ms(st.total))
                    if t:
                        warm_ttfb[name].append(ms(st.ttfb))
                    per_turn[name][t].append(ms(st.total))
        by_turn = {name: [round(median(x), 1) for x in per_turn[name]] for name in ROUTES}
        return {"ner_share_by_turn": [round(median(x), 3) for x in share],
                "warm_turn_ms": summary(total), "warm_turn_ttfb_ms": summary(warm_ttfb),
                "first_turn_ms": summary(first),
                "median_ms_by_turn": by_turn, "body_kb_by_turn": [s // 1024 for s in sizes],
                "conversations": convs}

    def _logged(self, name: str) -> int:
        return sum(1 for _, line in self.routes[name].lines if " ner_chars=" in line)

    def _ner_share(self, before: int, timeout: float = 10.0) -> float:
        """Share of the request's scanned text that reached NER (from the proxy's log line)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = [line for _, line in self.routes["ner"].lines if " ner_chars=" in line]
            if len(lines) > before:
                f = dict(re.findall(r"(\w+)=(\S+)", lines[before]))
                return int(f["ner_chars"]) / max(1, int(f["text_chars"]))
            time.sleep(0.01)
        return float("nan")

    # --- cold 100 KB --------------------------------------------------------------------------

    def cold_100k(self) -> dict[str, Any]:
        """A 100 KB request of mixed code and prose never seen before (fresh every repetition)."""
        samples: dict[str, list[float]] = {r: [] for r in ROUTES}
        headers = {"x-fake-reply": "ok"}
        for rep in range(self.reps(8, 2)):
            body = chat_body(Corpus(5000 + rep + int(time.time())).mixed(100_000))
            for name in order(rep):
                t, r = post(self.clients[name], self.t(name, OPENAI), body, headers)
                assert r.status_code == 200, (name, r.status_code, r.text[:300])
                samples[name].append(ms(t))
        return {"ms": summary(samples), "samples": samples}

    # --- streaming --------------------------------------------------------------------------

    @staticmethod
    def _text() -> str:
        """A few synthetic values in prose (the same every call)."""
        c = Corpus(77)
        return " ".join(f"Write to {c.email()} or call {c.phone()} about {c.name()} and "
                        f"{c.name()}." for _ in range(4)) + f" Key: {c.fake_key()}"

    def _placeholders(self, name: str) -> list[str]:
        """Make ``name``'s vault hold a few values; return their placeholders as sent upstream."""
        t, r = post(self.clients[name], self.t(name, OPENAI), chat_body(self._text()))
        assert r.status_code == 200
        found = list(dict.fromkeys(m.group(0) for m in PLACEHOLDER_RE.finditer(
            self.upstream.last_body())))
        assert found, f"{name}: no placeholder reached the upstream"
        return found

    @staticmethod
    def _reply(placeholders: list[str], chars: int = 6000, every: int = 7) -> str:
        """Prose whose every ``every``-th word (on average) is one of ``placeholders``."""
        c = Corpus(78)
        words: list[str] = []
        size = i = 0
        while size < chars:
            i += 1
            filler = ["the", "message", "went", "to", "and", "then", "we", "called", "again"]
            w = (placeholders[i % len(placeholders)] if c.rng.randrange(every) == 0
                 else c.rng.choice(filler))
            words.append(w)
            size += len(w) + 1
        return " ".join(words)[:chars]

    def streaming(self) -> dict[str, Any]:
        """A streamed answer of ~2,000 events holding placeholders the vault knows."""
        phs = {name: self._placeholders(name) for name in ("patterns", "ner")}
        phs["direct"] = phs[BASE] = phs["patterns"]
        replies = {name: self._reply(p) for name, p in phs.items()}
        # The request holds the values again: an answer restores only placeholders the
        # proxy wrote into the request it answers.
        body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": True,
                           "messages": [{"role": "user",
                                         "content": f"Summarise: {self._text()}"}]}).encode()
        ttfb: dict[str, list[float]] = {r: [] for r in ROUTES}
        tot: dict[str, list[float]] = {r: [] for r in ROUTES}
        gap: dict[str, list[float]] = {r: [] for r in ROUTES}
        events: dict[str, int] = {}
        left: dict[str, int] = {}
        for rep in range(self.reps(6, 2)):
            for name in order(rep):
                headers = {"x-fake-reply": quote(replies[name]), "x-fake-chunk-chars": "3",
                           "x-fake-event-delay": "0.001", "x-fake-split-every": "0"}
                st = stream(self.clients[name], self.t(name, ANTHROPIC), body, headers)
                assert st.status == 200, (name, st.status, st.body[:300])
                ttfb[name].append(ms(st.ttfb))
                tot[name].append(ms(st.total))
                gap[name].append(ms(st.max_gap))
                events[name] = st.body.count(b"\n\n")
                left[name] = sum(1 for m in PLACEHOLDER_RE.finditer(st.body.decode())
                                 if m.group(0) in phs[name])
        return {"ttfb_ms": summary(ttfb), "total_ms": summary(tot), "max_gap_ms": summary(gap),
                "events": events, "placeholders_left_in_answer": left,
                "restore_mb_s": restore_throughput(phs["ner"]),
                "restore_by_shape": {"dense": restore_speed(phs["ner"], every=7),
                                     "plain": restore_speed(phs["ner"], every=0)}}

    # --- unpaced streams ----------------------------------------------------------------------

    def unpaced(self) -> dict[str, Any]:
        """~2,000-event answers sent as fast as the upstream can, per API shape, with and
        without placeholders the vault knows (a fast provider, or a cached answer)."""
        phs = {name: self._placeholders(name) for name in ("patterns", "ner")}
        phs["direct"] = phs[BASE] = phs["patterns"]
        out: dict[str, Any] = {}
        for shape, (url, _api) in SHAPES.items():
            # The request holds the values: an answer restores only the placeholders the
            # proxy wrote into the request it answers (others stay, as relay-steered).
            body = json.dumps(request_body(shape, f"Summarise: {self._text()}")).encode()
            for every, label in ((7, "placeholders"), (0, "plain")):
                replies = {name: quote(reply_text(p, 6000, every)) for name, p in phs.items()}
                ttfb: dict[str, list[float]] = {r: [] for r in ROUTES}
                tot: dict[str, list[float]] = {r: [] for r in ROUTES}
                left: dict[str, int] = {}
                events = 0
                for rep in range(self.reps(8, 2)):
                    for name in order(rep):
                        headers = {"x-fake-reply": replies[name], "x-fake-chunk-chars": "3",
                                   "x-fake-event-delay": "0", "x-fake-split-every": "0"}
                        st = stream(self.clients[name], self.t(name, url), body, headers)
                        assert st.status == 200, (name, st.status, st.body[:300])
                        ttfb[name].append(ms(st.ttfb))
                        tot[name].append(ms(st.total))
                        events = st.body.count(b"\n\n")
                        left[name] = sum(1 for m in PLACEHOLDER_RE.finditer(
                            st.body.decode()) if m.group(0) in phs[name])
                out[f"{shape} {label}"] = {"ttfb_ms": summary(ttfb), "total_ms": summary(tot),
                                           "events": events, "placeholders_left": left}
        return out

    # --- concurrency -------------------------------------------------------------------------

    def concurrency(self) -> dict[str, Any]:
        """20 streams in flight while a cold 100 KB request is analysed: their largest gap."""
        n_streams = 20
        headers = {"x-fake-reply": quote("word " * 120), "x-fake-chunk-chars": "3",
                   "x-fake-event-delay": "0.02", "x-fake-split-every": "0"}
        body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": True,
                           "messages": [{"role": "user", "content": "Status?"}]}).encode()
        worst: dict[str, list[float]] = {r: [] for r in ROUTES}
        typical: dict[str, list[float]] = {r: [] for r in ROUTES}
        cold: dict[str, list[float]] = {r: [] for r in ROUTES}
        route_clients = {name: [self.routes[name].client() for _ in range(n_streams)]
                         for name in ROUTES}
        for name in ROUTES:  # connect and warm the stream clients (CONNECT + TLS once)
            for cl in route_clients[name]:
                post(cl, self.t(name, OPENAI), chat_body("Status?"))
        for rep in range(self.reps(4, 1)):
            big = chat_body(Corpus(7000 + rep + int(time.time())).mixed(100_000))
            for name in order(rep):
                results: list[StreamTiming | None] = [None] * n_streams

                def run(i: int, name: str = name, results: list = results) -> None:
                    results[i] = stream(route_clients[name][i], self.t(name, ANTHROPIC), body,
                                        headers)

                threads = [threading.Thread(target=run, args=(i,)) for i in range(n_streams)]
                for th in threads:
                    th.start()
                time.sleep(0.5)
                t, r = post(self.clients[name], self.t(name, OPENAI), big, {"x-fake-reply": "ok"})
                assert r.status_code == 200, (name, r.status_code)
                for th in threads:
                    th.join(120)
                gaps = [ms(s.max_gap) for s in results if s is not None]
                assert len(gaps) == n_streams and all(s and s.status == 200 for s in results)
                worst[name].append(max(gaps))
                typical[name].append(median(gaps))
                cold[name].append(ms(t))
        for cls in route_clients.values():
            for cl in cls:
                cl.close()
        return {"largest_gap_ms": summary(worst), "median_stream_gap_ms": summary(typical),
                "cold_request_ms": summary(cold), "streams": n_streams}


def restore_throughput(placeholders: list[str]) -> dict[str, float]:
    """MB/s of ``StreamRewriter`` over Anthropic SSE answers (dense and sparse placeholders)."""
    dense = _throughput(placeholders, 7)
    sparse = _throughput(placeholders, 60)
    return {"per_event_mb_s": dense["per_event"], "bulk_64k_mb_s": dense["bulk"],
            "sparse_per_event_mb_s": sparse["per_event"], "bytes": dense["bytes"],
            "events": dense["events"]}


def _throughput(placeholders: list[str], every: int) -> dict[str, float]:
    """MB/s of ``StreamRewriter`` fed an Anthropic SSE answer event by event, in-process."""
    values = {p: f"value-{i}@example.org" for i, p in enumerate(placeholders)}
    text = Bench._reply(placeholders, 60_000, every)
    events = [("event: content_block_delta\ndata: " + json.dumps(
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "text_delta", "text": text[i:i + 3]}}) + "\n\n").encode()
              for i in range(0, len(text), 3)]
    size = sum(map(len, events))
    best: list[float] = []
    for _ in range(5):
        rw = StreamRewriter("anthropic-messages", values.get)
        t0 = time.perf_counter()
        for ev in events:
            rw.feed(ev)
        rw.finish()
        best.append(time.perf_counter() - t0)
    bulk: list[float] = []
    blob = b"".join(events)
    for _ in range(5):
        rw = StreamRewriter("anthropic-messages", values.get)
        t0 = time.perf_counter()
        for i in range(0, len(blob), 65536):
            rw.feed(blob[i:i + 65536])
        rw.finish()
        bulk.append(time.perf_counter() - t0)
    return {"per_event": round(size / median(best) / 1e6, 2),
            "bulk": round(size / median(bulk) / 1e6, 2), "bytes": size, "events": len(events)}


# --- targets and table ------------------------------------------------------------------------

def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: what, value, limit, pass."""
    out: list[dict[str, Any]] = []

    def add(what: str, value: float | None, limit: float, unit: str = "ms",
            higher_is_better: bool = False) -> None:
        if value is None:
            return
        ok = value >= limit if higher_is_better else value <= limit
        out.append({"target": what, "value": value, "limit": limit, "unit": unit,
                    "pass": bool(ok)})

    def get(*path: str) -> float | None:
        node: Any = res
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return None
            node = node[p]
        return node

    add("coding-agent warm turn, added over mitmproxy (NER)",
        get("coding_agent", "warm_turn_ms", "ner", "added"), 30)
    add("coding-agent warm turn, added over mitmproxy (patterns)",
        get("coding_agent", "warm_turn_ms", "patterns", "added"), 10)
    add("coding-agent warm turn, first byte added (NER)",
        get("coding_agent", "warm_turn_ttfb_ms", "ner", "added"), 5)
    add("small 2 KB chat, added (NER)", get("small_chat", "ms", "ner", "added"), 25)
    add("small 2 KB chat, added (patterns)", get("small_chat", "ms", "patterns", "added"), 3)
    add("cold 100 KB, added (NER)", get("cold_100k", "ms", "ner", "added"), 400)
    add("cold 100 KB, added (patterns)", get("cold_100k", "ms", "patterns", "added"), 30)
    for r in ("patterns", "ner"):
        add(f"stream first byte, added ({r})", get("streaming", "ttfb_ms", r, "added"), 2)
        add(f"stream total / mitmproxy ({r})", get("streaming", "total_ms", r, "ratio"), 1.1,
            "x")
        add(f"stream largest gap, added ({r})", get("streaming", "max_gap_ms", r, "added"), 5)
        add(f"20 streams + cold 100 KB: largest gap growth ({r})",
            get("concurrency", "largest_gap_ms", r, "added"), 20)
        add(f"listening after start ({r})", get("startup", r, "listening_s"), 2, "s")
        add(f"RSS of proxy tree after warm-up ({r})", get("startup", r, "rss_mb"), 400, "MB")
    for key in ("openai-chat placeholders", "openai-responses placeholders",
                "anthropic placeholders"):
        for r in ("patterns", "ner"):
            add(f"unpaced {key}: total / mitmproxy ({r})",
                get("unpaced", key, "total_ms", r, "ratio"), 1.15, "x")
    add("StreamRewriter restoration throughput (per event)",
        get("streaming", "restore_mb_s", "per_event_mb_s"), 20, "MB/s", True)
    return out


def table(res: dict[str, Any]) -> str:
    lines: list[str] = []

    def block(title: str, summ: dict[str, dict[str, float]], unit: str = "ms") -> None:
        lines.append(f"\n{title}")
        lines.append(f"  {'route':<10} {'n':>4} {'median':>10} {'p95':>10} {'x bare':>8} "
                     f"{'added':>9} {'added p95':>10}")
        for name in ROUTES:
            r = summ.get(name)
            if not r:
                continue
            ratio = f"{r['ratio']:.2f}" if "ratio" in r else "-"
            added = f"{r['added']:+.1f}" if "added" in r else "-"
            added95 = f"{r['added_p95']:+.1f}" if "added_p95" in r else "-"
            lines.append(f"  {name:<10} {r['n']:>4} {r['median']:>8.1f}{unit:>2} "
                         f"{r['p95']:>8.1f}{unit:>2} {ratio:>8} {added:>9} {added95:>10}")

    if "small_chat" in res:
        block("small chat: 2 KB new prose + PII, OpenAI, non-streamed (total ms)",
              res["small_chat"]["ms"])
    if "coding_agent" in res:
        ca = res["coding_agent"]
        block(f"coding agent: Anthropic streamed, turns 2..N, history "
              f"{ca['body_kb_by_turn'][0]}..{ca['body_kb_by_turn'][-1]} KB (total ms per turn)",
              ca["warm_turn_ms"])
        if "warm_turn_ttfb_ms" in ca:
            block("coding agent: turns 2..N, first streamed byte", ca["warm_turn_ttfb_ms"])
        block("coding agent: turn 1 (system prompt + tools new)", ca["first_turn_ms"])
        if "ner_share_by_turn" in ca:
            lines.append("  share of each turn's text that reached NER (ner route): " + " ".join(
                f"{x:.0%}" for x in ca["ner_share_by_turn"]))
        lines.append("  median ms by turn: " + "; ".join(
            f"{n}: " + " ".join(f"{x:.0f}" for x in ca["median_ms_by_turn"][n])
            for n in ROUTES))
    if "cold_100k" in res:
        block("cold 100 KB mixed code+prose, never seen (total ms)", res["cold_100k"]["ms"])
    if "streaming" in res:
        st = res["streaming"]
        block(f"streamed answer, ~{st['events'].get('ner', '?')} SSE events with placeholders: "
              "first byte", st["ttfb_ms"])
        block("  total", st["total_ms"])
        block("  largest gap between two reads", st["max_gap_ms"])
        lines.append(f"  placeholders left unrestored: {st['placeholders_left_in_answer']}")
        rt = st["restore_mb_s"]
        lines.append(f"  StreamRewriter in-process ({rt['events']} events, 1 word in 7 a "
                     f"placeholder): {rt['per_event_mb_s']} MB/s fed per event, "
                     f"{rt['bulk_64k_mb_s']} MB/s fed 64 KB at a time; 1 word in 60: "
                     f"{rt['sparse_per_event_mb_s']} MB/s per event")
    if "streaming" in res and "restore_by_shape" in res["streaming"]:
        for kind, shapes in res["streaming"]["restore_by_shape"].items():
            lines.append(f"  StreamRewriter per shape ({kind}): " + "; ".join(
                f"{shape} {v['per_event_mb_s']} MB/s per event, {v['bulk_64k_mb_s']} bulk"
                for shape, v in shapes.items()))
    if "unpaced" in res:
        for key, u in res["unpaced"].items():
            block(f"unpaced stream, {key}, ~{u['events']} events, no delay: total",
                  u["total_ms"])
            block("  first byte", u["ttfb_ms"])
            lines.append(f"  placeholders left unrestored: {u['placeholders_left']}")
    if "concurrency" in res:
        co = res["concurrency"]
        block(f"{co['streams']} streams (20 ms/event) while a cold 100 KB request is analysed: "
              "largest gap of any stream", co["largest_gap_ms"])
        block("  median over streams of each stream's largest gap", co["median_stream_gap_ms"])
        block("  the 100 KB request itself", co["cold_request_ms"])
    if "startup" in res:
        lines.append("\nstart-up and memory")
        for name, s in res["startup"].items():
            lines.append(f"  {name:<10} listening {s['listening_s']:.2f} s, detector ready "
                         f"{s['ready_s']:.2f} s, RSS {s['rss_mb']:.0f} MB "
                         f"({', '.join(f'{m:.0f}' for m in s['rss_parts_mb'])})")
    lines.append("\ntargets")
    for t in res.get("targets", []):
        mark = "pass" if t["pass"] else "MISS"
        lines.append(f"  [{mark}] {t['target']}: {t['value']:.2f} {t['unit']} "
                     f"({'>=' if t['unit'] == 'MB/s' else '<='} {t['limit']} {t['unit']})")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg": os.getloadavg()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    ap.add_argument("--only", action="append", choices=SCENARIOS, metavar="NAME",
                    help=f"run only this scenario (repeatable): {', '.join(SCENARIOS)}")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = ap.parse_args()
    chosen = args.only or list(SCENARIOS)
    work = Path(tempfile.mkdtemp(prefix="redactproxy-bench-"))
    upstream = Upstream(work)
    routes: dict[str, Route] = {}
    res: dict[str, Any] = {"machine": machine(), "quick": args.quick, "scenarios": chosen,
                           "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    t_start = time.monotonic()
    try:
        routes["direct"] = direct(upstream)
        routes[BASE] = start_bare(upstream, work)
        routes["patterns"] = start_redactproxy("patterns", upstream, work, nlp=False)
        routes["ner"] = start_redactproxy("ner", upstream, work, nlp=True)
        bench = Bench(routes, upstream, args.quick)
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "small_chat": bench.small_chat, "coding_agent": bench.coding_agent,
            "cold_100k": bench.cold_100k, "streaming": bench.streaming,
            "unpaced": bench.unpaced, "concurrency": bench.concurrency}
        for name in chosen:
            if name in steps:
                t0 = time.monotonic()
                print(f"running {name} ...", flush=True)
                try:
                    res[name] = steps[name]()
                except Exception:
                    for r in routes.values():
                        tail = "\n    ".join(line for _, line in r.lines[-15:])
                        print(f"  --- {r.name} output tail:\n    {tail}")
                    raise
                print(f"  {name} took {time.monotonic() - t0:.0f} s", flush=True)
        res["startup"] = {}
        for name in (BASE, "patterns", "ner"):
            r = routes[name]
            assert r.proc is not None
            total, parts = rss_tree(r.proc.pid)
            res["startup"][name] = {"listening_s": round(r.listening_s or 0, 3),
                                    "ready_s": round(r.ready_s or 0, 3),
                                    "rss_mb": round(total, 1),
                                    "rss_parts_mb": [round(mb, 1) for _, _, mb in parts]}
        res["targets"] = targets(res)
        res["elapsed_s"] = round(time.monotonic() - t_start, 1)
    finally:
        for r in routes.values():
            r.stop()
        upstream.stop()
        cleanup(work)
    print(table(res))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1))
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
          f" ({res.get('elapsed_s', '?')} s; machine: {res['machine']['nproc']} x "
          f"{res['machine']['cpu']}, Python {res['machine']['python']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
