"""Rules-only scan speed of English code and prose, for comparing two checkouts.

Usage: ``python benchmarks/english_speed.py REPS`` prints one JSON line ``{"code": MB/s,
"prose": MB/s}`` for ``Engine(DetectorSpec(nlp=False))`` of whichever ``redactproxy`` is
imported: run it with ``PYTHONPATH=<an older checkout>`` to measure that checkout.
``benchmarks/detection.py --before DIR`` runs it alternately for DIR and this tree. It
imports nothing from ``redactproxy`` but the engine, so it runs against old checkouts too.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from detection_corpus import prose_corpus  # noqa: E402

from redactproxy.detect.engine import DetectorSpec, Engine  # noqa: E402

STDLIB = Path("/root/.pyenv/versions/3.12.1/lib/python3.12")
SOURCE_FILES = ["shutil.py", "argparse.py", "subprocess.py", "json/__init__.py",
                "json/decoder.py", "json/encoder.py", "json/scanner.py", "json/tool.py",
                "textwrap.py", "dataclasses.py", "pathlib.py", "tarfile.py",
                "logging/__init__.py", "typing.py"]


def texts() -> dict[str, str]:
    """English Python source and English prose (no CJK), ~0.7 MB and ~0.2 MB."""
    prose = "\n".join(d.text for d in prose_corpus(n=400))
    return {"code": "\n".join((STDLIB / f).read_text(encoding="utf-8") for f in SOURCE_FILES),
            "prose": "\n".join([prose] * max(1, 200_000 // len(prose)))}


def main(argv: list[str]) -> int:
    reps = int(argv[0]) if argv else 7
    engine = Engine(DetectorSpec(nlp=False))
    best: dict[str, float] = {}
    corpus = texts()
    for text in corpus.values():
        engine.analyze(text)  # warm up
    for _ in range(reps):
        for name, text in corpus.items():
            t0 = time.process_time()
            engine.analyze(text)
            best[name] = min(best.get(name, float("inf")), time.process_time() - t0)
    print(json.dumps({k: len(corpus[k].encode()) / v / 1e6 for k, v in best.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
