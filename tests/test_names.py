"""A PERSON guess earns its place: a known given name plus surname, or person context."""

from __future__ import annotations

import pytest

from redactproxy.detect.names import full_name, name_shaped, plausible_person


@pytest.mark.parametrize(("text", "guess", "ok"), [
    ("Please ask Maria Gonzalez to review.", "Maria Gonzalez", True),
    ("The report from Peter Novak is late.", "Peter Novak", True),
    # A tool's example search: the stand-in every manual uses, not someone's name.
    ('{"ref_id": "turn0", "pattern": "John Smith"}', "John Smith", False),
    ("Jane Doe's account", "Jane Doe's", False),
    ("Mr. Okafor called about the invoice.", "Okafor", True),
    ("Thanks Jordan, merged.", "Jordan", True),
    ("Maria said the build is red.", "Maria", True),
    ("When drawing diagrams, prefer Mermaid.", "Mermaid", False),
    ("Use Jetpack Compose for Android UIs.", "Jetpack Compose", False),
    ("## Primary Workflows", "Primary Workflows", False),
    ("Collaboration Mode is off.", "Collaboration Mode", False),
    ("You are Claude Code, a CLI tool.", "Claude Code", False),
    ("You are Claude, an assistant.", "Claude", False),
])
def test_plausible_person(text: str, guess: str, ok: bool) -> None:
    start = text.index(guess)
    assert plausible_person(text, start, start + len(guess)) is ok


def test_full_name_needs_capitals_and_a_known_given_name() -> None:
    assert full_name("Ana de la Cruz") and full_name("Mary-Jane Watson")
    assert not full_name("maria gonzalez") and not full_name("Nightly Backup")


def test_unknown_names_with_person_context() -> None:
    text = "Kwame Mensah approved it; Dr. Abebe Bikila wrote back."
    for guess in ("Kwame Mensah", "Abebe Bikila"):
        start = text.index(guess)
        assert plausible_person(text, start, start + len(guess))


@pytest.mark.parametrize(("text", "guess", "ok"), [
    ("You are an expert on the AI coding tool called Aider.", "Aider", False),
    ("She moved to Leeds last year.", "Leeds", True),
    ("Shipping to Germany takes a week.", "Germany", True),
    ("What is the capital of France?", "France", False),  # a country alone: nobody's place
    ("My parents live in France.", "France", True),
    ("The office is in San Francisco.", "San Francisco", True),
    ("3) Optimize image loading in Gallery component, 4) Fix loops", "Gallery", False),
])
def test_plausible_place(text: str, guess: str, ok: bool) -> None:
    from redactproxy.detect.names import plausible_place

    start = text.index(guess)
    assert plausible_place(text, start, start + len(guess)) is ok


@pytest.mark.parametrize(("value", "strict", "ok"), [
    ("Atheel Chenaux", True, True),        # in no name list, no English word
    ("Ləman MacKay", True, True),
    ("ლევან ტყებუჩავა", True, True),       # Georgian is written without capitals
    ("Tegan Forget", False, True),         # one English word: fine under a person key
    ("Tegan Forget", True, False),         # but not under a generic ``name`` key
    ("Data Platform", False, False),       # all English
    ("Nightly Backup", True, False),
    ("Zorblax Corp", False, False),        # an organisation
    ("Lorem Ipsum", False, False),
    ("ACME Qwerty", False, False),         # all capitals
    ("Chenaux", False, False),             # one word is no full name
    ("Atheel Chenaux2", False, False),
])
def test_name_shaped(value: str, strict: bool, ok: bool) -> None:
    assert name_shaped(value, strict) is ok
