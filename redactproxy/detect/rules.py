"""Rule packs: detection rules kept as TOML data, parsed into validated ``Rule`` values.

A secret format is data (id, entity, regex, keywords, validator, entropy, examples), not a
class, so adding one is adding a ``[[rules]]`` table. The same schema is accepted in the
built-in packs (``rules/*.toml``, shipped as ``redactproxy/_rules``) and under ``[[rules]]``
in a user's ``.redactproxy.toml``; ``parse_rule`` is the one place that validates it.

Every error is one line ``<path>:<line>: rule '<id>': <field>: <what is wrong, and the
consequence>``. ``tomllib`` reports no line numbers for tables, so the line of each
``[[rules]]`` header is found by scanning the raw text (``rule_header_lines``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import regex

import redactproxy
from redactproxy.detect.base import ACTIONS, Action
from redactproxy.detect.validators import VALIDATORS
from redactproxy.errors import ConfigError

__all__ = [
    "Rule",
    "RulePack",
    "builtin_pack_paths",
    "load_builtin_packs",
    "load_pack",
    "parse_rule",
    "read_toml",
    "rule_header_lines",
]

DEFAULT_SCORE = 0.9
_ID = regex.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTITY = regex.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
_HEADER = regex.compile(r"^\s*\[\[\s*rules\s*\]\]")
_KEYS = frozenset({
    "id", "entity", "description", "pattern", "secret_group", "keywords", "prefilter",
    "entropy", "validator", "action", "score", "allow", "examples",
})


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated detection rule.

    Args:
        id: Kebab-case id, unique within its pack.
        entity: Upper-snake entity type used in placeholders (``GITHUB_TOKEN``).
        description: One sentence on what leaks if this value escapes.
        pattern: The regex source, as written.
        compiled: The compiled ``regex`` pattern.
        secret_group: Group holding the value (0 = whole match).
        keywords: Lower-case substrings; the regex runs only if one occurs (empty = always).
        prefilter: For a rule without keywords: a cheap regex (``[0-9]{6}``) that every match
            holds within ``PatternDetector.before`` characters of its start; the rule runs
            only around its hits (text without them costs one fast scan), or None.
        entropy: Minimum Shannon entropy (bits/char) of the value, or None.
        validator: Name of a function in ``validators.VALIDATORS``, or None.
        action: ``redact`` | ``mask`` | ``block`` | ``allow``.
        score: Confidence given to findings, in [0, 1].
        allow: Lower-case substrings that, found in the value, suppress the finding.
        match: Examples that must yield a finding of this rule.
        no_match: Examples that must yield none.
        pack: Name of the pack (``secrets``), used to qualify the id in findings.
        source: File the rule came from, for messages.
        line: Line of its ``[[rules]]`` header, or None.
    """

    id: str
    entity: str
    pattern: str
    compiled: regex.Pattern[str] = field(repr=False, compare=False)
    description: str = ""
    secret_group: int = 0
    keywords: tuple[str, ...] = ()
    prefilter: regex.Pattern[str] | None = field(default=None, repr=False, compare=False)
    entropy: float | None = None
    validator: str | None = None
    action: Action = "redact"
    score: float = DEFAULT_SCORE
    allow: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    pack: str = ""
    source: str = ""
    line: int | None = None

    @property
    def qualified_id(self) -> str:
        """Id as reported in findings: ``<pack>.<id>`` (``secrets.github-pat``)."""
        return f"{self.pack}.{self.id}" if self.pack else self.id

    @property
    def where(self) -> str:
        """``path:line`` of the rule, for messages."""
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True, slots=True)
class RulePack:
    """The rules of one file plus its entity policies (``[entities.PERSON]`` tables).

    Args:
        name: Pack name (file stem: ``secrets``, ``pii``, ``cn``).
        path: File it was loaded from.
        rules: Rules in file order.
        entities: Per-entity settings for other detectors, e.g. ``{"PERSON": {"min_score":
            0.7, "action": "redact"}}``; consumed by the NER detector.
    """

    name: str
    path: Path
    rules: tuple[Rule, ...]
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)


def _fail(where: str, rid: str, fld: str, msg: str) -> ConfigError:
    return ConfigError(f"{where}: rule '{rid}': {fld}: {msg}")


