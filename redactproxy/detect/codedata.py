"""Names in code and data: values stored under name-like keys, checked as person names.

NER is kept away from code (``prose.prose_view`` blanks it), so ``User(name="Maria
Gonzalez")``, a JSON record, a YAML fixture, a CSV row or an SQL ``INSERT`` would carry
names out unseen. This module finds the *values* held under name-like keys (``name``,
``full_name``, ``first_name``, ``customer``, ``owner``, ``author``, ``assignee``,
``contact``, ``姓名``, ``联系人`` ...) in:

- assignments, keyword arguments, dict/object literals and JSON/TOML/YAML pairs with a
  quoted value (``name="…"``, ``"name": "…"``, ``name: '…'``, ``Name: "…"`` in Go), and YAML
  pairs with a plain value (``author: Maria Gonzalez``);
- CSV whose header row names such a column;
- SQL ``INSERT INTO t (…, name, …) VALUES (…), (…)``.

Each value is then checked as a person's name on its own (``names.full_name`` for Latin
script, ``chinese`` for Chinese; single given names or surnames only under keys that say so:
``first_name``, ``last_name``, ``surname`` ...). A name no list knows passes by its shape
(``names.name_shaped``): under a key that says person (``author``, ``customer_name``) any
capitalised words that are not all English; under a bare ``name`` or ``display_name``, which
name things as often as people, only words none of which is English. Identifiers and placeholders
(``name="test"``, ``name=user_name``, ``name="<PERSON_1>"``, ``{{ user.name }}``) fail
that check and stay untouched.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from redactproxy.detect.base import Finding
from redactproxy.detect.chinese import COMPOUND_SURNAMES, NOT_NAMES, SURNAMES, has_cjk
from redactproxy.detect.names import (
    full_name,
    initial_capital,
    is_stand_in,
    lexicon,
    name_shaped,
)
from redactproxy.detect.patterns import KeywordScanner

__all__ = ["HINT_WORDS", "CodeDataNames", "Slot", "name_slots"]

_CJK_KEYS = ("姓名", "名字", "联系人", "收件人", "收货人", "寄件人", "客户", "客户姓名", "负责人",
             "申请人", "作者", "经办人", "持卡人", "户名", "员工", "用户名称")
# Key words: a key is name-like if, split at ``_``/``-``/camelCase, its last part is one of
# these (``customer_name``, ``ownerName``, ``Author``) or it is a first/last-name key.
_NAME_PARTS = frozenset({"name", "fullname", "customer", "owner", "author", "assignee",
                         "contact", "reporter", "recipient", "sender", "person", "employee",
                         "patient", "manager", "maintainer", "reviewer", "approver",
                         "requester", "client", "tenant", "holder", "beneficiary", "member"})
_GIVEN_KEYS = frozenset({"firstname", "givenname", "forename", "first", "given"})
_FAMILY_KEYS = frozenset({"lastname", "surname", "familyname", "last", "family"})
# Keys that hold names of things, not people, despite ending in "name".
_THING_PREFIXES = frozenset({"file", "host", "class", "func", "function",
                             "module", "package", "table", "column", "field", "db",
                             "database", "schema", "key", "var", "variable", "app", "project",
                             "repo", "branch", "tag", "bucket", "queue", "topic", "service",
                             "domain", "model", "dir", "path", "image", "container", "job",
                             "task", "step", "event", "metric", "index", "font", "node",
                             "cluster", "namespace", "resource", "type", "method", "attr",
                             "product", "item", "device", "team", "org", "company", "group",
                             "role", "sheet", "tab", "page",
                             "site", "brand", "city", "country", "region", "zone", "env"})

# After a key: separator (``=`` ``:`` ``=>`` ``:=``, the key perhaps quoted), then a quoted
# value (group "v"), or for YAML a plain value to the end of the line.
_SEP = re.compile(r"[\"']?\s*(?:=>|:=|=|:)\s*")
_QUOTED = re.compile(r"(?P<q>[\"'`])(?P<v>[^\"'`\n\\]{1,80})(?P=q)")
_YAML_SEP = re.compile(r"[ \t]*:[ \t]+")
_YAML_LEAD = re.compile(r"[ \t]*(?:-[ \t]+)?")
_YAML_VALUE = re.compile(r"(?P<v>[^\s\"'#{\[&*!|>][^\n#]{0,79}?)[ \t]*(?:#[^\n]*)?(?=\n|\Z)")
_INSERT = re.compile(r"insert\s+into\s+[\w.\"`\[\]]+\s*\((?P<cols>[^)]{1,2000})\)\s*values\s*",
                     re.IGNORECASE)
_SQL_ROW = re.compile(r"\((?P<row>(?:'(?:[^']|'')*'|[^()'])*)\)\s*,?\s*")
_SQL_VALUE = re.compile(r"'((?:[^']|'')*)'|([^,\s][^,]*?)\s*(?=,|$)")


@dataclass(frozen=True, slots=True)
class Slot:
    """A value held under a name-like key: its span and what the key says it is."""

    start: int
    end: int
    kind: str  # "full" (a person's name), "name" (a generic name), "given", "family"


# ``<word>_name`` keys that say the name is a person's (else ``name`` is generic).
_PERSON_PREFIXES = _NAME_PARTS | {"full", "real", "legal", "person", "user", "account",
                                  "nick", "given", "family", "middle", "maiden", "birth"}


def _key_kind(key: str) -> str | None:
    """``full`` / ``name`` / ``given`` / ``family`` if ``key`` may hold a person's name
    (``name`` for a generic ``name`` or ``display_name`` key), else None."""
    if key in _CJK_KEYS:
        return "full"
    parts = [p.lower() for p in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", key)]
    if not parts:
        return None
    joined = "".join(parts)
    if joined in _GIVEN_KEYS or (len(parts) >= 2 and "".join(parts[-2:]) in _GIVEN_KEYS):
        return "given"
    if joined in _FAMILY_KEYS or (len(parts) >= 2 and "".join(parts[-2:]) in _FAMILY_KEYS):
        return "family"
    if parts[-1] not in _NAME_PARTS and joined not in _NAME_PARTS:
        return None
    if parts[-1] == "name" and len(parts) >= 2 and parts[-2] in _THING_PREFIXES:
        return None
    if any(p in _THING_PREFIXES for p in parts[:-1]) and parts[-1] == "name":
        return None
    if parts[-1] == "name" and (len(parts) == 1 or parts[-2] not in _PERSON_PREFIXES) \
            and joined != "fullname":
        return "name"
    return "full"


# Every name-like key holds one of these: lines without one are never parsed further.
# (first_name, surname, forename ... all hold "name".)
HINT_WORDS = frozenset(w.lower() for w in (*_NAME_PARTS, *_CJK_KEYS, "insert"))
_HINTS = KeywordScanner(HINT_WORDS)


_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key_at(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """The key whose last word is ``text[start:end]`` (``__author__``: trailing underscores
    too), as (start, end, key), or None if the word is inside a longer identifier
    (``names``, ``namespace``)."""
    while end < len(text) and text[end] == "_":
        end += 1
    if end < len(text):
        c = text[end]
        # Only a separator, a quote closing the key, a space or a CSV comma may follow a key
        # (``name)``, ``name.``, ``names`` are no keys).
        if c not in "\"'=:," and not c.isspace():
            return None
    k = start
    if text[start].isascii():
        while k > 0 and start - k < 40 and text[k - 1] in _KEY_CHARS:
            k -= 1
        while k < start and not (text[k].isalpha() or text[k] == "_"):
            k += 1  # a key starts with a letter or ``_`` (``--name`` is the key ``name``)
    if k and (text[k - 1].isalnum() or text[k - 1] == "_"):
        return None  # glued to a word: ``客户姓名`` inside a sentence, ``éname``
    return k, end, text[k:end]


def name_slots(text: str, hits: dict[str, list[int]] | None = None) -> Iterator[Slot]:
    """Yield the values stored under name-like keys in ``text`` (code, JSON, YAML, CSV, SQL).

    A C-speed keyword search finds the name-like words; only where one ends a key followed
    by a separator (``=``, ``:``, ``=>``) is a value read, so code without such keys costs
    one pass of the keyword automaton and a few checks per word found.

    Args:
        text: The text.
        hits: Where the ``HINT_WORDS`` occur in ``text`` (lower-cased, with other words
            perhaps), when a shared keyword pass already found them.
    """
    found = _HINTS.positions(text) if hits is None else hits
    if not found:
        return
    headers: set[int] = set()
    kinds: dict[str, str | None] = {}
    for word, starts in found.items():
        if word == "insert" or word not in HINT_WORDS:
            continue
        for p in starts:
            at = _key_at(text, p, p + len(word))
            if at is None:
                continue
            k, end, key = at
            if key not in kinds:
                kinds[key] = _key_kind(key)
            kind = kinds[key]
            if kind is None:
                continue
            sep = _SEP.match(text, end)
            if sep is not None:
                m = _QUOTED.match(text, sep.end())
                if m is not None:
                    yield Slot(m.start("v"), m.end("v"), kind)
                    continue
                ls = text.rfind("\n", 0, k) + 1
                ysep = _YAML_SEP.match(text, end)
                if ysep is not None and _YAML_LEAD.fullmatch(text, ls, k):
                    m = _YAML_VALUE.match(text, ysep.end())
                    if m is not None:
                        yield Slot(m.start("v"), m.end("v"), kind)
                continue
            nxt = text[end:end + 2].lstrip(' "')[:1]
            if nxt in (",", "\r", "\n", ""):  # a CSV header cell
                headers.add(text.rfind("\n", 0, k) + 1)
    if headers:
        lines = []
        for ls in sorted(headers):
            le = text.find("\n", ls)
            lines.append((ls, len(text) if le < 0 else le))
        yield from _csv_slots(text, lines)
    if "insert" in found:
        yield from _sql_slots(text, found["insert"])


_CSV_HEADER = re.compile(r"\s*\"?[\w -]{1,40}\"?\s*")
# A character no header cell may hold: a sentence (``the customer, she said.``) is no header.
_NOT_HEADER = re.compile(r"[^\w\s\",-]")


def _csv_slots(text: str, hinted: list[tuple[int, int]]) -> Iterator[Slot]:
    """Columns of CSV blocks whose header row (one of the ``hinted`` lines) names a
    name-like column; the block runs while rows have as many cells as the header."""
    for start, end in hinted:
        header = text[start:end]
        if end - start > 1500 or "," not in header or _NOT_HEADER.search(header):
            continue
        cols = header.split(",")
        if not 2 <= len(cols) <= 60 or not all(_CSV_HEADER.fullmatch(c) for c in cols):
            continue
        kinds = {j: k for j, c in enumerate(cols) if (k := _key_kind(c.strip().strip('"')))}
        if not kinds:
            continue
        pos = end + 1
        while pos < len(text):
            stop = text.find("\n", pos)
            stop = len(text) if stop < 0 else stop
            row = text[pos:stop]
            if not row.strip() or row.count(",") < len(cols) - 1:
                break
            try:
                cells = next(csv.reader([row]))
            except (csv.Error, StopIteration):
                break
            if len(cells) != len(cols):
                break
            at = 0
            for k, cell in enumerate(cells):
                found = row.find(cell, at) if cell else -1
                if found < 0:
                    continue
                at = found + len(cell)
                if k in kinds and cell.strip():
                    yield Slot(pos + found, pos + found + len(cell), kinds[k])
            pos = stop + 1


def _sql_slots(text: str, at: list[int]) -> Iterator[Slot]:
    """Values of name-like columns in ``INSERT INTO t (cols) VALUES (...), (...)`` starting
    at the offsets ``at`` (where ``insert`` occurs)."""
    for p in at:
        m = _INSERT.match(text, p)
        if m is None:
            continue
        cols = [c.strip().strip("\"`[]") for c in m.group("cols").split(",")]
        kinds = {j: k for j, c in enumerate(cols) if (k := _key_kind(c))}
        if not kinds:
            continue
        pos = m.end()
        while True:
            row = _SQL_ROW.match(text, pos)
            if row is None:
                break
            base = row.start("row")
            for j, v in enumerate(_SQL_VALUE.finditer(row.group("row"))):
                if j in kinds and v.group(1) is not None:
                    yield Slot(base + v.start(1), base + v.end(1), kinds[j])
            pos = row.end()


def _chinese_name(value: str) -> bool:
    v = value.strip()
    sl = 2 if v[:2] in COMPOUND_SURNAMES else 1 if v[:1] in SURNAMES else 0
    return bool(sl) and sl < len(v) <= sl + 2 and v not in NOT_NAMES and \
        all("\u4e00" <= c <= "\u9fff" for c in v)


_NOT_A_NAME = frozenset({"test", "demo", "example", "sample", "admin", "user", "unknown",
                         "none", "null", "nil", "anonymous", "first", "last", "name", "foo",
                         "bar", "baz", "default", "guest", "system", "root", "todo", "tbd"})


def _name_word(w: str) -> bool:
    return initial_capital(w) and w.replace("'", "").replace("-", "").isalpha() and \
        not w.isupper() and w.lower() not in _NOT_A_NAME


def is_person_value(value: str, kind: str) -> bool:
    """True if ``value``, stored under a key of ``kind``, reads as a person's name.

    Under a full-name or generic name key: two to five capitalised words, one of them a
    known given name or surname (``Crystal Ecker``; not ``Nightly Backup``), or a name no
    list knows by its shape (``names.name_shaped``, stricter under a generic ``name`` key).
    Under a given- or family-name key: one capitalised word (``Teymur``), unless it is a
    stand-in such as ``Test`` or ``Admin``. Identifiers, placeholders, lower-case words and
    anything with digits are never names.
    """
    v = value.strip()
    if not v or len(v) > 60 or any(c in v for c in "<>{}$%@/\\=_()[]|#:;") or \
            any(c.isdigit() for c in v):
        return False
    if is_stand_in(v):
        return False
    if has_cjk(v):
        return _chinese_name(v)
    words = v.split()
    if kind in ("given", "family"):
        return len(words) == 1 and _name_word(words[0])
    if full_name(v):
        return True
    core = [w for w in words if w.lower() not in ("de", "da", "del", "van", "von", "la", "le")]
    lex = lexicon()
    if 2 <= len(core) <= 4 and all(_name_word(w) for w in core) and \
            any(lex.is_name_word(w) for w in core):
        return True
    return name_shaped(v, strict=kind == "name")


class CodeDataNames:
    """Detector: names stored under name-like keys (entity ``PERSON``, rule ``code.person``)."""

    rule = "code.person"

    def analyze(self, text: str, hits: dict[str, list[int]] | None = None) -> list[Finding]:
        """Return the name values found under name-like keys in ``text``.

        Args:
            text: The text.
            hits: Keyword positions from a shared pass (``name_slots``), if any.
        """
        out: list[Finding] = []
        seen: set[tuple[int, int]] = set()
        for slot in name_slots(text, hits):
            if (slot.start, slot.end) in seen:
                continue
            seen.add((slot.start, slot.end))
            raw = text[slot.start:slot.end]
            value = raw.strip()
            start = slot.start + len(raw) - len(raw.lstrip())
            if is_person_value(value, slot.kind):
                out.append(Finding(start, start + len(value), "PERSON", self.rule, 0.85))
        return out
