"""Memory growth by traceback, for finding what a long-running gateway keeps (debug only).

Off unless ``REDACTPROXY_TRACEMALLOC`` names a directory. Then each process that calls
``start_from_env`` (the proxy and its detector workers) starts ``tracemalloc`` and, every
``REDACTPROXY_TRACEMALLOC_EVERY`` seconds (60 by default), appends to
``<dir>/memtrace-<role>-<pid>.txt`` its RSS, the traced total, glibc's heap (in use, and
free inside it: fragmentation) and the allocations that grew most since the first snapshot,
grouped by traceback. RSS growing while traced memory and the heap in use stay flat points
at memory outside Python's allocator (OpenSSL, libpq) or at fragmentation. Tracing starts
one interval after the process (start-up untraced) and the first snapshot one interval
later, so only what is allocated under load, and kept, counts as growth.

Tracing costs CPU and memory (every allocation records its stack): use it on a test run,
never in production. Only sizes, counts and source lines are written, never a value.
"""

from __future__ import annotations

import collections
import gc
import linecache
import os
import threading
import time
import tracemalloc
from pathlib import Path

__all__ = ["DIR_ENV", "EVERY_ENV", "FRAMES_ENV", "rss_mb", "start_from_env"]

#: Directory the reports go to; tracing is off when unset.
DIR_ENV = "REDACTPROXY_TRACEMALLOC"
#: Seconds between snapshots.
EVERY_ENV = "REDACTPROXY_TRACEMALLOC_EVERY"
#: Frames kept per allocation (fewer: less overhead, coarser tracebacks; 0: no tracing,
#: only RSS, the heap and the growth of live objects by type).
FRAMES_ENV = "REDACTPROXY_TRACEMALLOC_FRAMES"
_TOP = 15


