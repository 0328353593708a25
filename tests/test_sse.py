"""SSE framing: whole events out of any split of a byte stream, rebuilt like the original."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redactproxy.sse import SSEEvent, SSEParser

STREAMS = {
    "lf": b'event: a\ndata: {"x": "1"}\n\ndata: {"y": "\xc3\xa9"}\n\n: comment\n\ndata: [DONE]\n\n',
    "crlf": b'data: {"x": 1}\r\n\r\ndata: {"y": "\xe6\x97\xa5"}\r\n\r\n',
    "cr": b"data: one\r\rdata: two\r\r",
    "multiline": b"id: 7\ndata: {\ndata:  \"a\": 1\ndata: }\n\n",
}


def _split_all(stream: bytes, cuts: list[int]) -> tuple[list[SSEEvent], bytes]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        events += parser.feed(stream[a:b])
    return events, parser.close()


@pytest.mark.parametrize("name", STREAMS)
def test_every_split_gives_the_same_events(name):
    stream = STREAMS[name]
    whole, rest = _split_all(stream, [])
    assert rest == b""
    assert b"".join(e.raw for e in whole) == stream
    for i in range(len(stream) + 1):
        events, rest = _split_all(stream, [i])
        assert [e.raw for e in events] == [e.raw for e in whole], i
        assert rest == b""


@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(0, 200), max_size=6))
def test_multi_splits_give_the_same_events(name, cuts):
    stream = STREAMS[name]
    cuts = sorted(min(c, len(stream)) for c in cuts)
    events, rest = _split_all(stream, cuts)
    assert [e.raw for e in events] == [e.raw for e in _split_all(stream, [])[0]]
    assert rest == b""


def test_incomplete_tail_is_returned_by_close():
    parser = SSEParser()
    assert [e.data for e in parser.feed(b"data: a\n\ndata: b\n")] == ["a"]
    assert parser.close() == b"data: b\n"
    assert parser.close() == b""


def test_parse_fields():
    ev = SSEEvent.parse(b"event: content_block_delta\nid: 3\n: hi\ndata:x\ndata:  y\n\n")
    assert ev.event == "content_block_delta"
    assert ev.data == "x\n y"
    assert SSEEvent.parse(b": keepalive\n\n").data is None
    assert SSEEvent.parse(b"event: ping\n\n").event == "ping"


@pytest.mark.parametrize("raw", [
    b'data: {"a": 1}\n\n', b"data:  two\n\n", b"data: \n\n", b"data: x\r\n\r\n",
    b"data: x\ndata: y\n\n", b"data: \xc3\xa9\n\n", b"data: x\n", b"data: x\n\n\n",
    b"event: a\ndata: {}\n\n", b"event:  a:b\ndata:  x\n\n", b"event: a\ndata: x\ndata: y\n\n",
    b"event: a\n\n", b"event: a\nid: 1\ndata: x\n\n", b"event: a\r\ndata: x\r\n\r\n"])
def test_usual_events_parse_like_any_other(raw):
    """The shortcuts for one data line (after one event line) give what the line walk gives."""
    ev = SSEEvent.parse(raw)
    lines = [ln.partition(":") for ln in raw.decode().replace("\r", "").split("\n") if ln]
    fields = [(k, v[1:] if v.startswith(" ") else v) for k, _, v in lines]
    datas = [v for k, v in fields if k == "data"]
    event = next((v for k, v in reversed(fields) if k == "event"), None)
    assert (ev.raw, ev.event, ev.data) == (raw, event, "\n".join(datas) if datas else None)


@pytest.mark.parametrize("raw, new, expected", [
    (b'data: {"a": "1"}\n\n', '{"a": "2"}', b'data: {"a": "2"}\n\n'),
    (b'data:{"a": "1"}\r\n\r\n', '{"a": "2"}', b'data:{"a": "2"}\r\n\r\n'),
    (b"event: e\r\ndata: x\r\n\r\n", "y", b"event: e\r\ndata: y\r\n\r\n"),
    (b"id: 1\ndata: {\ndata: 1\ndata: }\n\n", "{\n2\n}", b"id: 1\ndata: {\ndata: 2\ndata: }\n\n"),
    (b"event: e\n\n", "z", b"data: z\nevent: e\n\n"),
    (b'data: {"t": "\xc3\xa9"}\n\n', '{"t": "日"}',
     b'data: {"t": "\xe6\x97\xa5"}\n\n'),
])
def test_with_data_keeps_everything_else(raw, new, expected):
    ev = SSEEvent.parse(raw)
    out = ev.with_data(new)
    assert out == expected
    assert SSEEvent.parse(out).data == new
    if ev.data is not None:
        assert ev.with_data(ev.data) == raw


@pytest.mark.parametrize("stream", [
    b"data: a\n\nevent: e\ndata: b\n\n: c\n\n",
    b"data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\n\r\n",
])
def test_feed_raw_matches_feed_at_every_split(stream):
    whole = [e.raw for e in SSEParser().feed(stream)]
    for i in range(len(stream) + 1):
        p = SSEParser()
        raws = p.feed_raw(stream[:i]) + p.feed_raw(stream[i:])
        assert raws == whole, f"split at {i}"
        assert p.close() == b""
