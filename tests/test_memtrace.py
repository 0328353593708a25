"""The memory-growth tracer: off by default, and when on it names what grew, not values."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from redactproxy.memtrace import DIR_ENV, EVERY_ENV, FRAMES_ENV, start_from_env

GROW = """
import os, pathlib, time
from redactproxy.memtrace import start_from_env
assert start_from_env("probe")
kept = []
def grow_here():
    kept.append(bytearray(200_000))
report = pathlib.Path(os.environ["REDACTPROXY_TRACEMALLOC"]) / f"memtrace-probe-{os.getpid()}.txt"
deadline = time.monotonic() + 50
while time.monotonic() < deadline:  # until two reports after the first snapshot
    grow_here()
    time.sleep(0.02)
    if report.exists() and report.read_text().count("== t=") >= 3:
        break
"""


def test_off_unless_asked(monkeypatch) -> None:
    monkeypatch.delenv(DIR_ENV, raising=False)
    assert start_from_env("proxy") is False


def test_reports_growth_by_traceback(tmp_path: Path) -> None:
    env = {**os.environ, DIR_ENV: str(tmp_path), EVERY_ENV: "0.3"}
    script = tmp_path / "grow.py"
    script.write_text(GROW)
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=60)
    (report,) = tmp_path.glob("memtrace-probe-*.txt")
    text = report.read_text()
    assert text.startswith("== t=") and " rss=" in text and " traced=" in text
    assert "kept.append(bytearray(200_000))" in text  # the line that keeps memory
    assert " rss_heap=" in text and " rss_arenas=" in text and " rss_file=" in text
    assert " malloc_free_resident=" in text  # glibc: resident beyond the blocks in use
    assert "linecache.py" not in text  # the tracer's own reading of source lines


def test_without_tracing_reports_pymalloc_arenas(tmp_path: Path) -> None:
    """Frames 0: no tracemalloc hooks, so pymalloc's own counts can be read (its arenas
    live outside glibc's heap; with tracing on, CPython does not report them)."""
    env = {**os.environ, DIR_ENV: str(tmp_path), EVERY_ENV: "0.3", FRAMES_ENV: "0"}
    script = tmp_path / "grow.py"
    script.write_text(GROW)
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=60)
    (report,) = tmp_path.glob("memtrace-probe-*.txt")
    first = report.read_text().splitlines()[0]
    arenas = re.search(r" pymalloc_arenas=(\d+) \(peak (\d+)\) pymalloc_used=[\d.]+MB", first)
    assert arenas and 0 < int(arenas.group(1)) <= int(arenas.group(2)), first
