"""Describe applied findings for the record (masked value, context, keyed hash), memoised.

A conversation is resent whole every turn, so most of a turn's findings sit in history text
the proxy already described last turn. Building a record's context (``masking``) scans the
lines around the value; done again for every finding of the history, it grew with the
conversation. The records of one text depend only on that text, its applied findings and
where it sits in the body, so they are kept by that key (a digest of the text, never the
text) and copied out: a resent history costs a lookup per text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections import OrderedDict
from collections.abc import Callable, Sequence

from redactproxy.caps import Caps, note_full
from redactproxy.detect.base import Finding
from redactproxy.masking import context_snippet, mask_value, value_hash
from redactproxy.records import FindingRecord
from redactproxy.redact import Applied

__all__ = ["FindingRecords"]

# A record's fields in order: copies are built from them (``copy.copy`` of a slots dataclass
# goes through ``__reduce_ex__``, ten times slower; a resent history copies every record).
#: Characters of context a record shows on each side of its finding.
CONTEXT = 30

_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(FindingRecord)))


class FindingRecords:
    """Build ``FindingRecord``s for the findings applied to a body, one text at a time.

    Args:
        hash_key: Key of the values' keyed hashes (``masking.value_hash``).
        max_records: Records kept (each text keeps one per finding; a pasted table can
            hold hundreds); the texts least recently used are forgotten first.
    """

    def __init__(self, hash_key: bytes, max_records: int = Caps.records) -> None:
        self.hash_key = hash_key
        self._max = max_records
        self._held = 0
        self._memo: OrderedDict[tuple[object, ...], list[FindingRecord]] = OrderedDict()

    def records(self, applied: Sequence[Applied]) -> list[FindingRecord]:
        """Records for ``applied``, in its order (findings of one text are contiguous)."""
        out: list[FindingRecord] = []
        i = 0
        while i < len(applied):
            j = i + 1
            while j < len(applied) and applied[j].text is applied[i].text:
                j += 1
            out += self._for_text(applied[i:j])
            i = j
        return out

    def _for_text(self, group: Sequence[Applied]) -> list[FindingRecord]:
        text = group[0].text
        key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
               *((a.finding, a.replacement, a.field) for a in group))
        hit = self._memo.get(key)
        if hit is None:
            near = _neighbours(group)
            hit = [self._build(a, near(i)) for i, a in enumerate(group)]
            if len(hit) > self._max:  # too big to keep: described again if resent
                return hit
            self._memo[key] = hit
            self._held += len(hit)
            if self._held > self._max:
                note_full("finding records", str(self._max))
            while self._held > self._max:
                self._held -= len(self._memo.popitem(last=False)[1])
        else:
            self._memo.move_to_end(key)
        return [FindingRecord(*_FIELDS(r)) for r in hit]

    def __len__(self) -> int:
        """Records held."""
        return self._held

    def _build(self, a: Applied, others: list[Finding]) -> FindingRecord:
        f = a.finding
        return FindingRecord(
            entity=f.entity, rule=f.rule, action=f.action, placeholder=a.replacement,
            masked=mask_value(a.value, f.entity),
            context=context_snippet(a.text, f.start, f.end, CONTEXT, entity=f.entity,
                                    others=others),
            value_hash=value_hash(self.hash_key, a.value), field=a.field)


def _neighbours(group: Sequence[Applied]) -> Callable[[int], list[Finding]]:
    """For finding ``i`` of one text, the others its context can show.

    A context reaches at most ``CONTEXT`` characters past its finding, so findings that end
    before that or start after it are left out of it whatever they are. Findings applied to
    a text are sorted and do not overlap (``redact.select``), so those within reach are the
    neighbours on each side: a text with n findings costs n small scans, not n * n (a pasted
    table of 700 values: 490,000 comparisons). Any other order gets every other finding.
    """
    fs = [a.finding for a in group]
    if any(x.end > y.start for x, y in zip(fs, fs[1:], strict=False)):
        return lambda i: fs[:i] + fs[i + 1:]

    def near(i: int) -> list[Finding]:
        lo, hi = fs[i].start - CONTEXT, fs[i].end + CONTEXT
        j = i
        while j > 0 and fs[j - 1].end > lo:
            j -= 1
        k = i + 1
        while k < len(fs) and fs[k].start < hi:
            k += 1
        return fs[j:i] + fs[i + 1:k]

    return near
