"""The detection worker pool: real child processes, findings equal to the engine's own."""

from __future__ import annotations

import asyncio

import pytest

from redactproxy.detect.engine import DetectorSpec, Engine
from redactproxy.detect.worker import DetectorPool, default_workers


@pytest.mark.parametrize("cpus, workers", [(1, 1), (2, 1), (3, 1), (4, 2), (8, 4), (64, 4)])
def test_default_workers(cpus: int, workers: int) -> None:
    assert default_workers(cpus) == workers


def test_pool_spreads_texts_and_caches() -> None:
    spec = DetectorSpec(nlp=False)
    texts = [f"mail user{i}@example.org or call 555-01{i:02d} " * (i + 1) for i in range(5)]
    pool = DetectorPool(spec, workers=2, timeout=120)
    pool.start()
    try:
        assert pool.wait_ready(120)
        sent: list[str] = []
        got = asyncio.run(pool.analyze(spec, [*texts, texts[0]], sent))
        engine = Engine(spec)
        assert got == [engine.analyze(t) for t in [*texts, texts[0]]]
        assert sorted(sent) == sorted(texts)  # each uncached text analysed once
        again: list[str] = []
        assert asyncio.run(pool.analyze(spec, texts, again)) == got[:5]
        assert again == []
        assert all(w.state == "ready" for w in pool.workers)
    finally:
        pool.close()
