"""``anonymize.labelled``: presidio-anonymizer's ``<ENTITY>`` labels, our semantics kept."""

from __future__ import annotations

import random

from redactproxy.anonymize import labelled
from redactproxy.detect.base import Finding


def _plain(text: str, findings: list[Finding]) -> str:
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out += [text[pos:f.start], f"<{f.entity}>"]
        pos = f.end
    return "".join(out + [text[pos:]])


def test_labels_and_untouched_text() -> None:
    text = "Mail a@example.org b@example.org, call +1 555 010 1234 — ünïcode stays.\n"
    findings = [Finding(5, 18, "EMAIL_ADDRESS", "pii.email"),
                Finding(19, 32, "EMAIL_ADDRESS", "pii.email"),
                Finding(39, 54, "PHONE_NUMBER", "pii.phone-e164", 0.8)]
    # Two addresses separated by a space stay two labels (Presidio's default would merge them).
    assert labelled(text, findings) == ("Mail <EMAIL_ADDRESS> <EMAIL_ADDRESS>, call "
                                        "<PHONE_NUMBER> — ünïcode stays.\n")
    assert labelled(text, []) == text


def test_same_as_a_plain_splice_on_random_disjoint_spans() -> None:
    rng = random.Random(3)
    for _ in range(200):
        text = "".join(rng.choice("ab  é\n<>_") for _ in range(rng.randint(0, 80)))
        findings, pos = [], 0
        while pos < len(text) and rng.random() < 0.8:
            start = pos + rng.choice([0, 0, 1, 3])  # touching spans too
            end = min(len(text), start + rng.randint(1, 6))
            if start >= end:
                break
            findings.append(Finding(start, end, rng.choice(["PERSON", "US_SSN"]), "r"))
            pos = end
        assert labelled(text, findings) == _plain(text, findings)