def _str_list(value: object, fail: Any, fld: str, lower: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(fld, "must be a list of strings; the rule cannot be loaded")
    items = cast(list[str], value)
    if lower:
        for v in items:
            if not v or v != v.lower():
                raise fail(fld, f"{v!r} is not a non-empty lower-case string; matching runs "
                                "on lower-cased text, so it would never occur")
    return tuple(items)


def parse_rule(table: Mapping[str, Any], source: str, line: int | None, *,
               pack: str = "") -> Rule:
    """Validate one ``[[rules]]`` table and compile its pattern.

    Args:
        table: The table as parsed by ``tomllib``.
        source: File name for messages.
        line: Line of the table's ``[[rules]]`` header, if known.
        pack: Pack name qualifying the id in findings (empty for none).

    Returns:
        The validated rule.

    Raises:
        ConfigError: One line naming path, line, rule id and field.
    """
    where = f"{source}:{line}" if line else source
    rid = table.get("id")
    shown = rid if isinstance(rid, str) else "?"

    def fail(fld: str, msg: str) -> ConfigError:
        return _fail(where, shown, fld, msg)

    if not isinstance(rid, str):
        raise fail("id", "missing or not a string; every rule needs a kebab-case id")
    if not _ID.match(rid):
        raise fail("id", "must be kebab-case (a-z, 0-9, '-'); findings are reported by id")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key; it would be silently ignored")
    for req in ("entity", "pattern"):
        if req not in table:
            raise fail(req, "missing; the rule cannot run without it")
    entity = table["entity"]
    if not isinstance(entity, str) or not _ENTITY.match(entity):
        raise fail("entity", "must be UPPER_SNAKE_CASE (EMAIL_ADDRESS); it names placeholders")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "must be a string")
    pattern = table["pattern"]
    if not isinstance(pattern, str) or not pattern:
        raise fail("pattern", "must be a non-empty string; the rule cannot run")
    try:
        compiled = regex.compile(pattern, regex.VERSION0)
    except regex.error as e:
        raise fail("pattern", f"invalid regex ({e}); the rule cannot run") from None
    group = table.get("secret_group", 0)
    if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group <= compiled.groups:
        raise fail("secret_group", f"must be an integer from 0 to {compiled.groups} (the "
                                   "pattern's group count); the value span would be undefined")
    keywords = _str_list(table.get("keywords", []), fail, "keywords", lower=True)
    prefilter = None
    if "prefilter" in table:
        source_ = table["prefilter"]
        if not isinstance(source_, str) or not source_:
            raise fail("prefilter", "must be a non-empty regex string")
        if keywords:
            raise fail("prefilter", "only for rules without keywords (keywords already "
                                    "limit where the rule runs)")
        try:
            prefilter = regex.compile(source_, regex.VERSION0)
        except regex.error as e:
            raise fail("prefilter", f"invalid regex ({e}); the rule cannot run") from None
    entropy = table.get("entropy")
    if entropy is not None and (isinstance(entropy, bool)
                                or not isinstance(entropy, int | float) or not 0 <= entropy <= 8):
        raise fail("entropy", "must be a number of bits per character from 0 to 8")
    validator = table.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise fail("validator", f"unknown validator {validator!r}; known: "
                                f"{', '.join(sorted(VALIDATORS))}")
    action = table.get("action", "redact")
    if action not in ACTIONS:
        raise fail("action", f"{action!r} is not one of {', '.join(ACTIONS)}; the rule "
                             "would not know what to do with a finding")
    score = table.get("score", DEFAULT_SCORE)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise fail("score", "must be a number from 0 to 1")
    allow = _str_list(table.get("allow", []), fail, "allow")
    examples = table.get("examples", {})
    if not isinstance(examples, dict) or set(examples) - {"match", "no_match"}:
        raise fail("examples", "must be a table with only 'match' and 'no_match' lists")
    match = _str_list(examples.get("match", []), fail, "examples.match")
    no_match = _str_list(examples.get("no_match", []), fail, "examples.no_match")
    return Rule(
        id=rid, entity=entity, pattern=pattern, compiled=compiled, description=description,
        secret_group=group, keywords=keywords, prefilter=prefilter,
        entropy=float(entropy) if entropy is not None else None, validator=validator,
        action=cast(Action, action), score=float(score),
        allow=tuple(a.lower() for a in allow), match=match, no_match=no_match,
        pack=pack, source=source, line=line,
    )


