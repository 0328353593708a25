"""Splicing new string values into JSON text keeps every other byte identical."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redactproxy.jsonsplice import (
    _STRING_TOKEN,
    dumps_like,
    iter_strings,
    replace_member,
    splice,
    string_spans,
)

DOC = {"model": "m-1", "messages": [
    {"role": "user", "content": "mail ada@example.org"},
    {"role": "assistant", "content": [{"type": "text", "text": "call +1 555-0100"}]},
], "n": 2, "flag": True, "none": None}


def _changed(raw: str, new: str, old_values: list[str], new_values: list[str]) -> None:
    """Everything outside the changed tokens is byte-identical."""
    a = raw
    b = new
    for old, repl in zip(old_values, new_values, strict=True):
        a = a.replace(old, "\0", 1)
        b = b.replace(repl, "\0", 1)
    assert a == b


CHANGES = {("messages", 0, "content"): "mail <EMAIL_ADDRESS_1>",
           ("messages", 1, "content", 0, "text"): "call <PHONE_NUMBER_1>"}


@pytest.mark.parametrize("raw", [
    json.dumps(DOC),
    json.dumps(DOC, separators=(",", ":")),
    json.dumps(DOC, indent=2),
    json.dumps(DOC, indent="\t", sort_keys=True),
    '{ "model" :"m-1","messages":[ {"role":"user" , "content":"mail ada@example.org"},\n'
    '{"role":"assistant","content":[{"type":"text","text":"call +1 555-0100"}]}],'
    '"n":2,"flag":true,"none":null}',
])
def test_untouched_bytes_identical(raw):
    doc = json.loads(raw)
    out = splice(raw, doc, CHANGES)
    _changed(raw, out, ['"mail ada@example.org"', '"call +1 555-0100"'],
             ['"mail <EMAIL_ADDRESS_1>"', '"call <PHONE_NUMBER_1>"'])
    assert json.loads(out)["messages"][0]["content"] == "mail <EMAIL_ADDRESS_1>"


def test_no_changes_returns_raw():
    raw = json.dumps(DOC, indent=1)
    assert splice(raw, json.loads(raw), {}) is raw


def test_ascii_escaped_body_stays_ascii():
    doc = {"a": "Zoë", "b": "ada@example.org", "c": "\u65e5"}
    raw = json.dumps(doc)  # ensure_ascii: \u escapes
    out = splice(raw, json.loads(raw), {("b",): "Zoë <EMAIL_ADDRESS_1> 日"})
    assert out.isascii()
    assert out == raw.replace('"ada@example.org"', '"Zo\\u00eb <EMAIL_ADDRESS_1> \\u65e5"')
    assert json.loads(out)["b"] == "Zoë <EMAIL_ADDRESS_1> 日"


def test_non_ascii_body_stays_literal():
    doc = {"a": "Zoë", "b": "日本 ada@example.org"}
    raw = json.dumps(doc, ensure_ascii=False)
    out = splice(raw, json.loads(raw), {("b",): "日本 <EMAIL_ADDRESS_1> é"})
    assert out == '{"a": "Zoë", "b": "日本 <EMAIL_ADDRESS_1> é"}'


def test_escapes_in_untouched_and_changed_strings():
    raw = r'{"k\"ey": "a\\b\/c", "v": "x\ny \"q\" ada@example.org", "w": "\u00e9"}'
    doc = json.loads(raw)
    out = splice(raw, doc, {("v",): 'x\ny "q" <EMAIL_ADDRESS_1>'})
    assert out == raw.replace(r'"x\ny \"q\" ada@example.org"', r'"x\ny \"q\" <EMAIL_ADDRESS_1>"')


def test_keys_equal_to_values_are_not_confused():
    raw = '{"ada@example.org": "ada@example.org", "list": ["ada@example.org", {"x": "y"}]}'
    doc = json.loads(raw)
    out = splice(raw, doc, {("list", 0): "<EMAIL_ADDRESS_1>"})
    assert out == raw.replace('["ada@example.org"', '["<EMAIL_ADDRESS_1>"')
    assert out.count("ada@example.org") == 2


@pytest.mark.parametrize("raw", [
    '{"a": "first ada@example.org", "a": "second ada@example.org", "b": "keep"}',
    '{"a": {"k": "v"}, "a": "ada@example.org", "b": ["keep"]}',
    '{"a":"x","a":"ada@example.org"}',
])
def test_duplicate_keys_fall_back_to_reserialising(raw):
    doc = json.loads(raw)
    out = splice(raw, doc, {("a",): "<EMAIL_ADDRESS_1>"})
    parsed = json.loads(out)
    assert parsed["a"] == "<EMAIL_ADDRESS_1>"
    assert "ada@example.org" not in out
    compact = '":"' in raw
    assert (": " not in out) == compact


def test_iter_strings_in_document_order():
    doc = {"a": ["x", {"b": "y"}], "c": "z"}
    assert list(iter_strings(doc)) == [
        (("a",), True, "a"), (("a", 0), False, "x"), (("a", 1, "b"), True, "b"),
        (("a", 1, "b"), False, "y"), (("c",), True, "c"), (("c",), False, "z")]


def test_dumps_like():
    assert dumps_like("é", '{"a": "\\u00e9"}') == '"\\u00e9"'
    assert dumps_like("é", '{"a": "é"}') == '"é"'


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda kids: (st.lists(kids, max_size=4)
                  | st.dictionaries(st.text(max_size=5), kids, max_size=4)),
    max_leaves=15)


@given(_JSON, st.sampled_from([None, 2]), st.booleans(), st.text(max_size=10))
def test_splice_changes_only_the_token(doc, indent, ascii_, new):
    raw = json.dumps(doc, indent=indent, ensure_ascii=ascii_)
    strings = list(iter_strings(json.loads(raw)))
    values = [k for k, (_p, is_key, _v) in enumerate(strings) if not is_key]
    if not values:
        return
    k = values[len(values) // 2]
    path = strings[k][0]
    start, end = [m.span() for m in _STRING_TOKEN.finditer(raw)][k]
    out = splice(raw, json.loads(raw), {path: new})
    assert out[:start] == raw[:start]
    assert out[len(out) - (len(raw) - end):] == raw[end:]
    node = json.loads(out)
    for part in path:
        node = node[part]
    assert node == new


_TEXT = st.text(alphabet=st.sampled_from('ab"\\\u00e9\n/'), max_size=8)
_ESCAPY = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_TEXT, kids, max_size=4),
    max_leaves=15)


@given(_ESCAPY, st.sampled_from([None, 1]), st.booleans())
def test_string_spans_match_the_token_regex(doc, indent, ascii_):
    """Quote-to-quote scanning finds the same tokens as the per-character regex, escaped
    quotes and backslash runs included."""
    raw = json.dumps(doc, indent=indent, ensure_ascii=ascii_)
    assert string_spans(raw) == [m.span() for m in _STRING_TOKEN.finditer(raw)]


@pytest.mark.parametrize("raw, spans", [
    ('{"a\\\\":"\\""}', [(1, 6), (7, 11)]),  # even run, then an escaped quote
    ('["\\\\\\"x"]', [(1, 8)]),  # three backslashes: the quote is escaped
    ('{"a": "b', [(1, 4)]),  # unterminated: stops
])
def test_string_spans_backslash_runs(raw, spans):
    assert string_spans(raw) == spans


@pytest.mark.parametrize("raw, key, old, new, expected", [
    (b'{"type":"t","delta":{"text":"<EM"}}', "text", "<EM", "",
     b'{"type":"t","delta":{"text":""}}'),
    (b'{"delta": {"text" :  "a\\"b"}, "z": 1}', "text", 'a"b', "\u00e9",
     b'{"delta": {"text" :  "\xc3\xa9"}, "z": 1}'),
    (b'{"d": "\\u00e9", "text": "x"}', "text", "x", "\u00e9",  # ASCII-escaped style kept
     b'{"d": "\\u00e9", "text": "\\u00e9"}'),
    (b'{"text":"a\\\\"}', "text", "a\\", "b", b'{"text":"b"}'),
    (b'{"text":"x","o":{"text":"x"}}', "text", "x", "y", None),  # two members: ambiguous
    (b'{"x\\"text":"x","text":"x"}', "text", "x", "y", None),  # look-alike key
    (b'{"text":"other"}', "text", "x", "y", None),  # not the value we parsed
    (b'{"text":1}', "text", "1", "y", None),
    (b'{"no":"x"}', "text", "x", "y", None),
])
def test_replace_member(raw, key, old, new, expected):
    out = replace_member(raw, key, old, new)
    assert out == expected
    if out is not None:
        assert json.loads(out) == json.loads(expected)


@given(_JSON, st.sampled_from([None, 2]), st.booleans(), st.text(max_size=10))
def test_replace_member_agrees_with_splice(doc, indent, ascii_, new):
    """Whenever the one-token rewrite answers, it equals the full splice."""
    if not isinstance(doc, dict):
        doc = {"k": doc}
    raw = json.dumps(doc, indent=indent, ensure_ascii=ascii_)
    parsed = json.loads(raw)
    for path, is_key, value in iter_strings(parsed):
        if is_key or not isinstance(path[-1], str):
            continue
        out = replace_member(raw.encode(), path[-1], value, new)
        if out is not None:
            assert out.decode() == splice(raw, json.loads(raw), {path: new})
