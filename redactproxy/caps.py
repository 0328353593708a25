"""How much one proxy process keeps in memory: the caps of its tables, in one place.

A gateway replica serves a team for months, so every table that grows with traffic is
bounded and forgets its least recently used entries (each can be rebuilt: the shared vault
reads PostgreSQL again, findings are analysed again, records described again). The defaults
fit a gateway whose vault lives in PostgreSQL; the measured cost per entry (CPython 3.12,
the load test's shapes: e-mail values, short texts with two findings) gives the ceiling:

=====================  ==========  ===================  ==========
table                  default     cost per entry       ceiling
=====================  ==========  ===================  ==========
vault mappings         50,000      ~390 B (both ways)   ~20 MB
findings cache         32 MB       estimated (below)    32 MB
remembered answers     100,000     ~180 B (2 spans)     ~18 MB
finding records        16,384      ~800 B a record      ~13 MB
=====================  ==========  ===================  ==========

so about 83 MB over what a replica holds at start. Longer values, answers with more
restored values or records with longer context cost more per entry; the findings cache
is the one bounded by its estimated size in bytes, since its entry count follows the
texts' number, not their length.

``REDACTPROXY_CACHE_LIMITS`` overrides them (for tests and load tests that want to see
every cap reached quickly, or a host with less memory)::

    REDACTPROXY_CACHE_LIMITS="vault=2000,findings=1MB,answers=2000,records=500"
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from dataclasses import dataclass

__all__ = ["CAPS_ENV", "Caps", "caps_from_env", "note_full", "parse_caps"]

log = logging.getLogger("redactproxy")

#: Environment variable overriding the defaults.
CAPS_ENV = "REDACTPROXY_CACHE_LIMITS"

_full: set[str] = set()
_full_lock = threading.Lock()


@dataclass(frozen=True)
class Caps:
    """Caps of the in-memory tables of one process.

    Args:
        vault: Mappings the shared (PostgreSQL) vault keeps in memory.
        findings: Estimated bytes of the detection findings cache.
        answers: Restored answers remembered by keyed hash.
        records: Finding records kept, described, for texts resent every turn.
    """

    vault: int = 50_000
    findings: int = 32 * 2**20
    answers: int = 100_000
    records: int = 16_384


_SIZE = re.compile(r"(\d+)\s*(kb|mb|gb)?", re.IGNORECASE)
_UNIT = {None: 1, "kb": 2**10, "mb": 2**20, "gb": 2**30}


def parse_caps(text: str) -> Caps:
    """Parse ``name=number,...`` (``findings`` also takes ``KB``/``MB``/``GB``).

    Raises:
        ValueError: naming the bad item.
    """
    fields = {f.name for f in dataclasses.fields(Caps)}
    values: dict[str, int] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, sep, raw = (s.strip() for s in item.partition("="))
        if not sep or name not in fields:
            raise ValueError(f"{CAPS_ENV}: unknown item {item!r} (expected one of "
                             f"{', '.join(sorted(fields))}, as name=number)")
        m = _SIZE.fullmatch(raw)
        if m is None or (m.group(2) and name != "findings"):
            raise ValueError(f"{CAPS_ENV}: {name} needs a whole number, not {raw!r}")
        value = int(m.group(1)) * _UNIT[m.group(2) and m.group(2).lower()]
        if value < 1:
            raise ValueError(f"{CAPS_ENV}: {name} must be at least 1, not {raw!r}")
        values[name] = value
    return Caps(**values)


def caps_from_env() -> Caps:
    """The caps: the defaults, or ``REDACTPROXY_CACHE_LIMITS``.

    Raises:
        ValueError: the variable does not parse.
    """
    return parse_caps(os.environ.get(CAPS_ENV, ""))


def note_full(table: str, cap: str) -> None:
    """Say once per process that ``table`` reached its cap (from now on it drops entries).

    Args:
        table: What is full (``vault mappings``).
        cap: The cap, as configured (``50000``, ``33554432 bytes``).
    """
    with _full_lock:
        if table in _full:
            return
        _full.add(table)
    log.warning("memory cap reached: %s at %s; the least recently used are dropped from "
                "now on (%s)", table, cap, CAPS_ENV)
