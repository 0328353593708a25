"""Freed heap memory goes back to the system: RSS follows what the process still holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
from redactproxy.heap import trim
from redactproxy.memtrace import rss_mb
chunks = [bytes(2000) + bytes([i % 256]) for i in range(50_000)]  # ~100 MB from malloc
kept = chunks[::10]  # one in ten stays: the freed ones sit between live chunks
del chunks
before = rss_mb()
assert trim()
print(before, rss_mb(), len(kept))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")
def test_trim_returns_the_free_pages_between_live_chunks(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    before, after = float(out[0]), float(out[1])
    assert before - after > 40, (before, after)  # ~90 MB were free inside the heap
