"""The placeholder grammar: formatting, parsing and prefix detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redactproxy.placeholders import (
    MAX_LEN,
    PLACEHOLDER_RE,
    could_be_prefix,
    format_placeholder,
    parse_placeholder,
)

ENTITIES = st.from_regex(r"[A-Z][A-Z0-9_]{0,40}", fullmatch=True)
NUMBERS = st.integers(min_value=1, max_value=999_999_999)


def test_format_and_parse():
    assert format_placeholder("EMAIL_ADDRESS", 1) == "<EMAIL_ADDRESS_1>"
    assert parse_placeholder("<EMAIL_ADDRESS_12>") == ("EMAIL_ADDRESS", 12)
    assert parse_placeholder("<API_KEY_2_3>") == ("API_KEY_2", 3)


@pytest.mark.parametrize("entity, number", [
    ("email", 1), ("", 1), ("1ABC", 1), ("EMAIL-ADDRESS", 1), ("EMAIL", 0), ("EMAIL", -3),
    ("A" * 42, 1),
])
def test_format_rejects_bad_parts(entity, number):
    with pytest.raises(ValueError, match="invalid placeholder parts"):
        format_placeholder(entity, number)


@pytest.mark.parametrize("text", [
    "<EMAIL_ADDRESS_0>", "<EMAIL_ADDRESS_01>", "<email_1>", "<EMAIL_ADDRESS>", "EMAIL_1",
    "<EMAIL_1> ", " <EMAIL_1>", "<<EMAIL_1>", "<EMAIL_1>>", "<EMAIL_1234567890>", "<_1>",
])
def test_parse_rejects_non_placeholders(text):
    assert parse_placeholder(text) is None


@given(ENTITIES, NUMBERS)
def test_format_parse_round_trip_and_length_bound(entity, number):
    ph = format_placeholder(entity, number)
    assert parse_placeholder(ph) == (entity, number)
    assert len(ph) < MAX_LEN
    assert PLACEHOLDER_RE.fullmatch(ph)


@given(ENTITIES, NUMBERS)
def test_every_proper_prefix_could_be_a_placeholder(entity, number):
    ph = format_placeholder(entity, number)
    for i in range(1, len(ph)):
        assert could_be_prefix(ph[:i]), ph[:i]
    assert not could_be_prefix(ph)


@pytest.mark.parametrize("tail", ["<a", "< ", "<EMAIL ", "<EMAIL-", "<1", "<EMAIL_1>", "<<",
                                  "<" + "A" * MAX_LEN])
def test_not_a_prefix(tail):
    assert not could_be_prefix(tail)
