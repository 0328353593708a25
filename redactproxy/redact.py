"""Redact a request body: collect the texts a model will see, apply findings, splice back.

Two steps so detection can run elsewhere (a worker process) in between:
``BodyRedaction.texts()`` lists the unique texts to analyse; ``apply(findings)`` replaces
each finding by its placeholder (or mask), raises on ``block``, and returns the new body
with every untouched byte kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redactproxy.detect.base import Finding
from redactproxy.detect.patterns import resolve_overlaps
from redactproxy.errors import RefusedRequest
from redactproxy.jsonsplice import Path, iter_strings, splice
from redactproxy.protocols.targets import Target, field_name, in_model_turn, request_targets

__all__ = ["Applied", "BodyRedaction", "Placeholderer", "redact_text", "select"]

#: ``(entity, value) -> placeholder``: the vault, bound to one project scope.
Placeholderer = Callable[[str, str], str]


@dataclass(slots=True)
class Applied:
    """One finding that changed (or blocked) the text, for reporting."""

    finding: Finding
    value: str
    replacement: str | None
    text: str
    field: str


def select(findings: Sequence[Finding]) -> list[Finding]:
    """Drop ``allow`` findings and keep a non-overlapping set (longest, then surest first).

    Returns findings sorted by start; the same rule the detectors resolve overlaps with.
    """
    return resolve_overlaps(f for f in findings if f.action != "allow")


def redact_text(text: str, findings: Sequence[Finding], assign: Placeholderer,
                where: str = "") -> tuple[str, list[Applied]]:
    """Replace ``findings`` in ``text``.

    Args:
        text: The original text.
        findings: Findings for ``text`` (any order, may overlap).
        assign: Returns the placeholder for ``(entity, value)``.
        where: Field name for reports and refusals.

    Raises:
        RefusedRequest: if a finding's action is ``block`` (the message names the rule).
    """
    chosen = select(findings)
    if not chosen:
        return text, []
    parts: list[str] = []
    applied: list[Applied] = []
    pos = 0
    for f in chosen:
        value = text[f.start:f.end]
        if f.action == "block":
            raise RefusedRequest(
                f"request blocked: {f.entity} found by rule '{f.rule}' in {where or 'the body'}",
                status=403, code="blocked_entity")
        repl = f"<{f.entity}>" if f.action == "mask" else assign(f.entity, value)
        parts.append(text[pos:f.start])
        parts.append(repl)
        pos = f.end
        applied.append(Applied(f, value, repl, text, where))
    parts.append(text[pos:])
    return "".join(parts), applied


@dataclass(slots=True)
class _Leaf:
    target: Target
    inner_path: Path | None
    text: str


@dataclass(slots=True)
class BodyRedaction:
    """The redaction of one parsed JSON body.

    Args:
        raw: The body text (UTF-8 decoded).
        doc: ``json.loads(raw)``.
        api_name: API whose rules pick the texts to scan.
    """

    raw: str
    doc: Any
    api_name: str
    _leaves: list[_Leaf] = field(default_factory=list)
    _inner: dict[Path, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in request_targets(self.doc, self.api_name):
            value = _get(self.doc, t.path)
            if t.is_json:
                try:
                    inner = json.loads(value)
                except ValueError:
                    inner = None
                if isinstance(inner, dict | list):
                    self._inner[t.path] = inner
                    for p, is_key, s in iter_strings(inner):
                        if not is_key and s:
                            self._leaves.append(_Leaf(t, p, s))
                    continue
            self._leaves.append(_Leaf(t, None, value))

    def texts(self) -> list[str]:
        """Unique texts to analyse, in document order."""
        return list(dict.fromkeys(leaf.text for leaf in self._leaves))

    def model_turn_texts(self) -> list[str]:
        """Unique texts found only as the text of assistant (model) turns in the history."""
        model: dict[str, bool] = {}
        for leaf in self._leaves:
            here = leaf.inner_path is None and in_model_turn(self.doc, leaf.target.path)
            model[leaf.text] = model.get(leaf.text, True) and here
        return [t for t, only in model.items() if only]

    def apply(self, findings: dict[str, list[Finding]],
              assign: Placeholderer) -> tuple[str, list[Applied]]:
        """Return the redacted body text and what was applied.

        Args:
            findings: Findings per text (keys are the strings from ``texts()``).
            assign: Placeholder for ``(entity, value)`` in this request's project.

        Raises:
            RefusedRequest: if any finding blocks the request.
        """
        outer: dict[Path, str] = {}
        inner_changes: dict[Path, dict[Path, str]] = {}
        applied: list[Applied] = []
        for leaf in self._leaves:
            fs = findings.get(leaf.text)
            if not fs:
                continue
            where = field_name(leaf.target.path)
            if leaf.inner_path is not None:
                where += " → " + field_name(leaf.inner_path)
            new, done = redact_text(leaf.text, fs, assign, where)
            if not done:
                continue
            applied.extend(done)
            if leaf.inner_path is None:
                outer[leaf.target.path] = new
            else:
                inner_changes.setdefault(leaf.target.path, {})[leaf.inner_path] = new
        for path, changes in inner_changes.items():
            inner_raw = _get(self.doc, path)
            outer[path] = splice(inner_raw, self._inner[path], changes)
        if not outer:
            return self.raw, applied
        return splice(self.raw, self.doc, outer), applied


def _get(doc: Any, path: Path) -> Any:
    node = doc
    for part in path:
        node = node[part]
    return node
