"""Presidio's pattern recognizers for national identifiers and wallets, as one detector source.

Presidio ships checksum-validated recognizers for identifiers our rule packs do not cover (UK
NHS, Spanish NIF/NIE, Italian fiscal codes, PESEL, Australian TFN/ABN/ACN/Medicare, Aadhaar,
Finnish and Korean personal codes, crypto wallets). They are its code, not copies: this
module runs them, cheaply, on the same text the rule packs see, and maps what they return to
``Finding`` values with our entity names and ``presidio.<id>`` rule ids.

Cost is the point. Presidio's ``AnalyzerEngine`` runs every recognizer over the whole text and
then its context enhancer (measured much slower; FIELD-NOTES). Here each recognizer has a
``shape``: a cheap regex for the core of what it could match. Two cheap passes find candidate
windows; only there, and only the recognizers whose shape occurs in
the window, call Presidio's ``analyze``. Text without a digit run or a wallet prefix costs
two regex passes (``GATES``).

Checksum-validated recognizers are on by default and keep only results their checksum
raised to the maximum score. A bare digit group passes a one-digit checksum one time in ten
(9.1% of Unix times pass the NHS check), so values of digit-only identifiers also need one of
Presidio's context words for them nearby ("NHS", "TFN", "aadhaar"). Recognizers without a
checksum (UK NINO, Singapore NRIC/FIN, Indian PAN, US passport) are off by default; switched
on, they too need one of Presidio's own context words for them near the value.
``[detect] recognizers_off`` / ``recognizers_on`` in a rule file name recognizer ids,
locales (``es``) or ``all``.

Presidio is imported only when a ``PresidioRecognizers`` is built (in the analysis worker):
the proxy process never pays for it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import regex

from redactproxy.detect.base import Finding
from redactproxy.detect.patterns import ascii_digits
from redactproxy.errors import ConfigError, DetectorError

__all__ = ["RECOGNIZERS", "PresidioRecognizers", "Recognizer", "enabled", "example_failures"]

#: How far (characters) a context word may stand from the value of a keyword-gated recognizer.
CONTEXT = 64
#: Characters around a gate hit given to the recognizers (their patterns may reach that far).
MARGIN = 24
#: Where any recognizer could match, in two passes that start on a digit or a wallet prefix
#: (one alternation of every shape costs ten times more): from the first digit of a run that
#: is not a decimal fraction, seven digits with single dashes or spaces between them (every
#: numeric identifier), a Finnish century sign, an Aadhaar with colons, the digit groups of
#: a fiscal code, a PAN or NINO; then base58 or bech32 wallet prefixes.
#: ``tests/test_recognizers.py`` checks that windows from these gates find what Presidio
#: finds over the whole text.
GATES = (
    regex.compile(r"(?<![\d.])\d(?:(?:[- ]?\d){6,}|\d{5}[-+A-Za-z]\d{3}|\d{3}:\d{4}:\d{4}"
                  r"|\d[A-Za-z]\d{2}[A-Za-z]\d{3}|\d{3}[A-Za-z]|\d{5}[A-Da-d]"
                  r"|\d(?: \d{2}){2} [A-Da-d])"),
    regex.compile(r"[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1[a-z0-9]{20}"),
)
#: The gates as they run on ASCII text (``\\d`` written ``[0-9]``: the same hits, faster).
_ASCII_GATES = tuple(ascii_digits(g) for g in GATES)


@dataclass(frozen=True, slots=True)
class Recognizer:
    """One Presidio recognizer as our detector runs it.

    Args:
        id: Kebab-case id; findings say ``presidio.<id>``.
        cls: Presidio's class, by name in ``presidio_analyzer.predefined_recognizers``.
        entity: Our entity type (placeholders ``<UK_NHS_1>``).
        locale: Country code (``uk``) or ``generic``; switches a group on or off.
        shape: Cheap regex for the core of a value; Presidio runs only where it occurs.
        checksum: Presidio validates a checksum: on by default, and only results the
            checksum confirmed (score 1.0) are kept. Without one: off by default, and a
            Presidio context word must stand near the value.
        digits: Values are bare digit groups, which a one-digit checksum alone does not
            single out (about one random number in ten passes it: ids, Unix times), so a
            Presidio context word must stand near the value; without one nearby the
            recognizer does not even run (number-heavy code and data cost nothing).
        match: Synthetic examples that must give a finding (values pass the checksums).
        no_match: Examples that must give none (a check digit off by one, wrong shape).
    """

    id: str
    cls: str
    entity: str
    locale: str
    shape: str
    checksum: bool
    match: tuple[str, ...]
    no_match: tuple[str, ...]
    digits: bool = False

    @property
    def needs_context(self) -> bool:
        """A context word is needed near every value: no checksum, or a weak one on digits."""
        return not self.checksum or self.digits

    @property
    def rule(self) -> str:
        """Rule id reported in findings."""
        return f"presidio.{self.id}"


#: Every recognizer we run, in the order they are tried. Examples are synthetic: computed to
#: pass (or, in ``no_match``, to fail by one check digit) the recognizer's own checksum.
RECOGNIZERS: tuple[Recognizer, ...] = (
    Recognizer("uk-nhs", "NhsRecognizer", "UK_NHS", "uk",
               r"\d{3}[- ]?\d{3}[- ]?\d{4}", True,
               ("NHS number 999 000 0018 on file", "nhs: 9990000026"),
               ("NHS number 999 000 0019", "order 9990000018123", '"created": 9990000018'),
               digits=True),
    Recognizer("es-nif", "EsNifRecognizer", "ES_NIF",
               "es", r"\d{7,8}-?[A-Za-z]", True,
               ("DNI 12345678Z", "NIF: 00000023-T"),
               ("DNI 12345678A", "build 12345678Zx")),
    Recognizer("es-nie", "EsNieRecognizer", "ES_NIE",
               "es", r"[XYZxyz]-?\d{7}-?[A-Za-z]", True,
               ("NIE X1234567L", "nie: Y0000000Z"),
               ("NIE X1234567A",)),
    Recognizer("it-fiscal-code",
               "ItFiscalCodeRecognizer",
               "IT_FISCAL_CODE", "it", r"[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]", True,
               ("codice fiscale RSSMRA85T10A562S", "cf: bncgvn80a01h501j"),
               ("codice fiscale RSSMRA85T10A562A",)),
    Recognizer("pl-pesel", "PlPeselRecognizer",
               "PL_PESEL", "pl", r"\d{11}", True,
               ("PESEL 44051401359", "pesel: 02070803628"),
               ("PESEL 44051401358", "id 44051401359"), digits=True),
    Recognizer("au-abn", "AuAbnRecognizer", "AU_ABN",
               "au", r"\d{2} ?\d{3} ?\d{3} ?\d{3}", True,
               ("ABN 18 123 456 789", "abn: 18123456789"),
               ("ABN 18 123 456 788", "id 18123456789"), digits=True),
    Recognizer("au-acn", "AuAcnRecognizer", "AU_ACN",
               "au", r"\d{3} ?\d{3} ?\d{3}", True,
               ("ACN 123 456 002", "acn: 000000019"),
               ("ACN 123 456 003", "size 123456002"), digits=True),
    Recognizer("au-tfn", "AuTfnRecognizer", "AU_TFN",
               "au", r"\d{3} ?\d{3} ?\d{3}", True,
               ("TFN 123 456 782", "tax file number 876543210"),
               ("TFN 123 456 783", "row 876543210"), digits=True),
    Recognizer("au-medicare",
               "AuMedicareRecognizer",
               "AU_MEDICARE", "au", r"\d{4} ?\d{5} ?\d", True,
               ("Medicare 2123 45670 1", "medicare: 2123456701"),
               ("Medicare 2123 45671 1", "offset 2123456701"), digits=True),
    Recognizer("in-aadhaar", "InAadhaarRecognizer",
               "IN_AADHAAR", "in", r"\d{4}[- :]?\d{4}[- :]?\d{4}", True,
               ("Aadhaar 2345 6789 0124", "aadhaar: 234567890124"),
               ("Aadhaar 2345 6789 0125", "Aadhaar 1234 5678 9012", "id 234567890124"),
               digits=True),
    Recognizer("fi-personal-identity-code",
               "FiPersonalIdentityCodeRecognizer",
               "FI_PERSONAL_IDENTITY_CODE", "fi", r"\d{6}[-+A-Za-z]\d{3}", True,
               ("hetu 131052-308T", "henkilötunnus 010101A123N"),
               ("hetu 131052-308A",)),
    Recognizer("kr-rrn", "KrRrnRecognizer", "KR_RRN",
               "kr", r"\d{6}-?\d{7}", True,
               ("RRN 900101-1234568", "rrn# 9001011234568"),
               ("RRN 900101-1234567", "build 900101-1234568"), digits=True),
    Recognizer("crypto-wallet", "CryptoRecognizer",
               "CRYPTO_WALLET", "generic", r"(?<![\w])(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,59}",
               True,
               ("send to 16L5yRNPTuciSgXGHqYwn9N6NeoKqopAu",  # made: payload bytes 1..20
                "wallet bc1qz5tpwxqergd3c8g7ruszzg3rysjjvfeg7axm28"),  # made: bytes 21..40
               ("send to 16L5yRNPTuciSgXGHqYwn9N6NeoKqopA2",)),
    Recognizer("uk-nino", "UkNinoRecognizer", "UK_NINO",
               "uk", r"[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]", False,
               ("national insurance number AB 12 34 56 C", "NINO: JG103759A"),
               ("ticket AB123456C", "national insurance BG 12 34 56 C")),
    Recognizer("sg-nric-fin", "SgFinRecognizer",
               "SG_NRIC_FIN", "sg", r"[A-Za-z]\d{7}[A-Za-z]", False,
               ("NRIC S1234567D", "fin# G1234567X"),
               ("part S1234567D",)),
    Recognizer("in-pan", "InPanRecognizer", "IN_PAN",
               "in", r"[A-Za-z]{5}\d{4}[A-Za-z]", False,
               ("PAN ABCPE1234F", "permanent account number: AAAPL1234C"),
               ("sku ABCPE1234F",)),
    Recognizer("us-passport", "UsPassportRecognizer",
               "US_PASSPORT", "us", r"[A-Za-z]?\d{8,9}", False,
               ("passport number 912803456", "US passport A12345678"),
               ("order 912803456",)),
)
_BY_ID = {r.id: r for r in RECOGNIZERS}
LOCALES = frozenset(r.locale for r in RECOGNIZERS)


def enabled(on: Iterable[str] = (), off: Iterable[str] = (),
            where: str = "[detect]") -> tuple[Recognizer, ...]:
    """The recognizers to run: checksum ones, plus ``on``, minus ``off``.

    Args:
        on: Ids or locales to switch on (``uk-nino``, ``sg``, ``all``).
        off: Ids or locales to switch off; wins over ``on``.
        where: Where the lists come from, for errors.

    Raises:
        ConfigError: A name is neither an id, a locale nor ``all``.
    """

    def picks(names: Iterable[str], key: str) -> set[str]:
        out: set[str] = set()
        for name in names:
            if name == "all":
                out |= set(_BY_ID)
            elif name in _BY_ID:
                out.add(name)
            elif name in LOCALES:
                out |= {r.id for r in RECOGNIZERS if r.locale == name}
            else:
                raise ConfigError(f"{where}.{key}: unknown recognizer {name!r}; known: all, "
                                  f"{', '.join(sorted(LOCALES))}, {', '.join(_BY_ID)}")
        return out

    wanted = {r.id for r in RECOGNIZERS if r.checksum} | picks(on, "recognizers_on")
    wanted -= picks(off, "recognizers_off")
    return tuple(r for r in RECOGNIZERS if r.id in wanted)


def _load(rec: Recognizer) -> tuple[Any, regex.Pattern[str] | None]:
    """Presidio's recognizer, and its context words as one whole-word regex (if needed)."""
    from presidio_analyzer import predefined_recognizers

    presidio = getattr(predefined_recognizers, rec.cls)()
    if not rec.needs_context:
        return presidio, None
    words = sorted({w for w in presidio.context if w}, key=len, reverse=True)
    return presidio, regex.compile(
        r"(?<!\w)(?:" + "|".join(regex.escape(w) for w in words) + r")(?!\w)", regex.IGNORECASE)


