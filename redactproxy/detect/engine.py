"""The composite detector: rule packs, known secrets, project terms and NER, under policy.

``DetectorSpec`` is plain, picklable configuration (what a project's rule files say);
``Engine`` is what a spec builds, inside the detection worker process. Entity policies
(``[entities.PERSON] action/min_score``) and allow terms are applied here, once, so every
detector's findings obey the same rules.
"""

from __future__ import annotations

import bisect
import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from redactproxy.detect.base import Finding
from redactproxy.detect.chinese import ChineseNames
from redactproxy.detect.codedata import HINT_WORDS, CodeDataNames
from redactproxy.detect.names import plausible_person, plausible_place
from redactproxy.detect.nlp import DEFAULT_MODEL, NER_ENTITIES, NlpDetector
from redactproxy.detect.patterns import PatternDetector, resolve_overlaps
from redactproxy.detect.prose import identifiers, name_lines, plausible_entity, prose_view
from redactproxy.detect.recognizers import PresidioRecognizers, enabled
from redactproxy.detect.rules import Rule, load_builtin_packs, parse_rule

__all__ = ["DEFAULT_PACKS", "DetectorSpec", "Engine"]

DEFAULT_PACKS = ("secrets", "pii", "cn")


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """What to detect, as plain data (sent to the worker process).

    Args:
        packs: Built-in rule packs to load.
        rules: Extra rules from rule files as ``(source, line, table)``.
        deny_terms: Literal terms always redacted (case-insensitive, whole words).
        allow_terms: Values never redacted (case-insensitive exact match).
        entities: Per-entity policy ``(TYPE, action or None, min_score or None)``.
        nlp: Run NER (PERSON, LOCATION, NRP) on prose.
        nlp_model: spaCy package name or directory.
        known: A known-secrets detector (holds salted hashes only), or None.
        recognizers_on: Presidio recognizers (ids or locales) to run beyond the checksum
            ones (``detect.recognizers``).
        recognizers_off: Presidio recognizers (ids, locales or ``all``) not to run.
    """

    packs: tuple[str, ...] = DEFAULT_PACKS
    rules: tuple[tuple[str, int | None, Any], ...] = ()
    deny_terms: tuple[str, ...] = ()
    allow_terms: tuple[str, ...] = ()
    entities: tuple[tuple[str, str | None, float | None], ...] = ()
    nlp: bool = True
    nlp_model: str = DEFAULT_MODEL
    known: Any = field(default=None, compare=False)
    recognizers_on: tuple[str, ...] = ()
    recognizers_off: tuple[str, ...] = ()

    def key(self) -> str:
        """A stable digest of the spec: the cache key of its findings."""
        known = _known_digest(self.known)
        blob = pickle.dumps((self.packs, self.rules, self.deny_terms, self.allow_terms,
                             self.entities, self.nlp, self.nlp_model, known,
                             self.recognizers_on, self.recognizers_off))
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


def _known_digest(known: Any) -> str:
    """Identify a known-secrets detector's contents (its keyed hashes) for the spec key."""
    return "" if known is None else str(known.fingerprint())


