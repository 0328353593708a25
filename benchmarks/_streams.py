"""Streamed answers as each provider writes them, and in-process restoration speed per shape.

The frames come from the fake upstream's own provider formats (``tests/fakes``), so the
micro-benchmark feeds ``StreamRewriter`` exactly the bytes the end-to-end scenario sends.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redactproxy.protocols.answers import StreamRewriter  # noqa: E402
from tests.fakes import anthropic_wire, openai_wire  # noqa: E402
from tests.fakes.wire import Call, Knobs, Signer  # noqa: E402

__all__ = ["SHAPES", "frames", "reply_text", "request_body", "restore_speed"]

#: API shape -> (URL, ``Api.name``); the unpaced stream scenario runs each.
SHAPES = {
    "openai-chat": ("https://api.openai.com/v1/chat/completions", "openai-chat"),
    "openai-responses": ("https://api.openai.com/v1/responses", "openai-responses"),
    "anthropic": ("https://api.anthropic.com/v1/messages", "anthropic-messages"),
}
_FILLER = ("the", "message", "went", "to", "and", "then", "we", "called", "again")


def request_body(shape: str, prompt: str = "Summarise.") -> dict:
    """A minimal streamed request of ``shape`` asking ``prompt``.

    An answer restores only placeholders its request was given (``redactproxy.grants``), so
    a request answered with placeholders must carry their values in ``prompt``.
    """
    if shape == "openai-chat":
        return {"model": "gpt-4o", "stream": True,
                "messages": [{"role": "user", "content": prompt}]}
    if shape == "openai-responses":
        return {"model": "gpt-4o", "stream": True, "input": prompt}
    return {"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": True,
            "messages": [{"role": "user", "content": prompt}]}


def reply_text(placeholders: list[str], chars: int, every: int, seed: int = 78) -> str:
    """Prose whose every ``every``-th word (on average) is one of ``placeholders`` (0: none)."""
    import random
    rng = random.Random(seed)
    words: list[str] = []
    size = i = 0
    while size < chars:
        i += 1
        w = (placeholders[i % len(placeholders)] if every and placeholders
             and rng.randrange(every) == 0 else rng.choice(_FILLER))
        words.append(w)
        size += len(w) + 1
    return " ".join(words)[:chars]


def frames(shape: str, text: str, chunk_chars: int = 3) -> list[bytes]:
    """The SSE events the fake upstream sends for a streamed answer ``text`` of ``shape``."""
    knobs = Knobs(event_delay=0, chunk_chars=chunk_chars, split_every=0, reply_text=text)
    data = request_body(shape)
    call = Call("POST", SHAPES[shape][0].split("/", 3)[3], {}, data, 100, knobs, Signer())
    fmt = {"openai-chat": openai_wire.chat, "openai-responses": openai_wire.responses,
           "anthropic": anthropic_wire.messages}[shape]
    reply = fmt(call)
    assert reply.frames is not None
    return list(reply.frames)


def restore_speed(placeholders: list[str], events: int = 20_000,
                  every: int = 7, reps: int = 5) -> dict[str, dict[str, float]]:
    """MB/s of ``StreamRewriter`` per shape, fed event by event and 64 KB at a time."""
    values = {p: f"value-{i}@example.org" for i, p in enumerate(placeholders)}
    out: dict[str, dict[str, float]] = {}
    for shape, (_url, api) in SHAPES.items():
        evs = frames(shape, reply_text(placeholders, events * 3, every), 3)
        size = sum(map(len, evs))
        blob = b"".join(evs)
        per_event: list[float] = []
        bulk: list[float] = []
        for _ in range(reps):
            rw = StreamRewriter(api, values.get, lambda obj: None)
            t0 = time.perf_counter()
            for ev in evs:
                rw.feed(ev)
            rw.finish()
            per_event.append(time.perf_counter() - t0)
            rw = StreamRewriter(api, values.get, lambda obj: None)
            t0 = time.perf_counter()
            for i in range(0, len(blob), 65536):
                rw.feed(blob[i:i + 65536])
            rw.finish()
            bulk.append(time.perf_counter() - t0)
        out[shape] = {"per_event_mb_s": round(size / statistics.median(per_event) / 1e6, 2),
                      "bulk_64k_mb_s": round(size / statistics.median(bulk) / 1e6, 2),
                      "events": len(evs), "bytes": size}
    return out


if __name__ == "__main__":
    import json
    phs = ["<EMAIL_ADDRESS_1>", "<PHONE_NUMBER_1>", "<PERSON_1>", "<PERSON_2>", "<API_KEY_1>"]
    print(json.dumps({"dense (1 word in 7)": restore_speed(phs, every=7),
                      "sparse (1 word in 60)": restore_speed(phs, every=60),
                      "none": restore_speed(phs, every=0)}, indent=1))