class PresidioRecognizers:
    """Runs Presidio recognizers where their shapes occur; returns our ``Finding`` values.

    A gate hit opens a window (widened to whitespace); in it, each recognizer whose shape
    occurs runs Presidio's ``analyze`` on the window alone. A result that touches a window
    edge cutting a word is dropped: over the whole text, ``\\b`` would not have matched there.

    Presidio is imported on a background thread from construction on: importing it pulls in
    spaCy (seconds, even with ``--no-nlp``), and the worker must say it is ready without
    waiting for that. ``analyze`` waits for the import only when a gate hit needs a
    recognizer; an import that failed fails every such analysis (the request is refused).

    Args:
        recognizers: Which ones (``enabled(...)``).
    """

    def __init__(self, recognizers: Iterable[Recognizer]) -> None:
        self.recognizers = tuple(recognizers)
        self._run: list[tuple[Recognizer, re.Pattern[str], Any, regex.Pattern[str] | None]] = []
        self._error: str | None = None
        self._loaded = threading.Event()
        if self.recognizers:
            threading.Thread(target=self._load, name="presidio-import", daemon=True).start()

    def _load(self) -> None:
        try:
            self._run = [(r, re.compile(r.shape), *_load(r)) for r in self.recognizers]
        except Exception as e:  # noqa: BLE001 - reported by every analysis that needs it
            self._error = f"{type(e).__name__}: {e}"
        finally:
            self._loaded.set()

    def analyze(self, text: str) -> list[Finding]:
        """Findings in ``text`` (possibly overlapping, like ``PatternDetector.analyze_all``).

        Raises:
            DetectorError: Presidio could not be loaded and ``text`` has a candidate.
        """
        if not self.recognizers:
            return []
        hits = sorted((m.start(), m.end()) for gate in (_ASCII_GATES if text.isascii()
                                                         else GATES)
                      for m in gate.finditer(text, timeout=2.0))
        windows = _windows(text, hits)
        if not windows:
            return []
        self._loaded.wait()
        if self._error is not None:
            raise DetectorError(f"Presidio's recognizers could not be loaded ({self._error})")
        found: list[Finding] = []
        for lo, hi in windows:
            piece = text[lo:hi]
            for rec, shape, presidio, context in self._run:
                if not shape.search(piece):
                    continue
                if rec.needs_context and not _near(context, text, lo, hi):
                    continue
                for res in presidio.analyze(piece, [presidio.supported_entities[0]]):
                    start, end = lo + res.start, lo + res.end
                    if ((rec.checksum and res.score < 1.0) or _cut(text, start, end, lo, hi)
                            or _in_number(text, start, end)
                            or (rec.needs_context and not _near(context, text, start, end))):
                        continue
                    found.append(Finding(start, end, rec.entity, rec.rule, float(res.score)))
        return found


