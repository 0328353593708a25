"""CPU time each request costs the proxy, against bare mitmproxy: for a loaded machine.

Usage: ``python benchmarks/cpu.py [--ner] [--only NAME ...] [--reps N]`` with NAME one of
small_chat, coding_agent, cold_100k, unpaced (a ~2,000-event answer with placeholders sent
with no delay, per API shape). Wall-clock medians (``benchmarks/run.py``) swing by a
third when other work shares the cores; the CPU time a request costs moves much less. This
sends the same requests as ``run.py`` through bare mitmproxy and redactproxy (patterns
only, or NER with ``--ner``) and reads the run time of every thread of each proxy's process
tree (the proxy and its analysis worker) from ``/proc/<pid>/task/*/schedstat``
(nanoseconds) before and after each request. Prints the median CPU ms per request of each
route and the median added over mitmproxy; for the coding-agent turns also per turn, to show
whether a warm turn's cost grows with the history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # type: ignore[import-not-found]  # noqa: E402
    Route,
    Upstream,
    cleanup,
    median,
    post,
    start_bare,
    start_redactproxy,
    stream,
)
from _streams import SHAPES, reply_text, request_body  # type: ignore[import-not-found]  # noqa: E402
from corpus import Corpus, anthropic_turns  # type: ignore[import-not-found]  # noqa: E402

from redactproxy.placeholders import PLACEHOLDER_RE  # noqa: E402

OPENAI = "https://api.openai.com/v1/chat/completions"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
SCENARIOS = ("small_chat", "coding_agent", "cold_100k", "unpaced")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_ns(pids: list[int]) -> int:
    """Run time so far of every thread of ``pids`` (threads that ended are not counted)."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total


def settle(pids: list[int], quiet_ns: int = 200_000, timeout: float = 2.0) -> None:
    """Wait until the tree stops running (work a request left for after its answer)."""
    deadline = time.monotonic() + timeout
    last = cpu_ns(pids)
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = cpu_ns(pids)
        if now - last < quiet_ns:
            return
        last = now


#: CPU ms of the children (the analysis workers) in the last ``measure`` of each route.
CHILDREN: dict[str, list[float]] = {}


def measure(route: Route, send) -> float:  # noqa: ANN001 - a callable sending one request
    """CPU ms the route's process tree spent on ``send()`` and what it left running."""
    assert route.proc is not None
    pids = tree(route.proc.pid)
    settle(pids)
    before, kids = cpu_ns(pids), cpu_ns(pids[1:])
    send()
    settle(pids)
    CHILDREN.setdefault(route.name, []).append((cpu_ns(pids[1:]) - kids) / 1e6)
    return (cpu_ns(pids) - before) / 1e6


def chat_body(text: str) -> bytes:
    return json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": text}]}).encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ner", action="store_true", help="redactproxy with NER (default: --no-nlp)")
    ap.add_argument("--only", action="append", choices=SCENARIOS, metavar="NAME")
    ap.add_argument("--reps", type=int, default=10, help="requests per scenario (turns: 20)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="redactproxy-cpu-"))
    upstream = Upstream(work)
    routes: dict[str, Route] = {}
    name = "ner" if args.ner else "patterns"
    try:
        routes["mitmproxy"] = start_bare(upstream, work)
        routes[name] = start_redactproxy(name, upstream, work, nlp=args.ner)
        clients = {n: r.client() for n, r in routes.items()}
        cpu: dict[str, dict[str, list[float]]] = {}

        def run(scenario: str, key: str, send_for) -> None:  # noqa: ANN001
            for n, r in routes.items():
                cpu.setdefault(scenario, {}).setdefault(f"{n}{key}", []).append(
                    measure(r, lambda n=n, r=r: send_for(n, r)))

        for scenario in args.only or SCENARIOS:
            if scenario == "small_chat":
                for rep in range(args.reps + 2):
                    body = chat_body(Corpus(1000 + rep).chat_prompt())
                    run(scenario if rep >= 2 else "warm-up", "", lambda n, r, b=body: post(
                        clients[n], r.target(OPENAI), b))
            elif scenario == "cold_100k":
                for rep in range(args.reps):
                    body = chat_body(Corpus(5000 + rep + int(time.time())).mixed(100_000))
                    run(scenario, "", lambda n, r, b=body: post(
                        clients[n], r.target(OPENAI), b, {"x-fake-reply": "ok"}))
            elif scenario == "unpaced":
                c = Corpus(77)
                text = " ".join(f"Write to {c.email()} or call {c.phone()} about {c.name()}."
                                for _ in range(4))
                post(clients[name], routes[name].target(OPENAI), chat_body(text))
                phs = list(dict.fromkeys(m.group(0) for m in PLACEHOLDER_RE.finditer(
                    upstream.last_body())))
                assert phs, "no placeholder reached the upstream"
                headers = {"x-fake-reply": quote(reply_text(phs, 6000, 7)),
                           "x-fake-chunk-chars": "3", "x-fake-event-delay": "0",
                           "x-fake-split-every": "0"}
                for shape, (url, _api) in SHAPES.items():
                    body = json.dumps(request_body(shape, f"Summarise: {text}")).encode()
                    for _ in range(args.reps):
                        run(f"unpaced {shape}", "", lambda n, r, b=body, u=url, h=headers: stream(
                            clients[n], r.target(u), b, h))
            else:
                answers = [Corpus(4100 + t).prose(1500, pii=0.0) for t in range(20)]
                headers = {"x-fake-event-delay": "0", "x-fake-chunk-chars": "8",
                           "x-fake-split-every": "0"}
                for t, body in enumerate(anthropic_turns(4000, 20, answers)):
                    raw = json.dumps(body).encode()
                    h = {**headers, "x-fake-reply": quote(answers[t])}
                    run(scenario, f"/turn{t:02d}", lambda n, r, b=raw, h=h: stream(
                        clients[n], r.target(ANTHROPIC), b, h))
        cpu.pop("warm-up", None)
        result = {"load": os.getloadavg(), "route": name, "cpu_ms": cpu}
        for scenario, rows in cpu.items():
            if scenario == "coding_agent":
                warm = {n: [x for k, xs in rows.items() if k.startswith(n + "/")
                            and not k.endswith("turn00") for x in xs] for n in routes}
                added = [a - b for a, b in zip(warm[name], warm["mitmproxy"], strict=True)]
                print(f"coding_agent warm turns: mitmproxy {median(warm['mitmproxy']):.1f} ms, "
                      f"{name} {median(warm[name]):.1f} ms, added {median(added):.1f} ms CPU")
                print("  added by turn: " + " ".join(
                    f"{a:.1f}" for a in added))
            else:
                added = [a - b for a, b in zip(rows[name], rows["mitmproxy"], strict=True)]
                print(f"{scenario}: mitmproxy {median(rows['mitmproxy']):.1f} ms, {name} "
                      f"{median(rows[name]):.1f} ms, added {median(added):.1f} ms CPU "
                      f"(n={len(added)})")
        print(f"{name} analysis worker, median CPU ms per request (all scenarios): "
              f"{median(CHILDREN.get(name, [0.0])):.1f}")
        print(f"load average {os.getloadavg()[0]:.1f}")
        (work / "cpu.json").write_text(json.dumps(result))
    finally:
        for r in routes.values():
            r.stop()
        upstream.stop()
        cleanup(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
