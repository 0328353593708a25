"""Whole-text and streamed restoration: a stream split anywhere restores like the whole."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactproxy.restore import StreamRestorer, json_escape, restore_text

VALUES = {
    "<EMAIL_ADDRESS_1>": "ada@example.org",
    "<EMAIL_ADDRESS_2>": 'quote"back\\slash\nnew line',
    "<PHONE_NUMBER_1>": "+1 555-0100",
    "<PERSON_12>": "Zoë Ångström",
    "<API_KEY_1>": "sk-test-FAKEFAKEFAKE0000",
}
lookup = VALUES.get

CASES = [
    "",
    "plain text without any placeholder",
    "<EMAIL_ADDRESS_1>",
    "mail <EMAIL_ADDRESS_1> now",
    "<EMAIL_ADDRESS_1><PHONE_NUMBER_1>",
    "<<EMAIL_ADDRESS_1>",
    "<EMAIL_ADDRESS_1>>",
    "unknown <EMAIL_ADDRESS_9> stays, known <PERSON_12> goes",
    "a < b and c<d and x <= y, <html> <B> <EMAIL_ADDRESS",
    "ends with a prefix <EMAIL_ADDRESS_",
    "ends with <",
    "héllo <PERSON_12> — 日本語 <EMAIL_ADDRESS_2> ✓",
    "<API_KEY_1><API_KEY_1> <EMAIL_ADDRESS_1_2> <EMAIL_ADDRESS_01>",
    "<" * 5 + "<PHONE_NUMBER_1>" + ">" * 5,
    "<" + "A" * 70 + "_1> then <EMAIL_ADDRESS_1>",
]


def _stream(pieces, escape=None):
    r = StreamRestorer(lookup, escape)
    out = "".join(r.feed(p) for p in pieces) + r.flush()
    return out, r


def test_restore_text_counts_and_leaves_unknown():
    text, n = restore_text("<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_9> <EMAIL_ADDRESS_1>", lookup)
    assert text == "ada@example.org <EMAIL_ADDRESS_9> ada@example.org"
    assert n == 2
    assert restore_text("no brackets", lookup) == ("no brackets", 0)


def test_json_escape_keeps_json_valid():
    raw = '{"to": "<EMAIL_ADDRESS_2>", "n": "<PERSON_12>"}'
    text, n = restore_text(raw, lookup, json_escape)
    assert n == 2
    assert json.loads(text) == {"to": VALUES["<EMAIL_ADDRESS_2>"], "n": "Zoë Ångström"}


@pytest.mark.parametrize("escape", [None, json_escape])
@pytest.mark.parametrize("text", CASES)
def test_every_single_split_equals_whole(text, escape):
    whole, count = restore_text(text, lookup, escape)
    for i in range(len(text) + 1):
        out, r = _stream([text[:i], text[i:]], escape)
        assert out == whole, (i, text)
        assert r.restored == count
    # one character at a time
    out, r = _stream(list(text), escape)
    assert out == whole and r.restored == count


def test_only_a_possible_placeholder_is_held_back():
    r = StreamRestorer(lookup)
    assert r.feed("hi a<b ") == "hi a<b "
    assert r.feed("x <EMAIL_ADD") == "x "
    assert r.pending == "<EMAIL_ADD"
    assert r.feed("RESS_1> ok") == "ada@example.org ok"
    assert r.pending == ""
    assert r.feed("tail <") == "tail "
    assert r.flush() == "<"
    assert r.restored == 1


_ALPHABET = st.sampled_from(
    [*VALUES, "<EMAIL_ADDRESS_9>", "<", ">", "<<", "_", "1", "A", "EMAIL", "a", " ", "é", "日",
     "\n", '"', "\\"])


@st.composite
def text_and_cuts(draw):
    text = "".join(draw(st.lists(_ALPHABET, max_size=25)))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    return text, cuts


@settings(max_examples=400)
@given(text_and_cuts(), st.booleans())
def test_arbitrary_multi_splits_equal_whole(tc, escaped):
    text, cuts = tc
    escape = json_escape if escaped else None
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    out, r = _stream(pieces, escape)
    whole, count = restore_text(text, lookup, escape)
    assert out == whole
    assert r.restored == count