def _near(context: regex.Pattern[str] | None, text: str, start: int, end: int) -> bool:
    """True if one of the recognizer's context words stands within ``CONTEXT`` of a span."""
    return context is not None and context.search(
        text, max(0, start - CONTEXT), min(len(text), end + CONTEXT), timeout=2.0) is not None


def _windows(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged windows around shape hits, widened to whitespace when it is near."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for s, e in spans:
        lo, hi = max(0, s - MARGIN), min(n, e + MARGIN)
        floor = max(0, lo - MARGIN)
        ws = max(text.rfind(" ", floor, lo), text.rfind("\n", floor, lo))
        lo = ws + 1 if ws >= 0 else lo
        ends = [i for i in (text.find(" ", hi, hi + MARGIN), text.find("\n", hi, hi + MARGIN))
                if i >= 0]
        hi = min(ends) if ends else hi
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _in_number(text: str, start: int, end: int) -> bool:
    """True if a span is part of a decimal number: its fraction or mantissa (``1.82126812e+01``).

    ``82126812e`` has a Spanish NIF's shape and, one time in 23, its check letter.
    """
    after = text[end:end + 2]
    return ((start >= 2 and text[start - 1] == "." and text[start - 2].isdigit())
            or (text[end - 1] in "eE" and (after[:1].isdigit()
                                           or (after[:1] in "+-" and after[1:].isdigit()))))


def _cut(text: str, start: int, end: int, lo: int, hi: int) -> bool:
    """True if a result touches a window edge that cuts a word (the full text has no edge)."""
    return ((start == lo and lo > 0 and text[lo - 1].isalnum() and text[lo].isalnum())
            or (end == hi and hi < len(text) and text[hi].isalnum() and text[hi - 1].isalnum()))


def example_failures() -> list[str]:
    """Run every recognizer's examples alone; one message per example that disagrees."""
    failures: list[str] = []
    for rec in RECOGNIZERS:
        one = PresidioRecognizers([rec])
        for kind, examples in (("match", rec.match), ("no_match", rec.no_match)):
            for i, example in enumerate(examples):
                hit = any(f.rule == rec.rule for f in one.analyze(example))
                if hit != (kind == "match"):
                    why = ("no finding of this recognizer" if kind == "match"
                           else "found by this recognizer")
                    failures.append(f"{rec.rule}: examples.{kind}[{i}]: {why}")
    return failures