def rule_header_lines(text: str) -> list[int]:
    """1-based line numbers of every ``[[rules]]`` header, in file order."""
    in_multiline = False
    lines: list[int] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        # Skip headers that are really inside a multi-line string (e.g. an example).
        if raw.count("'''") % 2 or raw.count('"""') % 2:
            in_multiline = not in_multiline
            continue
        if not in_multiline and _HEADER.match(raw):
            lines.append(n)
    return lines


def _parse_entities(value: object, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: entities: must be a table of [entities.NAME] tables")
    out: dict[str, dict[str, Any]] = {}
    for name, conf in value.items():
        fld = f"entities.{name}"
        if not _ENTITY.match(name) or not isinstance(conf, dict):
            raise ConfigError(f"{where}: {fld}: must be an UPPER_SNAKE name with a table")
        score = conf.get("min_score", 0.0)
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise ConfigError(f"{where}: {fld}.min_score: must be a number from 0 to 1")
        if conf.get("action", "redact") not in ACTIONS:
            raise ConfigError(f"{where}: {fld}.action: must be one of {', '.join(ACTIONS)}")
        out[name] = dict(conf)
    return out


def read_toml(path: Path, what: str) -> tuple[str, dict[str, Any]]:
    """Read and parse a TOML file; return its text (for line numbers) and its data.

    Raises:
        ConfigError: ``<path>: cannot read <what> (...)`` or ``<path>: invalid TOML: ...``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read {what} ({e.__class__.__name__})") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None


def load_pack(path: str | Path, *, verify_examples: bool = False) -> RulePack:
    """Load and validate one rule pack file.

    Args:
        path: TOML file with ``[[rules]]`` tables and optional ``[entities.NAME]`` tables.
        verify_examples: Also run every rule's examples and fail on the first that
            disagrees (slower; ``redactproxy rules test`` reports all of them instead).

    Raises:
        ConfigError: Syntax errors, schema errors, duplicate ids, failing examples.
    """
    path = Path(path)
    text, data = read_toml(path, "rule pack")
    extra = sorted(set(data) - {"rules", "entities"})
    if extra:
        raise ConfigError(f"{path}: {extra[0]}: unknown top-level key; only [[rules]] and "
                          "[entities.NAME] are read, it would be ignored")
    tables = data.get("rules", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: rules: must be an array of [[rules]] tables")
    lines = rule_header_lines(text)
    rules: list[Rule] = []
    seen: dict[str, int | None] = {}
    for i, table in enumerate(tables):
        line = lines[i] if len(lines) == len(tables) else None
        rule = parse_rule(table, str(path), line, pack=path.stem)
        if rule.id in seen:
            first = seen[rule.id]
            raise _fail(rule.where, rule.id, "id", f"duplicate of the rule at line {first}; "
                        "ids must be unique or findings could not be traced to one rule")
        seen[rule.id] = line
        rules.append(rule)
    if verify_examples:
        from redactproxy.detect.patterns import example_failures

        for rule in rules:
            failures = example_failures(rule)
            if failures:
                raise ConfigError(failures[0])
    entities = _parse_entities(data.get("entities", {}), str(path))
    return RulePack(name=path.stem, path=path, rules=tuple(rules), entities=entities)


def builtin_pack_paths() -> list[Path]:
    """Paths of the built-in packs: ``redactproxy/_rules`` in a wheel, else ``rules/``."""
    pkg = Path(redactproxy.__file__).parent
    for directory in (pkg / "_rules", pkg.parent / "rules"):
        if directory.is_dir():
            return sorted(directory.glob("*.toml"))
    return []


def load_builtin_packs(names: Iterable[str] | None = None) -> list[RulePack]:
    """Load the built-in packs, all of them or those named (``["secrets", "pii"]``).

    Raises:
        ConfigError: A name is not a built-in pack, or a pack is invalid.
    """
    paths = {p.stem: p for p in builtin_pack_paths()}
    if names is None:
        wanted = list(paths)
    else:
        wanted = list(names)
        for name in wanted:
            if name not in paths:
                raise ConfigError(f"unknown rule pack '{name}'; built-in packs: "
                                  f"{', '.join(sorted(paths)) or 'none found'}")
    return [load_pack(paths[name]) for name in wanted]