class Engine:
    """Detectors built from one spec.

    Args:
        spec: The configuration.
        nlp_cache: Loaded NER detectors by model, shared between engines of one worker.
    """

    def __init__(self, spec: DetectorSpec, nlp_cache: dict[str, NlpDetector] | None = None):
        packs = load_builtin_packs(spec.packs)
        rules: list[Rule] = [r for p in packs for r in p.rules]
        rules += [parse_rule(t, src, line) for src, line, t in spec.rules]
        self.patterns = PatternDetector(rules, extra_keywords=HINT_WORDS)
        policy: dict[str, dict[str, Any]] = {}
        for p in packs:
            for ent, conf in p.entities.items():
                policy.setdefault(ent, {}).update(conf)
        for ent, action, min_score in spec.entities:
            if action is not None:
                policy.setdefault(ent, {})["action"] = action
            if min_score is not None:
                policy.setdefault(ent, {})["min_score"] = min_score
        self.policy = policy
        # Product names and UI words are neither people, places nor groups: every NER
        # entity's ``ignore`` list applies to every NER guess.
        self.ner_ignore = frozenset(w.casefold() for conf in policy.values()
                                    for w in conf.get("ignore", ()))
        self.known = spec.known
        self.chinese = ChineseNames()
        self.codedata = CodeDataNames()
        self.allow = {t.casefold() for t in spec.allow_terms}
        self.deny = (regex.compile(
            r"(?<!\w)(?:" + "|".join(regex.escape(t) for t in sorted(spec.deny_terms,
                                                                      key=len, reverse=True))
            + r")(?!\w)", regex.IGNORECASE) if spec.deny_terms else None)
        self.nlp: NlpDetector | None = None
        if spec.nlp:
            cache = nlp_cache if nlp_cache is not None else {}
            if spec.nlp_model not in cache:
                thresholds = {e: float(policy.get(e, {}).get("min_score", 0.5))
                              for e in NER_ENTITIES}
                cache[spec.nlp_model] = NlpDetector(spec.nlp_model, thresholds)
            self.nlp = cache[spec.nlp_model]
        # Last: it imports Presidio (and so spaCy) on a thread of its own, which must not
        # run while this thread is still importing spaCy for the NER model.
        self.presidio = PresidioRecognizers(enabled(spec.recognizers_on, spec.recognizers_off))

    def analyze_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """``analyze`` for several texts, with NER on all of them in one spaCy batch."""
        if self.nlp is None:
            return [self.analyze(t) for t in texts]
        views = [name_lines(prose_view(t), t) for t in texts]
        todo = [i for i, v in enumerate(views) if v.strip()]
        guesses = dict(zip(todo, self.nlp.analyze_many([views[i] for i in todo]), strict=True))
        return [self.analyze(t, (views[i], guesses.get(i, []))) for i, t in enumerate(texts)]

    def analyze(self, text: str,
                ner: tuple[str, list[Finding]] | None = None) -> list[Finding]:
        """Return the non-overlapping findings in ``text`` after policy.

        Args:
            text: The text.
            ner: Its NER view and the NER guesses on it, when already computed in a batch.
        """
        hits = self.patterns.keyword_positions(text)  # one keyword pass for both
        found = self.patterns.analyze(text, hits)
        found += self.chinese.analyze(text)
        found += self.codedata.analyze(text, hits)
        found += self.presidio.analyze(text)
        if self.known is not None:
            found += self.known.analyze(text)
        if self.deny is not None:
            found += [Finding(m.start(), m.end(), "TERM", "terms.deny", 1.0)
                      for m in self.deny.finditer(text, timeout=2.0)]
        if self.nlp is not None:
            view, raw = ner if ner is not None else (name_lines(prose_view(text), text), None)
            if view.strip():
                raw = self.nlp.analyze(view) if raw is None else raw
                trimmed = _trimmed(view, raw)
                idents = identifiers(text) if trimmed else frozenset()
                guesses = [g for g in trimmed
                           if plausible_entity(text, g.start, g.end, g.entity, idents)
                           and _earned(text, g)]
                found += _below(resolve_overlaps(found), guesses)
        return resolve_overlaps(self._policy(text, found))

    def _policy(self, text: str, found: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        for f in found:
            conf = self.policy.get(f.entity)
            action = f.action
            if conf is not None:
                if f.score < float(conf.get("min_score", 0.0)):
                    continue
                action = conf.get("action", action)
            if f.rule.startswith("nlp.") and _ignored(text[f.start:f.end], self.ner_ignore):
                continue
            if action == "allow":
                continue
            if self.allow and text[f.start:f.end].casefold() in self.allow:
                continue
            if action != f.action:
                f = Finding(f.start, f.end, f.entity, f.rule, f.score, action)  # type: ignore[arg-type]
            out.append(f)
        return out


def _earned(text: str, guess: Finding) -> bool:
    """A PERSON or LOCATION guess must look like a name or a place (``detect.names``)."""
    if guess.entity == "PERSON":
        return plausible_person(text, guess.start, guess.end)
    if guess.entity == "LOCATION":
        return plausible_place(text, guess.start, guess.end)
    return True


def _ignored(value: str, ignore: Any) -> bool:
    """True if an NER guess is a known non-name (``[entities.PERSON] ignore``), word by word."""
    return bool(ignore) and all(w.casefold().strip(".,'\"") in ignore for w in value.split())


def _trimmed(view: str, findings: list[Finding]) -> list[Finding]:
    """NER spans shrunk to their non-blank text (blanked code must never widen a span)."""
    out = []
    for f in findings:
        value = view[f.start:f.end]
        start = f.start + len(value) - len(value.lstrip())
        end = f.end - (len(value) - len(value.rstrip()))
        if end > start and "\n" not in view[start:end]:
            out.append(Finding(start, end, f.entity, f.rule, f.score, f.action))
    return out


def _below(kept: list[Finding], guesses: list[Finding]) -> list[Finding]:
    """Drop NER guesses that touch a rule, known-secret or term finding.

    A checked pattern (a Luhn-valid card, a phone) is surer than a statistical tag; left
    to ``resolve_overlaps`` a longer NER span would win and the checked value lose its type.
    """
    starts = [k.start for k in kept]
    out = []
    for g in guesses:
        i = bisect.bisect_left(starts, g.end)  # kept[i-1] is the last to start before g ends
        if not i or kept[i - 1].end <= g.start:
            out.append(g)
    return out

