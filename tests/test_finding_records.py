"""Finding records of applied findings: the same as built fresh, memoised per text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from redactproxy.detect.base import Finding
from redactproxy.finding_records import FindingRecords
from redactproxy.masking import context_snippet, mask_value, value_hash
from redactproxy.redact import BodyRedaction

KEY = b"k" * 32
HISTORY = "Mail ada@example.org or call 555-0142 about the report."
NEW = "Now write to bob@example.org please."


def _findings(text: str) -> list[Finding]:
    out = []
    for value, entity in (("ada@example.org", "EMAIL_ADDRESS"), ("bob@example.org",
                                                                  "EMAIL_ADDRESS"),
                          ("555-0142", "PHONE_NUMBER")):
        i = text.find(value)
        if i != -1:
            out.append(Finding(i, i + len(value), entity, "pii.x", 0.9))
    return out


def _applied(*texts: str):
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": t}
                                                   for t in texts]})
    red = BodyRedaction(body, json.loads(body), "openai-chat")
    found = {t: _findings(t) for t in red.texts()}
    _, applied = red.apply(found, lambda entity, value: f"<{entity}_1>")
    return applied


def test_records_match_a_fresh_build() -> None:
    applied = _applied(HISTORY, NEW)
    records = FindingRecords(KEY).records(applied)
    assert [r.placeholder for r in records] == [a.replacement for a in applied]
    for r, a in zip(records, applied, strict=True):
        f = a.finding
        others = [b.finding for b in applied if b.text is a.text and b is not a]
        assert r.masked == mask_value(a.value, f.entity)
        assert r.context == context_snippet(a.text, f.start, f.end, entity=f.entity,
                                            others=others)
        assert r.value_hash == value_hash(KEY, a.value)
        assert r.field == a.field and r.rule == f.rule and r.entity == f.entity
        assert "ada@example.org" not in r.context and "555-0142" not in r.context


def test_resent_history_is_looked_up_not_rebuilt(monkeypatch) -> None:
    builder = FindingRecords(KEY)
    first = builder.records(_applied(HISTORY))
    calls = []
    real = builder._build
    monkeypatch.setattr(builder, "_build", lambda a, g: calls.append(a) or real(a, g))
    again = builder.records(_applied(HISTORY, NEW))
    assert len(calls) == 1  # only the new text's finding was described
    assert again[:2] == first
    again[0].context = "changed"  # records are copies: the memo stays as built
    assert builder.records(_applied(HISTORY))[0] == first[0]


def test_another_key_gives_other_hashes() -> None:
    applied = _applied(HISTORY)
    a = FindingRecords(KEY).records(applied)
    b = FindingRecords(b"j" * 32).records(applied)
    assert [r.value_hash for r in a] != [r.value_hash for r in b]


def test_memo_is_bounded_by_records_held() -> None:
    builder = FindingRecords(KEY, max_records=5)
    for i in range(20):  # texts of 2 records each (history) and 1 record (new)
        builder.records(_applied(HISTORY.replace("report", f"report {i}"), NEW + f" {i}"))
        assert len(builder) <= 5
    assert len(builder) >= 4  # the newest texts stay
    big = FindingRecords(KEY, max_records=2)
    assert len(big.records(_applied(HISTORY + " " + NEW))) == 3  # described, not kept
    assert len(big) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 45), st.integers(1, 20)), min_size=1, max_size=25),
       st.text("ab C1\n'\"", min_size=0, max_size=8))
def test_contexts_of_a_crowded_text_are_built_as_with_every_other_finding(gaps, filler):
    """Only findings within a context's reach are passed to it, and its text is the same
    as when every other finding of the text is (a table of hundreds of values)."""
    text, findings = "", []
    for gap, size in gaps:
        text += ("x " + filler) * gap
        findings.append(Finding(len(text), len(text) + size, "EMAIL_ADDRESS", "pii.x", 0.9))
        text += "v" * size
    text += " end"
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]})
    red = BodyRedaction(body, json.loads(body), "openai-chat")
    _, applied = red.apply({text: findings}, lambda entity, value: f"<{entity}_1>")
    records = FindingRecords(KEY).records(applied)
    assert [r.context for r in records] == [
        context_snippet(text, a.finding.start, a.finding.end, entity=a.finding.entity,
                        others=[b.finding for b in applied if b is not a]) for a in applied]
