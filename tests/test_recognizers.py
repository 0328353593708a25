"""Presidio's recognizers as a detector source: examples, gating, switches, the engine."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from presidio_analyzer import predefined_recognizers

from redactproxy.config import load_project
from redactproxy.detect.engine import DetectorSpec, Engine
from redactproxy.detect.recognizers import (
    RECOGNIZERS,
    PresidioRecognizers,
    Recognizer,
    enabled,
    example_failures,
)
from redactproxy.errors import ConfigError, DetectorError

CASES = [(r, kind, i, ex) for r in RECOGNIZERS
         for kind, examples in (("match", r.match), ("no_match", r.no_match))
         for i, ex in enumerate(examples)]
DEFAULT = {r.id for r in RECOGNIZERS if r.checksum}


@pytest.fixture(scope="module")
def everything() -> PresidioRecognizers:
    return PresidioRecognizers(enabled(on=["all"]))


@pytest.mark.parametrize(("rec", "kind", "index", "example"), CASES,
                         ids=[f"{c[0].id}-{c[1]}{c[2]}" for c in CASES])
def test_example(rec: Recognizer, kind: str, index: int, example: str) -> None:
    hits = [f for f in PresidioRecognizers([rec]).analyze(example) if f.rule == rec.rule]
    assert bool(hits) == (kind == "match")
    for f in hits:
        assert f.entity == rec.entity and f.rule == f"presidio.{rec.id}"


def test_every_recognizer_has_both_kinds_of_example() -> None:
    assert [r.id for r in RECOGNIZERS if not r.match or not r.no_match] == []
    assert example_failures() == []


def test_checksum_ones_are_on_by_default() -> None:
    assert {r.id for r in enabled()} == DEFAULT
    assert {"uk-nhs", "es-nif", "it-fiscal-code", "pl-pesel", "au-tfn", "in-aadhaar",
            "kr-rrn", "crypto-wallet"} <= DEFAULT
    assert not {"uk-nino", "sg-nric-fin", "in-pan", "us-passport"} & DEFAULT


def test_switches_by_id_locale_and_all() -> None:
    assert "es-nif" not in {r.id for r in enabled(off=["es"])}
    assert "es-nie" not in {r.id for r in enabled(off=["es"])}
    assert {r.id for r in enabled(on=["uk"])} == DEFAULT | {"uk-nino"}
    assert {r.id for r in enabled(on=["uk-nino"], off=["uk"])} == DEFAULT - {"uk-nhs"}
    assert enabled(off=["all"]) == ()
    assert PresidioRecognizers(()).analyze("NHS 999 000 0018") == []


def test_unknown_name_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^x\.toml:3: detect\.recognizers_off: unknown "
                                          r"recognizer 'esp'; known: all, au, es, "):
        enabled(off=["esp"], where="x.toml:3: detect")


def _filler(rng: random.Random) -> str:
    words = ["config", "value", "the", "order", "shipped", "Report", "x = 3", "port 8080",
             "v1.2.3", "2024-01-15", "call (212) 555-0143", "def f(a, b):", "return a + b"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(5, 40)))


def test_windows_find_what_presidio_finds_over_the_whole_text(
        everything: PresidioRecognizers) -> None:
    # The gates and shapes only decide where Presidio runs; over the whole text, Presidio's
    # own checksum recognizers (same acceptance: checksum-confirmed, a context word near a
    # digit-only value) must find the same spans.
    rng = random.Random(5)
    text = "\n".join(_filler(rng) + "\n" + ex for r in RECOGNIZERS for ex in r.match)
    ours = {(f.start, f.end, f.entity) for f in everything.analyze(text)}
    whole = set()
    for rec in enabled():
        presidio = getattr(predefined_recognizers, rec.cls)()
        words = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.I) for w in presidio.context]
        for res in presidio.analyze(text, presidio.supported_entities):
            value = text[res.start:res.end]
            near = text[max(0, res.start - 64):res.end + 64]
            if res.score >= 1.0 and (not rec.digits or any(c.isalpha() for c in value)
                                     or any(w.search(near) for w in words)):
                whole.add((res.start, res.end, rec.entity))
    checked = {(s, e, entity) for s, e, entity in ours if entity in {r.entity for r in enabled()}}
    assert checked == whole
    assert len(whole) >= sum(len(r.match) for r in enabled())
    assert len(ours) - len(checked) >= sum(len(r.match) for r in RECOGNIZERS if not r.checksum)


def test_bare_numbers_without_context_are_left_alone() -> None:
    # About one random 9-12 digit number in ten passes an NHS / TFN / ACN / Aadhaar checksum;
    # ids and Unix times in JSON must not become identifiers.
    detector = PresidioRecognizers(enabled())
    rng = random.Random(1)
    numbers = [str(rng.randint(10 ** (n - 1), 10 ** n - 1)) for n in range(9, 14)
               for _ in range(300)]
    assert detector.analyze("\n".join(f'{{"id": {v}, "ts": 17{v[:8]}}}' for v in numbers)) == []
    passing = [v for v in numbers[300:600]
               if detector.analyze(f"NHS number {v}")]  # the same numbers, with context
    assert 10 < len(passing) < 60


def test_engine_reports_them_under_policy(tmp_path: Path) -> None:
    text = "Patient NHS 999 000 0018, DNI 12345678Z, card 4111 1111 1111 1111."
    found = Engine(DetectorSpec(nlp=False)).analyze(text)
    assert [(text[f.start:f.end], f.entity, f.rule) for f in found] == [
        ("999 000 0018", "UK_NHS", "presidio.uk-nhs"),
        ("12345678Z", "ES_NIF", "presidio.es-nif"),
        ("4111 1111 1111 1111", "CREDIT_CARD", "pii.credit-card"),
    ]
    (tmp_path / ".redactproxy.toml").write_text(
        '[detect]\nnlp = false\nrecognizers_off = ["uk"]\n\n[entities.ES_NIF]\naction = "allow"\n')
    spec = load_project(tmp_path, user_file=tmp_path / "none.toml").spec
    assert spec.recognizers_off == ("uk",)
    # Without the NHS recognizer the number is still caught, as a (US-shaped) phone number.
    assert [(f.entity, f.rule) for f in Engine(spec).analyze(text)] == [
        ("PHONE_NUMBER", "pii.phone-us"), ("CREDIT_CARD", "pii.credit-card")]


def test_rule_file_names_the_bad_recognizer(tmp_path: Path) -> None:
    (tmp_path / ".redactproxy.toml").write_text('[detect]\n\nrecognizers_on = ["uk", "mars"]\n')
    with pytest.raises(ConfigError) as e:
        load_project(tmp_path, user_file=tmp_path / "none.toml")
    assert str(e.value).startswith(f"{tmp_path / '.redactproxy.toml'}:3: detect.recognizers_on: "
                                   "unknown recognizer 'mars'; known: all, ")


def test_the_proxy_process_does_not_import_presidio() -> None:
    # Rules, validators and the worker's client are imported by the proxy process; Presidio
    # (and the spaCy it pulls in) must load only where a value is checked: in the worker.
    code = ("import sys, redactproxy.addon, redactproxy.config, redactproxy.redact, "
            "redactproxy.detect.worker, redactproxy.commands.scan, redactproxy.detect.engine; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('presidio')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_decimal_numbers_are_not_identifiers() -> None:
    # 82126812e has a NIF's shape and, one time in 23, its check letter (seen in numpy tests).
    detector = PresidioRecognizers(enabled())
    floats = "a = [1.82126812e+01, -8.90384387e-02, 1.06156156e-315, 2.0012345678Z]"
    assert detector.analyze(floats) == []
    assert [f.entity for f in detector.analyze(floats + " DNI 12345678Z")] == ["ES_NIF"]


def test_presidio_that_cannot_load_fails_closed_only_where_it_is_needed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import redactproxy.detect.recognizers as module

    def broken(rec: Recognizer) -> None:
        raise ImportError("no module named presidio_analyzer")

    monkeypatch.setattr(module, "_load", broken)
    detector = PresidioRecognizers(enabled())
    assert detector.analyze("mail jane.roe@example.org, port 8080") == []  # no candidate
    with pytest.raises(DetectorError, match=r"^Presidio's recognizers could not be loaded "
                                            r"\(ImportError: no module named presidio"):
        detector.analyze("NHS 999 000 0018")
