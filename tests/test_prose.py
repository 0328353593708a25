"""prose_view keeps prose and comments for NER; plausible_entity rejects code-shaped guesses."""

from __future__ import annotations

import pytest

from redactproxy.detect.prose import is_code_line, name_lines, plausible_entity, prose_view


def test_same_length_and_newlines() -> None:
    text = "def f(x):\n    return x  # ask Sarah Miller\nPlease call Tom Baker.\n"
    view = prose_view(text)
    assert len(view) == len(text) and view.count("\n") == text.count("\n")


def test_code_blanked_comments_and_prose_kept() -> None:
    text = "import os\nx = os.path.join(a, b)  # written by Sarah Miller\nPlease call Tom Baker.\n"
    view = prose_view(text)
    assert "os.path" not in view and "import" not in view
    assert "Sarah Miller" in view and "Please call Tom Baker." in view


@pytest.mark.parametrize("token", [
    "OSError", "HttpClient", "snake_case_name", "os.path.join", "/usr/local/bin",
    "v1.2.3", "3f2a9c1d7e", "550e8400-e29b-41d4-a716-446655440000", "`Popen`", "MAX_SIZE",
    "8080", "2024-01-15T10:00:00Z", "#ff8800",
])
def test_code_shaped_tokens_are_blanked_in_prose(token: str) -> None:
    text = f"We saw {token} in the log."
    view = prose_view(text)
    assert token.strip("`#") not in view
    assert view.startswith("We saw ")


@pytest.mark.parametrize(("line", "code"), [
    ("def main() -> int:", True),
    ("    if x: return {}", True),
    ("const a = require('b');", True),
    ("I think the deploy failed because of the cache.", False),
    ("", False),
])
def test_is_code_line(line: str, code: bool) -> None:
    assert is_code_line(line) is code


def _judge(text: str, value: str, entity: str = "PERSON") -> bool:
    start = text.index(value)
    return plausible_entity(text, start, start + len(value), entity)


def test_full_names_in_prose_pass() -> None:
    assert _judge("Yesterday I met Sarah Miller at the office.", "Sarah Miller")
    assert _judge("Check with Sarah about it.", "Sarah")


@pytest.mark.parametrize(("text", "value", "entity"), [
    ("Check the result first.", "Check", "PERSON"),                   # sentence-initial word
    ("    Localize the path.\n", "Localize", "PERSON"),              # docstring line start
    ("It runs on Windows only.", "Windows", "LOCATION"),             # platform name
    ("p = Popen(args)\n# then Popen waits\n", "Popen", "LOCATION"),  # identifier elsewhere
    ("we call register here", "register", "PERSON"),                 # lower-case
])
def test_code_and_common_words_rejected(text: str, value: str, entity: str) -> None:
    start = text.rindex(value)
    assert not plausible_entity(text, start, start + len(value), entity)


def test_other_entities_are_not_judged() -> None:
    assert plausible_entity("x", 0, 1, "EMAIL_ADDRESS")


@pytest.mark.parametrize("line, kept", [
    ("Then Margaret Hamilton fixed the build.", True),
    ("We met the team in Paris last week.", True),
    ("Margaret Hamilton fixed it.", True),  # the second word is past the sentence start
    ("The build failed again. It is flaky.", False),  # sentence starts only
    ("I think we ship it first, and I'm sure.", False),  # "I" is no name
    ("Then we ship Windows and Linux builds.", False),  # platform names
    ("Margaret said so.", False),  # a lone sentence-initial word is never accepted
    ("- Check the logs. Then retry.", False),
])
def test_name_lines_keeps_only_lines_that_may_hold_a_name(line: str, kept: bool) -> None:
    text = f"Intro line.\n{line}\n"
    out = name_lines(text, text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert (line in out) is kept
    assert out.splitlines()[0].strip() == ""


def test_name_lines_judges_sentence_starts_on_the_original_text() -> None:
    text = "run foo.bar_baz then ask Grace about it"
    view = prose_view(text)
    assert "Grace" in name_lines(view, text)


def test_identifiers_are_the_words_used_as_code() -> None:
    from redactproxy.detect.prose import identifiers

    text = "Popen(x) and obj.Mercer then Lisbon = 3; Hawk[0] but Paris alone, Tokyo == y"
    assert identifiers(text) >= {"Popen", "obj", "Mercer", "Lisbon", "Hawk", "Tokyo"}
    assert "Paris" not in identifiers(text)
