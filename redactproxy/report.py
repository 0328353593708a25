"""Figures and evidence from the audit store: what was redacted, where, and what it cost.

Pure functions over ``StoredRequest`` rows (``build_report``, ``render_text``,
``evidence_lines``) plus the time parsing the ``report`` command needs; the command module
only reads arguments, opens the store and prints.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sized
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from redactproxy.audit import StoredRequest, VerifyResult
from redactproxy.hosts import host_matches

__all__ = [
    "EVIDENCE_FORMAT",
    "RelayTally",
    "Report",
    "build_report",
    "is_relay_row",
    "tally_relay",
    "evidence_lines",
    "parse_time",
    "render_text",
]

#: ``format`` field of an evidence bundle's header line.
EVIDENCE_FORMAT = "redactproxy-evidence/1"

_DURATION_RE = re.compile(r"(\d{1,6})([mhdw])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(text: str, now: float | None = None) -> float:
    """Return epoch seconds for a duration back from now (``7d``, ``12h``) or a local date.

    Args:
        text: ``<n>m``, ``<n>h``, ``<n>d``, ``<n>w``, ``YYYY-MM-DD`` (local midnight) or an
            ISO date-time (``2026-11-01T08:30``).
        now: Reference time for durations; the current time if None.

    Raises:
        ValueError: naming the bad value and the accepted forms.
    """
    text = text.strip()
    if m := _DURATION_RE.fullmatch(text):
        return (time.time() if now is None else now) - int(m[1]) * _UNIT_SECONDS[m[2]]
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ValueError(f"invalid time {text!r}: use a duration like 7d, 12h, 30m, 2w "
                         f"or a date like 2026-11-01") from None


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts).astimezone().isoformat(
        timespec="seconds")


@dataclass(slots=True)
class Tally:
    """Requests and redactions counted under one key (a project, host or day)."""

    requests: int = 0
    redactions: int = 0


@dataclass(slots=True)
class TokenUse:
    """Tokens billed for one host and model."""

    host: str
    model: str
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass(slots=True)
class RelayTally:
    """What one relay (an AI host no built-in provider owns) saw and billed."""

    requests: int = 0
    redactions: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    model_substitutions: int = 0
    billing_anomalies: int = 0
    alerts: int = 0


def tally_relay(tally: RelayTally, findings: Sized, alerts: Iterable[str], *, first: bool = True,
                tokens: tuple[int | None, int | None] | None = None) -> None:
    """Add one request (or, with ``first=False``, its later alerts) to a relay's tally.

    Args:
        tally: The relay's tally, changed in place.
        findings: The request's findings (counted when ``first``).
        alerts: Alerts not counted yet.
        first: The request is new to this tally.
        tokens: Prompt and answer tokens billed, once known.
    """
    alerts = list(alerts)
    if first:
        tally.requests += 1
        tally.redactions += len(findings)
    if tokens is not None:
        tally.tokens_in += tokens[0] or 0
        tally.tokens_out += tokens[1] or 0
    tally.alerts += len(alerts)
    tally.model_substitutions += sum(a.startswith("model substitution") for a in alerts)
    tally.billing_anomalies += sum(a.startswith("billing anomaly") for a in alerts)


def is_relay_row(values: dict[str, Any]) -> bool:
    """True for an AI call (its API identified) to a host of no built-in provider."""
    return values.get("provider") is None and values.get("api") is not None


@dataclass(slots=True)
class Report:
    """Everything ``redactproxy report`` prints, as plain data (``asdict`` gives its JSON).

    Args:
        since: Start of the period (epoch seconds), None for the beginning.
        until: End of the period, None for now.
        project: The one project reported on, None for all.
        requests: Requests in the period.
        redactions: Findings in the period (redacted, masked or blocking).
        verdicts: Requests per verdict.
        by_entity: Findings per entity type, most frequent first.
        by_project: Per project.
        by_host: Per host.
        by_day: Per local day, oldest first.
        by_developer: Per developer (requests through a team gateway with tokens).
        tokens: Per host and model served (requested when no model was reported).
        alerts: ``{time, project, host, alert}`` in time order.
        relay: The one relay host (pattern) reported on, None for all hosts.
        relays: Per relay host: requests, redactions, tokens, alerts by kind.
    """

    since: float | None
    until: float | None
    project: str | None
    requests: int = 0
    redactions: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    by_entity: dict[str, int] = field(default_factory=dict)
    by_project: dict[str, Tally] = field(default_factory=dict)
    by_host: dict[str, Tally] = field(default_factory=dict)
    by_day: dict[str, Tally] = field(default_factory=dict)
    by_developer: dict[str, Tally] = field(default_factory=dict)
    tokens: list[TokenUse] = field(default_factory=list)
    alerts: list[dict[str, str]] = field(default_factory=list)
    relay: str | None = None
    relays: dict[str, RelayTally] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data, times as ISO 8601 strings."""
        data = asdict(self)
        data["since"], data["until"] = _iso(self.since), _iso(self.until)
        return data


