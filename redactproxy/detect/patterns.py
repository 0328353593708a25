"""The pattern detector: runs rule packs over text and returns non-overlapping findings.

Speed matters because every request body passes through here before it may leave the
machine. The text is lower-cased once; each distinct keyword is looked up once; a rule's
regex runs only when one of its keywords occurs (gitleaks' prefilter). Each regex pass is
bounded by a timeout, and a timeout fails closed with ``DetectorError``.

Overlaps are resolved greedily and deterministically: longer spans first, then higher
score, then earlier start, then rule id. A PEM block beats a token-shaped run inside it; a
specific rule (higher score) beats a generic one on the same span.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable

from redactproxy.detect.base import Finding
from redactproxy.detect.rules import Rule
from redactproxy.detect.validators import VALIDATORS
from redactproxy.errors import DetectorError

__all__ = ["PatternDetector", "example_failures", "resolve_overlaps", "shannon_entropy"]

DEFAULT_TIMEOUT = 2.0


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0 for empty)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep a non-overlapping subset: longest first, then score, start, rule id.

    Returns:
        The kept findings sorted by start offset.
    """
    ranked = sorted(set(findings), key=lambda f: (-(f.end - f.start), -f.score, f.start, f.rule))
    starts: list[int] = []
    kept: list[Finding] = []
    for f in ranked:
        i = bisect.bisect_right(starts, f.start)
        if i and kept[i - 1].end > f.start:
            continue
        if i < len(kept) and kept[i].start < f.end:
            continue
        starts.insert(i, f.start)
        kept.insert(i, f)
    return kept


class PatternDetector:
    """Detector running regex rules with keyword prefilter, validators and entropy floors.

    Args:
        rules: Rules to run (e.g. every rule of ``load_builtin_packs()``).
        timeout: Seconds allowed to each regex pass over one text.
    """

    def __init__(self, rules: Iterable[Rule], *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.timeout = timeout
        self._always = [r for r in self.rules if not r.keywords]
        self._keyed = [r for r in self.rules if r.keywords]
        self._keywords = sorted({k for r in self._keyed for k in r.keywords})

    def _candidates(self, text: str) -> list[Rule]:
        lowered = text.lower()
        present = {k for k in self._keywords if k in lowered}
        if not present:
            return list(self._always)
        return self._always + [r for r in self._keyed if not present.isdisjoint(r.keywords)]

    def analyze(self, text: str) -> list[Finding]:
        """Return non-overlapping findings in ``text`` sorted by start offset.

        Raises:
            DetectorError: A rule's regex exceeded the timeout.
        """
        if not text:
            return []
        found: list[Finding] = []
        for rule in self._candidates(text):
            found.extend(self._run(rule, text))
        return resolve_overlaps(found)

    def analyze_all(self, text: str) -> list[Finding]:
        """Like ``analyze`` but without overlap resolution (for tests and rule authoring)."""
        found: list[Finding] = []
        for rule in self._candidates(text):
            found.extend(self._run(rule, text))
        return sorted(found, key=lambda f: (f.start, f.end, f.rule))

    def _run(self, rule: Rule, text: str) -> list[Finding]:
        out: list[Finding] = []
        check = VALIDATORS[rule.validator] if rule.validator else None
        group = rule.secret_group
        try:
            for m in rule.compiled.finditer(text, timeout=self.timeout):
                start, end = m.span(group)
                if start < 0 or start == end:
                    continue
                value = text[start:end]
                if rule.allow:
                    low = value.lower()
                    if any(a in low for a in rule.allow):
                        continue
                if rule.entropy is not None and shannon_entropy(value) < rule.entropy:
                    continue
                if check is not None and not check(value):
                    continue
                out.append(Finding(start, end, rule.entity, rule.qualified_id, rule.score,
                                   rule.action))
        except TimeoutError:
            raise DetectorError(f"rule '{rule.qualified_id}' timed out after {self.timeout}s; "
                                "the text was not scanned completely") from None
        return out


def example_failures(rule: Rule) -> list[str]:
    """Run ``rule``'s examples; return one message per example that disagrees.

    Args:
        rule: The rule whose ``match`` / ``no_match`` examples are checked.

    Returns:
        Messages in the ConfigError format, empty when every example behaves.
    """
    detector = PatternDetector([rule])
    failures: list[str] = []
    for i, example in enumerate(rule.match):
        if not any(f.rule == rule.qualified_id for f in detector.analyze_all(example)):
            failures.append(f"{rule.where}: rule '{rule.id}': examples.match[{i}]: no finding "
                            "of this rule; the pattern does not catch its own example")
    for i, example in enumerate(rule.no_match):
        if any(f.rule == rule.qualified_id for f in detector.analyze_all(example)):
            failures.append(f"{rule.where}: rule '{rule.id}': examples.no_match[{i}]: found by "
                            "this rule; it would redact what its author says is harmless")
    return failures
