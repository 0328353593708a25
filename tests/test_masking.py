"""Masked forms, masked context and keyed hashes: what may reach a screen, and no more."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactproxy.detect.base import Finding
from redactproxy.masking import (
    MASK,
    Span,
    _clean,
    _shade,
    context_snippet,
    mask_value,
    safe_path,
    value_hash,
)

KEY = "sk-proj-EXAMPLEexampleEXAMPLE0000a3F"  # documented fake shape, not a credential


@pytest.mark.parametrize("value, entity, expected", [
    ("jane.doe@example.org", "EMAIL_ADDRESS", "j•••@e•••.org"),
    ("ops@mail.example.org", "EMAIL_ADDRESS", "o•••@m•••.org"),
    ("jo@ex.io", "EMAIL_ADDRESS", "•••@•••.io"),
    (KEY, "OPENAI_API_KEY", "sk-p•••a3F"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY", "AKI•••PLE"),
    ("+1 202-555-0167", "PHONE_NUMBER", "•••67"),
    ("555-01", "PHONE_NUMBER", MASK),
    ("4111 1111 1111 1111", "CREDIT_CARD", "•••1111"),
    ("Jane Doe", "PERSON", "J••• D•••"),
    ("Al", "PERSON", MASK),
    ("hunter2", "SECRET", "h•••2"),
    ("abc", "API_KEY", MASK),
    ("correct horse battery staple", "PASSWORD", MASK),
    ("078-05-1120", "US_SSN", MASK),
])
def test_mask_value(value: str, entity: str, expected: str) -> None:
    assert mask_value(value, entity) == expected


@pytest.mark.parametrize("n", range(1, 60))
def test_generic_mask_reveals_under_a_third(n: int) -> None:
    value = "".join(chr(ord("a") + i % 26) for i in range(n))
    masked = mask_value(value, "GENERIC_SECRET")
    shown = len(masked.replace(MASK, ""))
    assert 3 * shown < n or shown == 0
    assert value not in masked or n == 0
    assert masked.count(MASK) == 1


def test_mask_never_contains_newlines() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    masked = mask_value(pem, "PRIVATE_KEY")
    assert "\n" not in masked and masked == "----•••---"


TEXT = ("Hello team,\nplease mail jane.doe@example.org before Friday, "
        "or call 202-555-0167 today.\tThanks, Jane Doe")


def span(value: str, entity: str) -> Span:
    start = TEXT.index(value)
    return Span(start, start + len(value), entity)


EMAIL, PHONE, NAME = (span("jane.doe@example.org", "EMAIL_ADDRESS"),
                      span("202-555-0167", "PHONE_NUMBER"), span("Jane Doe", "PERSON"))


def test_context_masks_the_span_and_trims_to_words() -> None:
    out = context_snippet(TEXT, EMAIL.start, EMAIL.end, entity="EMAIL_ADDRESS")
    assert out == "••• team, please mail j•••@e•••.org before •••, or call…"


def test_context_masks_other_findings_in_the_window() -> None:
    out = context_snippet(TEXT, PHONE.start, PHONE.end, width=60, entity="PHONE_NUMBER",
                          others=[EMAIL, PHONE, NAME])
    assert out == ("…please mail j•••@e•••.org before •••, or call •••67 today. "
                   "•••, J••• D•••")


def test_context_accepts_detector_findings() -> None:
    f = Finding(NAME.start, NAME.end, "PERSON", "nlp.PERSON")
    out = context_snippet(TEXT, PHONE.start, PHONE.end, width=40, entity="PHONE_NUMBER",
                          others=[f])
    assert out.endswith("•••, J••• D•••") and "Jane" not in out


def test_context_never_cuts_into_another_value() -> None:
    # A window edge falling inside the email moves past it instead of showing its tail.
    for width in range(1, 80):
        out = context_snippet(TEXT, PHONE.start, PHONE.end, width=width,
                              entity="PHONE_NUMBER", others=[EMAIL, NAME])
        for raw in ("jane", "doe@", "example.org", "Jane", "Doe", "555-0167"):
            assert raw not in out, (width, out)


def test_context_overlapping_findings_are_masked_whole() -> None:
    text = "see https://jane.doe@example.org/profile now"
    url = Span(4, 40, "URL")
    email = Span(12, 32, "EMAIL_ADDRESS")
    out = context_snippet(text, email.start, email.end, entity="EMAIL_ADDRESS", others=[url])
    assert out == "see ••• now"


def test_context_strips_terminal_controls() -> None:
    text = "x \x1b[2J\x07 mail jane.doe@example.org\r\nend"
    s = text.index("jane")
    out = context_snippet(text, s, s + 20, entity="EMAIL_ADDRESS")
    assert out == "x [••• mail j•••@e•••.org end"


def test_value_hash_is_keyed_and_short() -> None:
    h = value_hash(b"k1", "jane.doe@example.org")
    assert len(h) == 16 and int(h, 16) >= 0
    assert h == value_hash(b"k1", "jane.doe@example.org")
    assert h != value_hash(b"k2", "jane.doe@example.org")
    assert h != value_hash(b"k1", "john.doe@example.org")


def test_safe_path_drops_query() -> None:
    assert safe_path("/v1beta/models/x:generateContent?key=AIzaFAKE") == (
        "/v1beta/models/x:generateContent")


@pytest.mark.parametrize(("text", "value", "entity", "missed"), [
    ("客户王建华反馈无法登录，手机13800138000，请联系。", "13800138000", "PHONE_NUMBER",
     ["王建华", "客户", "登录"]),
    ('user = User(name="maria gonzalez", email="maria.g@example.org")',
     "maria.g@example.org", "EMAIL_ADDRESS", ["maria gonzalez", "gonzalez"]),
    ('User(name="Maria Gonzalez", email="maria.g@example.org")', "maria.g@example.org",
     "EMAIL_ADDRESS", ["Maria", "Gonzalez"]),
    ("ping Ana Lima at jane.doe@example.org or 4111 1111 1111 1111 today",
     "jane.doe@example.org", "EMAIL_ADDRESS", ["Ana", "Lima", "4111"]),
    ("联系人：欧阳娜娜 mail jane.doe@example.org 收件人陈刚", "jane.doe@example.org",
     "EMAIL_ADDRESS", ["欧阳", "娜娜", "陈刚", "联系人"]),
    # an apostrophe after a word opens no quote, so 'maria lindqvist' pairs as one
    ("it's for 'maria lindqvist' at jane.doe@example.org", "jane.doe@example.org",
     "EMAIL_ADDRESS", ["maria", "lindqvist"]),
    ("the owner \u201cmaria lindqvist\u201d wrote in from jane.doe@example.org",
     "jane.doe@example.org", "EMAIL_ADDRESS", ["maria", "lindqvist"]),
])
def test_context_never_shows_what_detection_missed(text: str, value: str, entity: str,
                                                   missed: list[str]) -> None:
    """Undetected names beside a finding (CJK runs, quoted strings, capitalised words and
    numbers) are masked in the context, whatever the window width."""
    start = text.index(value)
    for width in range(0, 70, 3):
        out = context_snippet(text, start, start + len(value), width=width, entity=entity)
        for raw in missed:
            assert raw not in out, (width, out)


def test_context_keeps_lower_case_words_and_code_punctuation() -> None:
    text = 'user = User(name="x", email="maria.g@example.org", active=true)'
    start = text.index("maria")
    out = context_snippet(text, start, start + 19, width=40, entity="EMAIL_ADDRESS")
    assert out == 'user = •••(name="•••", email="m•••@e•••.org", active=true)'


def _shade_per_character(text: str, a: int, b: int, shaded: list[tuple[int, int]]) -> str:
    """The per-character reference ``masking._shade`` replaced (same output, slower)."""
    hidden = bytearray(b - a)
    for s, e in shaded:
        for k in range(max(s, a), min(e, b)):
            hidden[k - a] = 1
    out: list[str] = []
    k = a
    while k < b:
        if hidden[k - a]:
            while k < b and hidden[k - a]:
                k += 1
            out.append(MASK)
        else:
            e = k
            while e < b and not hidden[e - a]:
                e += 1
            out.append(_clean(text[k:e]))
            k = e
    return "".join(out)


_SPAN = st.tuples(st.integers(-3, 45), st.integers(-3, 45))


@settings(max_examples=500)
@given(st.text("ab \n\t•", max_size=40), st.integers(0, 40), st.integers(0, 40),
       st.lists(_SPAN, max_size=6))
def test_shade_masks_runs_like_the_per_character_reference(text, a, b, shaded) -> None:
    a, b = min(a, len(text)), min(max(a, b), len(text))
    assert _shade(text, a, b, shaded) == _shade_per_character(text, a, b, shaded)
