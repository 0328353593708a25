"""spaCy NER on the compact text: blank runs dropped, offsets mapped back to the original."""

from __future__ import annotations

import pytest

from redactproxy.detect.nlp import NlpDetector, _compact


def test_compact_keeps_words_and_maps_every_segment_back() -> None:
    text = "  Hello Ada   Lovelace   x\n\n    said   Bob\tSmith  \n"
    compact, segments = _compact(text)
    assert compact == "Hello Ada Lovelace x\nsaid Bob\tSmith"
    for c, o, n, _line in segments:
        assert compact[c:c + n] == text[o:o + n]
    assert [line for *_, line in segments] == [0, 0, 0, 1, 1]


@pytest.fixture(scope="module")
def nlp() -> NlpDetector:
    return NlpDetector()


def test_names_across_blanked_code_keep_their_original_span(nlp: NlpDetector) -> None:
    text = "Yesterday Ada Lovelace      met     Barack Obama in Paris.\n\n    Then it rained."
    found = {text[f.start:f.end]: f.entity for f in nlp.analyze(text)}
    assert found.get("Ada Lovelace") == "PERSON"
    assert found.get("Barack Obama") == "PERSON"
    assert found.get("Paris") == "LOCATION"


def test_a_guess_across_lines_is_dropped(nlp: NlpDetector) -> None:
    text = "The report was written by Barack\nObama and sent to Paris."
    assert all("\n" not in text[f.start:f.end] for f in nlp.analyze(text))