def rss_mb() -> float:
    """This process's resident set size in MB (Linux ``/proc``; 0.0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _mallinfo() -> tuple[int, int, int] | None:
    """glibc's ``mallinfo2``: bytes in use in its heaps, in its own mmaps, free in its heaps."""
    try:
        import ctypes

        class _Info(ctypes.Structure):
            _fields_ = [(n, ctypes.c_size_t) for n in (
                "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                "uordblks", "fordblks", "keepcost")]

        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Info
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return None
    return info.uordblks, info.hblkhd, info.fordblks


#: glibc's thread arenas are heaps mapped at multiples of their maximum size (64 MiB).
_ARENA_ALIGN = 64 << 20


def _rss_kb() -> dict[str, int]:
    """RSS in kB by kind of mapping (``/proc/self/smaps``): glibc's main heap
    (``[heap]``), glibc's thread arenas (anonymous maps starting at a 64 MiB boundary),
    other anonymous memory (pymalloc's arenas, glibc's large blocks, thread stacks,
    OpenSSL's own mmaps) and files (code, the spaCy model)."""
    parts = {"heap": 0, "arenas": 0, "anon": 0, "file": 0}
    kind = "anon"
    try:
        with open("/proc/self/smaps", encoding="utf-8") as f:
            for line in f:
                head = line.split(None, 5)
                if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                    name = head[5].strip() if len(head) > 5 else ""
                    start = int(head[0].split("-", 1)[0], 16)
                    kind = ("heap" if name == "[heap]" else "file" if name.startswith("/")
                            else "arenas" if not name and start % _ARENA_ALIGN == 0
                            else "anon")
                elif head[0] == "Rss:":
                    parts[kind] += int(head[1])
    except (OSError, ValueError):
        return {}
    return parts


def _heaps() -> str:
    """glibc's memory and the RSS by kind of mapping.

    ``malloc_free_resident`` is what glibc's heaps hold in RAM beyond the blocks in use:
    free chunks between live ones that trimming cannot hand back (fragmentation).
    """
    rss = _rss_kb()
    out = " " + " ".join(f"rss_{k}={v / 1024:.1f}MB" for k, v in rss.items()) if rss else ""
    info = _mallinfo()
    if info is None:
        return out
    in_heaps, mmapped, free = info
    out = (f" malloc_in_use={(in_heaps + mmapped) / 2**20:.1f}MB "
           f"malloc_free={free / 2**20:.1f}MB") + out
    if rss:
        resident = (rss["heap"] + rss["arenas"]) * 1024 - in_heaps
        out += f" malloc_free_resident={max(0, resident) / 2**20:.1f}MB"
    return out


def _pymalloc() -> str:
    """pymalloc's arenas (CPython's small-object allocator, outside glibc's heap): in use
    now, and the most ever; freed only when wholly empty, so a scattered few live objects
    keep a 1 MiB arena each. Read from ``sys._debugmallocstats``, which writes to fd 2: fd 2
    points at a temporary file for that instant, so what another thread writes to stderr
    then is lost (a debug tool). Empty while tracemalloc hooks the allocator (CPython
    then does not report pymalloc): use frames 0 to see it."""
    import re
    import sys
    import tempfile

    if not hasattr(sys, "_debugmallocstats"):
        return ""
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("utf-8", "replace")
    now = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    peak = re.search(r"# arenas highwater mark\s*=\s*([\d,]+)", text)
    used = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
    if not (now and peak and used):
        return ""

    def num(m: re.Match[str]) -> int:
        return int(m.group(1).replace(",", ""))
    return (f" pymalloc_arenas={num(now)} (peak {num(peak)}) "
            f"pymalloc_used={num(used) / 2**20:.1f}MB")


def _ours(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    return snapshot.filter_traces((
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, __file__, all_frames=True),  # the report's own source reads
        tracemalloc.Filter(False, linecache.__file__),  # (the lines read for the report)
    ))


def _types() -> collections.Counter[str]:
    """Live objects the garbage collector tracks, counted by type name."""
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def _report(out: Path, first: tracemalloc.Snapshot | None, now: tracemalloc.Snapshot | None,
            started: float, types0: collections.Counter[str]) -> None:
    current, peak = tracemalloc.get_traced_memory()
    lines = [f"== t={time.monotonic() - started:.0f}s rss={rss_mb():.1f}MB "
             f"traced={current / 2**20:.1f}MB peak={peak / 2**20:.1f}MB{_heaps()}"
             f"{_pymalloc()}"]
    grown = _types()
    grown.subtract(types0)
    lines.append("   objects grown: " + ", ".join(
        f"{name} {n:+d}" for name, n in grown.most_common(_TOP) if n > 0))
    stats = now.compare_to(first, "traceback") if now is not None and first is not None else []
    for stat in stats[:_TOP]:
        if stat.size_diff <= 0:
            break
        lines.append(f"-- +{stat.size_diff / 2**20:.2f}MB ({stat.count_diff:+d} blocks, "
                     f"{stat.size / 2**20:.2f}MB now)")
        for frame in stat.traceback.format(most_recent_first=True)[: 2 * 6]:
            lines.append("   " + frame.strip())
    with out.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def start_from_env(role: str) -> bool:
    """Start tracing and the reporting thread if ``REDACTPROXY_TRACEMALLOC`` is set.

    Args:
        role: Names the report file (``proxy``, ``detector``).

    Returns:
        True if tracing started.
    """
    where = os.environ.get(DIR_ENV)
    if not where:
        return False
    every = float(os.environ.get(EVERY_ENV) or 60)
    out = Path(where) / f"memtrace-{role}-{os.getpid()}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    frames = int(os.environ.get(FRAMES_ENV) or 12)

    def snapshot() -> tracemalloc.Snapshot | None:
        return _ours(tracemalloc.take_snapshot()) if frames else None

    def loop() -> None:
        time.sleep(every)  # start-up and warm-up untraced: tracing slows imports a lot
        if frames:  # 0: no tracing, only RSS, the heap and object counts (cheap)
            tracemalloc.start(frames)
        time.sleep(every)
        first, types0 = snapshot(), _types()
        _report(out, first, first, started, types0)
        while True:
            time.sleep(every)
            _report(out, first, snapshot(), started, types0)

    threading.Thread(target=loop, name="redactproxy-memtrace", daemon=True).start()
    return True
