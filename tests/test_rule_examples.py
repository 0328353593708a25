"""Every built-in rule catches its ``match`` examples and none of its ``no_match`` ones."""

from __future__ import annotations

import pytest

from redactproxy.detect.patterns import PatternDetector
from redactproxy.detect.rules import Rule, load_builtin_packs

RULES = [r for pack in load_builtin_packs() for r in pack.rules]
CASES = [(r, "match", i, ex) for r in RULES for i, ex in enumerate(r.match)] + [
    (r, "no_match", i, ex) for r in RULES for i, ex in enumerate(r.no_match)]


@pytest.mark.parametrize(("rule", "kind", "index", "example"), CASES,
                         ids=[f"{c[0].qualified_id}-{c[1]}{c[2]}" for c in CASES])
def test_example(rule: Rule, kind: str, index: int, example: str) -> None:
    hits = [f for f in PatternDetector([rule]).analyze_all(example)
            if f.rule == rule.qualified_id]
    assert bool(hits) == (kind == "match")


def test_every_rule_has_both_kinds_of_example() -> None:
    missing = [r.qualified_id for r in RULES if not r.match or not r.no_match]
    assert missing == []


def test_pack_sizes() -> None:
    sizes = {p.name: len(p.rules) for p in load_builtin_packs()}
    assert sizes["secrets"] >= 150
    assert sizes["pii"] >= 10
    assert sizes["cn"] >= 6
