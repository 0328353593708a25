"""What ``[proxy] inspect = "all"`` costs on traffic that is not an AI call, one run.

Usage: ``python benchmarks/inspect_all.py [--quick] [--out FILE]``. Routes, all to the same
fake upstream (a child process on 127.0.0.1) under the host name ``www.example.org``:
``direct``; ``mitmproxy`` (bare ``mitmdump``, which decrypts everything: the baseline);
``inspect-ai`` (redactproxy's default: a non-AI host is tunnelled, never decrypted);
``inspect-all`` (decrypted, checked for AI shapes, passed on byte-identical and streamed).
Scenarios: a 10 MB download, and 200 small requests on one keep-alive connection.
Repetitions alternate between routes, so machine noise hits all alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (  # type: ignore[import-not-found]
    ROOT,
    Route,
    Upstream,
    cleanup,
    direct,
    median,
    pct,
    start_bare,
    start_redactproxy,
)

HOST = "www.example.org"
BIG = 10 * 1024 * 1024
ROUTE_NAMES = ("direct", "mitmproxy", "inspect-ai", "inspect-all")
BASE = "mitmproxy"


def _get(client: Any, route: Route, path: str) -> tuple[float, bytes]:
    t = route.target(f"https://{HOST}{path}")
    t0 = time.perf_counter()
    r = client.get(t.url, headers=t.headers, extensions=t.extensions)
    body = r.read()
    assert r.status_code == 200, (route.name, r.status_code)
    return time.perf_counter() - t0, body


def run(routes: dict[str, Route], quick: bool) -> dict[str, Any]:
    clients = {name: r.client() for name, r in routes.items()}
    expect = None
    download: dict[str, list[float]] = {n: [] for n in routes}
    small: dict[str, list[float]] = {n: [] for n in routes}
    for name in routes:  # warm-up: connection, certificate generation
        _get(clients[name], routes[name], "/")
    for rep in range(3 if quick else 10):
        names = list(routes)[rep % len(routes):] + list(routes)[:rep % len(routes)]
        for name in names:
            t, body = _get(clients[name], routes[name], f"/bytes/{BIG}")
            digest = hashlib.sha256(body).hexdigest()
            expect = expect or digest
            assert digest == expect, f"{name}: download changed"  # byte-identical
            download[name].append(t * 1000)
            t0 = time.perf_counter()
            for _ in range(200):
                _get(clients[name], routes[name], "/")
            small[name].append((time.perf_counter() - t0) * 1000)
    for c in clients.values():
        c.close()

    def stats(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
        base = median(samples[BASE])
        return {n: {"median_ms": round(median(xs), 1), "p95_ms": round(pct(xs, 95), 1),
                    "vs_mitmproxy": round(median(xs) / base, 2) if base else float("nan")}
                for n, xs in samples.items()}

    return {"download_10mb": stats(download), "small_200": stats(small),
            "reps": len(download[BASE])}


def table(res: dict[str, Any]) -> str:
    lines = [f"inspect = \"all\" on non-AI traffic ({res['reps']} reps, medians)",
             f"  {'route':<12} {'10 MB download':>16} {'x mitmproxy':>12} "
             f"{'200 small GETs':>16} {'x mitmproxy':>12}"]
    for name in ROUTE_NAMES:
        d, s = res["download_10mb"][name], res["small_200"][name]
        lines.append(f"  {name:<12} {d['median_ms']:>13.1f} ms {d['vs_mitmproxy']:>12.2f} "
                     f"{s['median_ms']:>13.1f} ms {s['vs_mitmproxy']:>12.2f}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 repetitions instead of 10")
    ap.add_argument("--out", type=Path,
                    default=ROOT / "benchmarks" / "results" / "inspect_all.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="redactproxy-bench-inspect-"))
    upstream = Upstream(work)
    routes: dict[str, Route] = {}
    try:
        routes["direct"] = direct(upstream)
        routes[BASE] = start_bare(upstream, work)
        routes["inspect-ai"] = start_redactproxy("inspect-ai", upstream, work, nlp=False)
        routes["inspect-all"] = start_redactproxy("inspect-all", upstream, work, nlp=False,
                                                  rules='[proxy]\ninspect = "all"\n')
        res = run(routes, args.quick)
    finally:
        for r in routes.values():
            r.stop()
        upstream.stop()
        cleanup(work)
    res["started"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(table(res))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
