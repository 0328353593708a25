"""PatternDetector: offsets, secret groups, overlaps, windows, timeouts."""

from __future__ import annotations

import dataclasses

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from redactproxy.detect.base import Finding
from redactproxy.detect.patterns import (
    KeywordScanner,
    PatternDetector,
    ascii_digits,
    resolve_overlaps,
    shannon_entropy,
)
from redactproxy.detect.recognizers import GATES
from redactproxy.detect.rules import load_builtin_packs, parse_rule
from redactproxy.errors import DetectorError

GHP = "ghp_" + "FAKE" + "0123456789abcdefghijklmnopqrstuv"[:32]


@pytest.fixture(scope="module")
def detector() -> PatternDetector:
    return PatternDetector([r for p in load_builtin_packs() for r in p.rules])


def test_offsets_are_character_offsets(detector: PatternDetector) -> None:
    text = f"令牌：{GHP} and mail alice@example.org"
    found = detector.analyze(text)
    assert [(text[f.start:f.end], f.entity, f.rule) for f in found] == [
        (GHP, "GITHUB_TOKEN", "secrets.github-pat"),
        ("alice@example.org", "EMAIL_ADDRESS", "pii.email"),
    ]


def test_secret_group_is_the_span(detector: PatternDetector) -> None:
    text = "postgres://app:s3cr3t-Pw9x@db.example.org/app"
    [f] = detector.analyze(text)
    assert text[f.start:f.end] == "s3cr3t-Pw9x" and f.rule == "secrets.postgres-url-password"


def test_doc_example_keys_are_still_redacted(detector: PatternDetector) -> None:
    assert [f.entity for f in detector.analyze("key AKIAIOSFODNN7EXAMPLE")] == ["AWS_ACCESS_KEY"]


def test_cjk_glued_identifiers(detector: PatternDetector) -> None:
    text = "身份证号11010519491231002X，手机13800138000"
    assert [f.entity for f in detector.analyze(text)] == ["CN_RESIDENT_ID", "PHONE_NUMBER"]


def test_pem_block_longer_than_window_is_whole() -> None:
    rules = [r for r in load_builtin_packs(["secrets"])[0].rules if r.id == "pkcs8-private-key"]
    body = "\n".join("QUJD" * 16 for _ in range(100))
    pem = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"
    text = "x " * 50 + pem + " tail"
    [f] = PatternDetector(rules, before=16, after=32).analyze(text)
    assert text[f.start:f.end] == pem


def test_token_cut_by_window_is_not_truncated() -> None:
    rule = parse_rule({"id": "t", "entity": "T", "pattern": r"tok_[a-z]{10,}(?![a-z])",
                       "keywords": ["tok_"]}, "x", 1)
    text = "tok_" + "abcdefghij" * 30
    [f] = PatternDetector([rule], before=4, after=16).analyze(text)
    assert (f.start, f.end) == (0, len(text))


def test_keywords_gate_rules() -> None:
    rule = parse_rule({"id": "k", "entity": "K", "pattern": r"\d{4}", "keywords": ["pin"]},
                      "x", 1)
    det = PatternDetector([rule])
    assert det.analyze("code 1234") == []
    assert len(det.analyze("PIN 1234")) == 1


def test_prefilter_gates_rules_and_keeps_matches_whole() -> None:
    rule = parse_rule({"id": "p", "entity": "P", "pattern": r"(?<![0-9A-Z])[A-Z]{2}\d{6}",
                       "prefilter": "[0-9]{6}"}, "x", 1)
    det = PatternDetector([rule], before=4, after=4)
    text = "x" * 50 + " AB123456 " + "y" * 50 + " CD654321"
    assert [text[f.start:f.end] for f in det.analyze(text)] == ["AB123456", "CD654321"]
    assert det.analyze("AB12345 no six digits here") == []


def test_ascii_text_skips_non_ascii_keywords() -> None:
    scanner = KeywordScanner(["密钥", "token"])
    assert dict(scanner.positions("a token")) == {"token": [2]}
    assert dict(scanner.positions("密钥 token")) == {"密钥": [0], "token": [3]}