def build_report(rows: Iterable[StoredRequest], *, since: float | None = None,
                 until: float | None = None, project: str | None = None,
                 relay: str | None = None) -> Report:
    """Tally stored requests into a ``Report``.

    Args:
        rows: Request rows with their findings, as ``AuditStore.requests`` returns them.
        since: Recorded in the report (the rows are already filtered).
        until: Likewise.
        project: Likewise.
        relay: Only requests to this host (exact, or a ``*.`` pattern).
    """
    rep = Report(since=since, until=until, project=project, relay=relay)
    verdicts: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    tokens: dict[tuple[str, str], TokenUse] = {}
    for row in sorted(rows, key=lambda r: r.row_id):
        v = row.values
        if relay is not None and not host_matches(v["host"], relay):
            continue
        n = len(row.findings)
        rep.requests += 1
        rep.redactions += n
        verdicts[v["verdict"]] += 1
        entities.update(f["entity"] for f in row.findings)
        for table, key in ((rep.by_project, v["project"] or "default"),
                           (rep.by_host, v["host"]), (rep.by_day, _day(v["started"]))):
            tally = table.setdefault(key, Tally())
            tally.requests += 1
            tally.redactions += n
        if v.get("developer"):
            tally = rep.by_developer.setdefault(v["developer"], Tally())
            tally.requests += 1
            tally.redactions += n
        model = v["model_served"] or v["model_requested"] or "-"
        use = tokens.setdefault((v["host"], model), TokenUse(v["host"], model))
        use.requests += 1
        use.tokens_in += v["tokens_in"] or 0
        use.tokens_out += v["tokens_out"] or 0
        rep.alerts += [{"time": _iso(v["started"]) or "", "project": v["project"] or "default",
                        "host": v["host"], "alert": a} for a in row.alerts]
        if is_relay_row(v):
            tally_relay(rep.relays.setdefault(v["host"], RelayTally()), row.findings,
                        row.alerts, tokens=(v["tokens_in"], v["tokens_out"]))
    rep.verdicts = dict(verdicts.most_common())
    rep.by_entity = dict(entities.most_common())
    rep.by_project = dict(sorted(rep.by_project.items(), key=lambda kv: -kv[1].redactions))
    rep.by_host = dict(sorted(rep.by_host.items(), key=lambda kv: -kv[1].redactions))
    rep.by_day = dict(sorted(rep.by_day.items()))
    rep.by_developer = dict(sorted(rep.by_developer.items()))
    rep.tokens = sorted(tokens.values(), key=lambda t: (-t.tokens_in - t.tokens_out, t.host))
    return rep


def _table(title: str, head: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    """Format a small left/right aligned text table (numbers right-aligned)."""
    if not rows:
        return [title, "  (none)", ""]
    cells = [tuple(f"{c:,}" if isinstance(c, int) else str(c) for c in r) for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
    numeric = [all(isinstance(r[i], int) for r in rows) for i in range(len(head))]

    def line(values: tuple[str, ...]) -> str:
        return "  " + "  ".join(v.rjust(w) if num else v.ljust(w)
                                for v, w, num in zip(values, widths, numeric,
                                                     strict=True)).rstrip()

    return [title, line(head), *(line(c) for c in cells), ""]


def render_text(rep: Report) -> str:
    """Return the report as aligned plain text, one section per figure."""
    period = f"{_iso(rep.since) or 'beginning'} to {_iso(rep.until) or 'now'}"
    scope = f"project {rep.project}" if rep.project else "all projects"
    if rep.relay:
        scope += f", relay {rep.relay}"
    verdicts = ", ".join(f"{k} {v:,}" for k, v in rep.verdicts.items()) or "none"
    out = [f"redactproxy report: {period}, {scope}",
           f"{rep.requests:,} requests ({verdicts}), {rep.redactions:,} redactions", ""]
    out += _table("Redactions by type", ("entity", "count"), list(rep.by_entity.items()))
    for title, key, data in (("By project", "project", rep.by_project),
                             ("By host", "host", rep.by_host),
                             ("By day", "day", rep.by_day),
                             ("By developer", "developer", rep.by_developer)):
        if not data and key == "developer":
            continue  # only a team gateway with tokens records developers
        out += _table(title, (key, "requests", "redactions"),
                      [(k, t.requests, t.redactions) for k, t in data.items()])
    out += _table("Relays (AI hosts no built-in provider owns)",
                  ("relay", "requests", "redactions", "tokens in", "out", "model subst.",
                   "billing", "alerts"),
                  [(h, t.requests, t.redactions, t.tokens_in, t.tokens_out,
                    t.model_substitutions, t.billing_anomalies, t.alerts)
                   for h, t in rep.relays.items()])
    out += _table("Tokens billed", ("host", "model", "requests", "in", "out"),
                  [(t.host, t.model, t.requests, t.tokens_in, t.tokens_out)
                   for t in rep.tokens])
    out += _table("Alerts", ("time", "project", "host", "alert"),
                  [(a["time"], a["project"], a["host"], a["alert"]) for a in rep.alerts])
    return "\n".join(out).rstrip() + "\n"


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def evidence_lines(rows: Iterable[StoredRequest], chain: VerifyResult, *,
                   since: float | None, until: float | None,
                   now: float | None = None) -> Iterator[str]:
    """Yield an evidence bundle as JSON Lines: a header, then one line per request.

    The header carries the chain head and row count at export time, so a later
    ``report verify`` or a recomputation from the exported row hashes shows whether the
    store was changed since. Each request line holds its row hashes and its findings', and
    its columns exactly as hashed, so ``audit.row_hash`` recomputes every ``row_hash``.

    Args:
        rows: Request rows of the period, with their findings.
        chain: Result of ``AuditStore.verify`` just before the export.
        since: Start of the period, epoch seconds.
        until: End of the period, None for now.
        now: Export time; the current time if None.
    """
    rows = list(rows)
    yield _dumps({
        "type": "header", "format": EVIDENCE_FORMAT,
        "generated": _iso(time.time() if now is None else now),
        "since": _iso(since), "until": _iso(until), "requests": len(rows),
        "chain": {"ok": chain.ok, "rows": chain.rows, "head": chain.head,
                  "message": chain.message},
    })
    for r in rows:
        yield _dumps({"type": "request", "row_id": r.row_id, "prev_hash": r.prev_hash,
                      "row_hash": r.row_hash, "time": _iso(r.values["started"]),
                      **r.values, "findings": r.findings})