def test_overlaps_longest_then_score() -> None:
    a = Finding(0, 10, "A", "a", 0.5)
    b = Finding(2, 5, "B", "b", 0.99)
    c = Finding(0, 10, "C", "c", 0.9)
    d = Finding(12, 14, "D", "d", 0.1)
    assert resolve_overlaps([a, b, c, d]) == [c, d]


def test_generic_placeholders_allowed(detector: PatternDetector) -> None:
    for text in ('password = "changeme"', "api_key = ${API_KEY}", 'OPENAI_API_KEY="sk-xxxx"',
                 "Authorization: Bearer <token>"):
        assert detector.analyze(text) == [], text


def test_ordinary_text_has_no_findings(detector: PatternDetector) -> None:
    text = ('version = "1.2.3.4"\ncommit 9fceb02d0ae598e95dc970b74767f19372d61af8\n'
            "id 123e4567-e89b-12d3-a456-426614174000 on 2024-01-15 port 8080\n"
            "integrity sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kx"
            "vUdBeoGlODJ6+SfaPg==\nmax_tokens: 4096\n")
    assert detector.analyze(text) == []


def test_timeout_raises_detector_error() -> None:
    rule = parse_rule({"id": "slow", "entity": "S", "pattern": r"(?:a|aa)+(?:a|aa)+b"}, "x", 1)
    with pytest.raises(DetectorError, match="rule 'slow' timed out after 0.01s"):
        PatternDetector([rule], timeout=0.01).analyze("a" * 5000)


def test_keyword_scanner_finds_nested_keywords() -> None:
    hits = KeywordScanner(["sk-", "sk-proj-", "key"]).positions("X sk-proj-1 apikey")
    assert hits == {"sk-": [2], "sk-proj-": [2], "key": [15]}


def test_entropy() -> None:
    assert shannon_entropy("") == 0 and shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2.0


def test_dense_keywords_without_a_match_cost_one_search(monkeypatch) -> None:
    rule = parse_rule({"id": "t", "entity": "T", "keywords": [":0"],
                       "pattern": r"(?<![\w:])[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}(?![\w:])"}, "x", 1)
    detector = PatternDetector([rule], before=16, after=32)
    text = "".join(f"t{i}:0" + " " * 40 for i in range(200))  # windows over much of it
    windows = []
    monkeypatch.setattr(detector, "_matches", lambda r, t, w: windows.append(w) or iter(()))
    assert detector.analyze(text) == [] and windows == []  # no window was searched
    text += " addr 2001:0db8:0000:0000:0000:ff00:0042:8329 end"
    monkeypatch.undo()
    [f] = PatternDetector([rule], before=16, after=32).analyze(text)
    assert text[f.start:f.end] == "2001:0db8:0000:0000:0000:ff00:0042:8329"


class _Spy:
    """A compiled pattern that records the ``partial`` flag of each search."""

    def __init__(self, pattern) -> None:
        self.pattern, self.partial = pattern, []

    def search(self, *args, **kw):
        self.partial.append(kw.get("partial", False))
        return self.pattern.search(*args, **kw)


def test_dense_windows_use_no_partial_search() -> None:
    """Windows over much of the text are searched as one text: a ``partial`` search stops
    the engine's fast literal scan (8x slower for a keyword-led rule like generic-token)."""
    [rule] = [r for r in load_builtin_packs(["secrets"])[0].rules if r.id == "generic-token"]
    spy = _Spy(rule.compiled)
    det = PatternDetector([dataclasses.replace(rule, compiled=spy)], before=16, after=32)
    text = "".join(f"the token{i} was spent; " for i in range(100))
    text += 'auth_token = "Zx81-Qq02-Lm77-Rt55"\n' + text
    [f] = det.analyze(text)
    assert text[f.start:f.end] == "Zx81-Qq02-Lm77-Rt55"
    assert spy.partial and not any(spy.partial)


_PIECES = st.sampled_from([
    "token", "TOKEN", "token=", ' = "', '"', "'", ":", "=", " ", "\n", "\t", "Zx81-Qq02-Lm77",
    "abcdef", "x" * 40, "@", "alice@example.org", "bob.example.org", "::", ":0", "fe80::1",
    "2001:db8::ff00:42:8329", "1.2.3.4", "555-0100", "(555) 010-1234", "-", ".", ","])


_RULES = [r for p in load_builtin_packs() for r in p.rules]
_KEYED = [r for r in _RULES if r.id in ("generic-token", "email", "ipv6", "generic-password")]
_PREFILTERED = [r for r in _RULES if r.prefilter is not None]


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=120), st.integers(1, 40), st.integers(1, 60))
def test_dense_windows_find_what_bounded_windows_find(pieces, before, after) -> None:
    """The dense path (unbounded searches) yields the bounded, widening windows' matches."""
    text = "".join(pieces)
    for rule in _KEYED:
        det = PatternDetector([rule], before=before, after=after)
        hits = det.keyword_positions(text)
        positions = sorted({p for k in rule.keywords for p in hits.get(k, ())})
        if not positions:
            continue
        windows = det._windows(positions, len(text))
        first = rule.compiled.search(text)
        bounded = [m.span() for m in det._matches(rule, text, windows)]
        dense = [] if first is None else [
            m.span() for m in det._dense_matches(rule, text, windows, first)]
        assert dense == bounded, rule.id


_DIGITS = st.sampled_from(["0", "1", "2", "5", "9", "８", "٣"])  # with non-ASCII digits


@st.composite
def _respelled(draw, example: str) -> str:
    """``example`` with some of its ASCII digits written as other digits (full-width...)."""
    return "".join(draw(_DIGITS) if c.isdigit() and draw(st.booleans()) else c
                   for c in example)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_prefilters_change_no_finding(data) -> None:
    """A rule with a ``prefilter`` finds what it finds without one: its examples, with
    their digits respelled, and digit runs in every separator shape, glued together."""
    rule = data.draw(st.sampled_from(_PREFILTERED))
    examples = [*rule.match, *rule.no_match]
    piece = (st.sampled_from(examples).flatmap(_respelled)
             | st.sampled_from([" ", "\n", "-", ".", "(", ")", "+86 ", "0", "x"])
             | st.text(_DIGITS, min_size=1, max_size=9))
    text = "".join(data.draw(st.lists(piece, max_size=30)))
    with_ = PatternDetector([rule], before=32, after=32).analyze(text)
    without = PatternDetector([dataclasses.replace(rule, prefilter=None)]).analyze(text)
    assert with_ == without


@pytest.mark.parametrize("source, ascii_source", [
    (r"\d{3}[-.\s]\d{4}", r"[0-9]{3}[-.\s][0-9]{4}"),
    (r"[\d.]x\\d\D", r"[0-9.]x\\d\D"),  # in a class; an escaped backslash; \D kept
    (r"[^\d]", r"[^0-9]"),
    (r"[]\d]", r"[]0-9]"),  # a leading ] belongs to the class
    (r"[[:digit:]\d]", r"[[:digit:]\d]"),  # POSIX classes: left as they are
    (r"[0-9]{6}", r"[0-9]{6}"),
])
def test_ascii_digits_rewrites_only_digit_classes(source, ascii_source) -> None:
    assert ascii_digits(regex.compile(source, regex.VERSION0)).pattern == ascii_source


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("0123456789 -.\n\tx(A+"), max_size=60))
def test_ascii_twins_of_prefilters_and_gates_hit_the_same_spans(text) -> None:
    """On ASCII text the rewritten prefilters and Presidio gates hit exactly where the
    originals do (``\\d`` is ``[0-9]`` there)."""
    for pattern in [*(r.prefilter for r in _PREFILTERED), *GATES]:
        twin = ascii_digits(pattern)
        assert [m.span() for m in twin.finditer(text)] == [
            m.span() for m in pattern.finditer(text)], pattern.pattern


def test_non_ascii_text_keeps_the_unicode_prefilter() -> None:
    """A phone number in full-width digits is found (the ASCII twin is for ASCII text)."""
    [rule] = [r for r in _RULES if r.id == "phone-us"]
    text = "call ５５５-２０１-４４３２ now"
    assert [text[f.start:f.end] for f in PatternDetector([rule]).analyze(text)] == [
        "５５５-２０１-４４３２"]
