"""What the user watches while the proxy runs: a rich live table, or one log line a request.

``LiveView`` keeps plain state (copies of recent records, latest findings, alerts) that the
addon's hooks update under a lock, and builds a fresh renderable from a locked snapshot on
every refresh of rich's own thread. Hooks stay O(findings) and a refresh stays O(rows shown),
so a burst of requests cannot stall the proxy or the screen.

Only ``FindingRecord.masked`` and ``.context`` are ever displayed; hashes, paths (whose query
strings may hold keys) and client names are not.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from redactproxy.masking import safe_path
from redactproxy.records import FindingRecord, RequestRecord
from redactproxy.report import RelayTally, tally_relay
from redactproxy.safeguards import model_substitution

__all__ = ["HeaderInfo", "LiveView", "LogLineSink", "format_counts", "is_relay"]

_VERDICT_STYLE = {
    "passed": ("passed", "green"),
    "blocked": ("blocked", "bold red"),
    "refused": ("refused", "yellow"),
    "upstream_error": ("upstream error", "red"),
    "cancelled": ("cancelled", "dim yellow"),
    "pending": ("…", "dim"),
}
_DETECTOR_STYLE = {"ready": "green", "loading": "yellow", "failed": "bold red"}
_FINDINGS_SHOWN = 5
_ALERTS_SHOWN = 4
_DASH = "—"


@dataclass(slots=True)
class HeaderInfo:
    """What the header line says about the running proxy.

    Args:
        listen: Listen addresses (``127.0.0.1:8080``).
        projects: Project names configured (proxy user names select one).
        rule_packs: Rule packs loaded.
        detector: ``loading``, ``ready`` or ``failed``.
        vault: ``persistent`` or ``in-memory``.
        notices: One-time messages (``no keyring: vault in memory only``).
        relays: Discovered relays, ``relay HOST (from WHERE)`` each.
    """

    listen: list[str]
    projects: list[str] = field(default_factory=list)
    rule_packs: list[str] = field(default_factory=list)
    detector: str = "loading"
    vault: str = "in-memory"
    notices: list[str] = field(default_factory=list)
    relays: list[str] = field(default_factory=list)


def is_relay(rec: RequestRecord) -> bool:
    """True if ``rec`` is an AI call to a host that is no built-in provider's (a relay)."""
    return rec.provider is None and rec.api is not None


def format_counts(counts: dict[str, int], sep: str = "×", join: str = " ") -> str:
    """Return ``EMAIL_ADDRESS×2 PERSON×1`` (or another separator) from entity counts."""
    return join.join(f"{entity}{sep}{n}" for entity, n in counts.items())


def _ms(value: float | None) -> str:
    return _DASH if value is None else f"{value:,.0f}"


def _num(value: int | None) -> str:
    return _DASH if value is None else f"{value:,}"


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


@dataclass(slots=True)
class _FindingEntry:
    started: float
    host: str
    finding: FindingRecord


@dataclass(slots=True)
class _AlertEntry:
    started: float
    host: str
    text: str
    style: str


@dataclass(slots=True)
class _Totals:
    requests: int = 0
    redacted: int = 0
    restored: int = 0
    blocked: int = 0
    alerts: int = 0


@dataclass(slots=True)
class _Snapshot:
    header: HeaderInfo
    rows: list[RequestRecord]
    findings: list[_FindingEntry]
    alerts: list[_AlertEntry]
    totals: _Totals
    relays: dict[str, RelayTally]
    height: int
    width: int


def _copy(rec: RequestRecord) -> RequestRecord:
    """Copy a record so that later mutation by the addon cannot race a refresh."""
    return dataclasses.replace(rec, findings=list(rec.findings), alerts=list(rec.alerts))


class LiveView:
    """The default UI of ``redactproxy start``: header, recent requests, findings, alerts.

    Args:
        console: Console to draw on; rich's default (stdout) if None.
        header: What the header shows; copied, then changed through the methods below.
        auto_refresh: Refresh on rich's thread (~4/s); tests pass False and call ``refresh``.
        keep: Requests remembered; the table shows as many as fit the terminal.
    """

    def __init__(self, console: Console | None = None, *, header: HeaderInfo,
                 auto_refresh: bool = True, keep: int = 200) -> None:
        self._lock = threading.Lock()
        self._header = dataclasses.replace(header, listen=list(header.listen),
                                           projects=list(header.projects),
                                           rule_packs=list(header.rule_packs),
                                           notices=list(header.notices),
                                           relays=list(header.relays))
        self._keep = keep
        self._rows: OrderedDict[str, RequestRecord] = OrderedDict()
        self._open: dict[str, int] = {}
        self._findings: deque[_FindingEntry] = deque(maxlen=_FINDINGS_SHOWN * 4)
        self._alerts: deque[_AlertEntry] = deque(maxlen=_ALERTS_SHOWN * 4)
        self._totals = _Totals()
        self._relays: dict[str, RelayTally] = {}
        self.console = console if console is not None else Console()
        self._live = Live(console=self.console, auto_refresh=auto_refresh,
                          refresh_per_second=4, transient=False,
                          get_renderable=self.get_renderable)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start drawing (hides the cursor until ``stop``)."""
        self._live.start(refresh=True)

    def stop(self) -> None:
        """Draw a last frame, show the cursor again and leave it below the view."""
        self._live.stop()

    def refresh(self) -> None:
        """Redraw now (only needed with ``auto_refresh=False``)."""
        self._live.refresh()

    def __enter__(self) -> LiveView:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- header --------------------------------------------------------------------------

    def set_detector_state(self, state: str) -> None:
        """Show the detector as ``loading``, ``ready`` or ``failed``."""
        with self._lock:
            self._header.detector = state

    def set_projects(self, names: Iterable[str], rule_packs: Iterable[str]) -> None:
        """Show the projects loaded so far (by name) and the rule packs they use."""
        with self._lock:
            self._header.projects = list(dict.fromkeys(names))
            self._header.rule_packs = list(dict.fromkeys(rule_packs))

    def set_vault(self, state: str) -> None:
        """Show the vault as ``persistent`` or ``in-memory``."""
        with self._lock:
            self._header.vault = state

    def set_relays(self, lines: Iterable[str]) -> None:
        """Show the discovered relays (``relay HOST (from WHERE)`` lines)."""
        with self._lock:
            self._header.relays = list(lines)

    def notice(self, message: str) -> None:
        """Show a one-time message under the header; repeating it adds nothing."""
        with self._lock:
            if message not in self._header.notices:
                self._header.notices.append(message)

    # --- RecordSink ----------------------------------------------------------------------

    def record_started(self, rec: RequestRecord) -> None:
        """Show a scanned request and its findings."""
        self._record(rec, finished=False)

    def record_finished(self, rec: RequestRecord) -> None:
        """Update the request's row with its outcome and alerts."""
        self._record(rec, finished=True)

    def _record(self, rec: RequestRecord, *, finished: bool) -> None:
        row = _copy(rec)
        with self._lock:
            # Requests in flight and how many of their alerts are shown: kept apart from the
            # capped rows, so a row evicted mid-flight is neither counted nor alerted twice.
            first = rec.id not in self._open
            posted = self._open.pop(rec.id, 0)
            if not finished:
                self._open[rec.id] = len(row.alerts)
            self._rows[rec.id] = row
            self._rows.move_to_end(rec.id)
            if is_relay(row):
                tally_relay(self._relays.setdefault(row.host, RelayTally()), row.findings,
                            row.alerts[posted:], first=first,
                            tokens=(row.tokens_in, row.tokens_out) if finished else None)
            if first:
                self._totals.requests += 1
                self._totals.redacted += len(row.findings)
                self._findings.extend(_FindingEntry(row.started, row.host, f)
                                      for f in row.findings)
            new_alerts = row.alerts[posted:]
            self._alerts.extend(_AlertEntry(row.started, row.host, a,
                                            "bold red" if a.startswith("high:") else "bold yellow")
                                for a in new_alerts)
            self._totals.alerts += len(new_alerts)
            if finished:
                self._totals.restored += row.restored
                if row.verdict in ("blocked", "refused"):
                    self._totals.blocked += 1
                    self._alerts.append(_AlertEntry(row.started, row.host,
                                                    f"{row.verdict}: {row.reason or _DASH}",
                                                    "red" if row.verdict == "blocked"
                                                    else "yellow"))
            while len(self._rows) > self._keep:
                self._rows.popitem(last=False)

    # --- rendering -----------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        width, height = self.console.size
        with self._lock:
            rows = list(self._rows.values())[-max(1, height):]
            h = self._header
            return _Snapshot(
                header=dataclasses.replace(h, notices=list(h.notices)),
                rows=rows[::-1],
                findings=list(self._findings)[-_FINDINGS_SHOWN:][::-1],
                alerts=list(self._alerts)[-_ALERTS_SHOWN:][::-1],
                totals=dataclasses.replace(self._totals),
                relays={k: dataclasses.replace(v) for k, v in self._relays.items()},
                height=height,
                width=width,
            )

    def get_renderable(self) -> RenderableType:
        """Build a fresh renderable from a snapshot of the state (called by rich's thread)."""
        snap = self._snapshot()
        header = _render_header(snap.header, snap.totals)
        findings = _render_findings(snap.findings)
        alerts = _render_alerts(snap.alerts)
        relays = _render_relays(snap.relays)
        used = (len(header) + (len(snap.findings) + 2 if snap.findings else 0)
                + (len(snap.alerts) + 1 if snap.alerts else 0)
                + (len(snap.relays) + 2 if snap.relays else 0) + 4)
        table = _render_requests(snap.rows[: max(1, snap.height - used)], snap.width)
        parts: list[RenderableType] = [*header, table]
        if relays is not None:
            parts.append(relays)
        if findings is not None:
            parts.append(findings)
        if alerts is not None:
            parts.append(alerts)
        return Group(*parts)

    def __rich__(self) -> RenderableType:
        return self.get_renderable()


def _render_header(h: HeaderInfo, t: _Totals) -> list[Text]:
    line = Text.assemble(
        ("redactproxy ", "bold"),
        ("listening ", "dim"), (", ".join(h.listen) or _DASH, "bold cyan"),
        ("  projects ", "dim"), (", ".join(h.projects) or "default", "cyan"),
        ("  rules ", "dim"), (", ".join(h.rule_packs) or "none", "cyan"),
        ("  detector ", "dim"), (h.detector, _DETECTOR_STYLE.get(h.detector, "yellow")),
        ("  vault ", "dim"), (h.vault, "green" if h.vault == "persistent" else "yellow"),
    )
    totals = Text.assemble(
        ("requests ", "dim"), (f"{t.requests:,}", "bold"),
        ("  redacted ", "dim"), (f"{t.redacted:,}", "bold"),
        ("  restored ", "dim"), (f"{t.restored:,}", "bold"),
        ("  blocked/refused ", "dim"), (f"{t.blocked:,}", "bold red" if t.blocked else "bold"),
        ("  alerts ", "dim"), (f"{t.alerts:,}", "bold yellow" if t.alerts else "bold"),
    )
    lines = [line, totals]
    if h.relays:
        lines.append(Text.assemble(("relays ", "dim"), ("; ".join(
            r.removeprefix("relay ") for r in h.relays), "magenta")))
    lines += [Text.assemble(("! ", "bold yellow"), (n, "yellow")) for n in h.notices]
    for text in lines:  # one screen line each, so the rows below are counted right
        text.no_wrap, text.overflow = True, "ellipsis"
    return lines


def _cell(text: str | Text, style: str = "") -> Text:
    """A one-line cell that ends in "…" when its column is squeezed."""
    cell = Text(text, style=style) if isinstance(text, str) else text
    cell.no_wrap, cell.overflow = True, "ellipsis"
    return cell


def _model_cell(rec: RequestRecord) -> Text:
    requested, served = rec.model_requested, rec.model_served
    if not served or served == requested:
        return Text(requested or served or _DASH)
    if not requested:
        return Text(served)
    if model_substitution(requested, served):
        return Text.assemble((requested, ""), (" → ", "bold red"), (served, "bold red"),
                             (" ⚠", "bold red"))
    # Same model, another name (a pinned version of the alias): show only what differs.
    cut = len(requested) if served.startswith(requested) else served.rfind(
        "-", 0, len(os.path.commonprefix([requested, served])))
    if cut > 0:
        served = "…" + served[cut:]
    return Text.assemble((requested, ""), (" → ", "dim"), (served, "dim"))


# (name, justify, max_width, flexible, essential): rich shrinks only wrappable columns, so
# the text ones are, and their cells end in "…" instead of wrapping; below _NARROW columns
# the non-essential ones are left out.
_REQUEST_COLUMNS = (
    ("time", "left", 8, False, True), ("project", "left", 12, True, True),
    ("host", "left", 26, True, True), ("model", "left", 36, True, True),
    ("redacted", "left", None, True, True), ("restored", "right", 8, False, False),
    ("stream", "left", 6, False, False), ("ttfb ms", "right", 7, False, False),
    ("total ms", "right", 8, False, True), ("tokens", "right", 13, False, False),
    ("verdict", "left", 14, False, True),
)
_NARROW = 120


def _table(title: str | None = None) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                 pad_edge=False, show_edge=False, padding=(0, 0))


def _render_requests(rows: Iterable[RequestRecord], width: int) -> Table:
    table = _table()
    shown = [c for c in _REQUEST_COLUMNS if c[4] or width >= _NARROW]
    for name, justify, max_w, flexible, _ in shown:
        table.add_column(name, justify=justify, max_width=max_w,  # type: ignore[arg-type]
                         no_wrap=not flexible, overflow="ellipsis")
    names = [c[0] for c in shown]
    for r in rows:
        label, style = _VERDICT_STYLE.get(r.verdict, (r.verdict, ""))
        counts = format_counts(r.counts())
        cells: dict[str, RenderableType] = {
            "time": _clock(r.started), "project": _cell(r.project or "default"),
            "host": _cell(Text.assemble((r.host, ""), (" relay", "bold magenta"))
                          if is_relay(r) else r.host), "model": _cell(_model_cell(r)),
            "redacted": _cell(counts or _DASH, "magenta" if counts else "dim"),
            "restored": str(r.restored), "stream": "yes" if r.streamed else "no",
            "ttfb ms": _ms(r.ttfb_ms), "total ms": _ms(r.total_ms),
            "tokens": f"{_num(r.tokens_in)}/{_num(r.tokens_out)}",
            "verdict": Text(label, style=style),
        }
        table.add_row(*(cells[n] for n in names))
    return table


def _render_relays(relays: dict[str, RelayTally]) -> Table | None:
    if not relays:
        return None
    table = _table("relays")
    for name, justify in (("host", "left"), ("requests", "right"), ("tokens in/out", "right"),
                          ("redacted", "right"), ("alerts", "right")):
        table.add_column(name, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                         overflow="ellipsis", max_width=40 if name == "host" else None)
    for host, t in relays.items():
        table.add_row(_cell(host, "magenta"), f"{t.requests:,}",
                      f"{t.tokens_in:,}/{t.tokens_out:,}", f"{t.redactions:,}",
                      Text(f"{t.alerts:,}", style="bold yellow" if t.alerts else ""))
    return table


def _render_findings(entries: list[_FindingEntry]) -> Table | None:
    if not entries:
        return None
    table = _table("latest findings")
    table.add_column("time", no_wrap=True)
    for name, max_w in (("entity", 18), ("rule", 26), ("sent as", 22), ("where", 24),
                        ("context", None)):
        table.add_column(name, max_width=max_w, overflow="ellipsis")
    for e in entries:
        f = e.finding
        sent = f.placeholder or (f.action if f.action != "redact" else _DASH)
        table.add_row(_clock(e.started), _cell(f.entity, "magenta"), _cell(f.rule),
                      _cell(sent, "cyan"), _cell(f.field or _DASH, "dim"),
                      _cell(f.context or f.masked))
    return table


def _render_alerts(entries: list[_AlertEntry]) -> Group | None:
    if not entries:
        return None
    lines = [Text("alerts", style="bold")]
    lines += [Text.assemble(("⚠ ", e.style), (_clock(e.started) + " ", "dim"),
                            (e.host + " ", "cyan"), (e.text, e.style)) for e in entries]
    return Group(*lines)


def _logfmt(value: object) -> str:
    """Quote a logfmt value when it holds anything but plain printable ASCII."""
    text = "-" if value is None or value == "" else str(value)
    if text and all(c.isascii() and c.isprintable() and c not in ' "=\\' for c in text):
        return text
    return json.dumps(text)  # escapes quotes, controls and non-ASCII


class LogLineSink:
    """``--no-ui`` output: one ``key=value`` line per finished request, never a value.

    Args:
        stream: Where to write (stderr usually); written and flushed under a lock.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def record_started(self, rec: RequestRecord) -> None:
        """Write nothing: one line per request, when it finishes."""

    def record_finished(self, rec: RequestRecord) -> None:
        """Write the request's line."""
        line = self.format(rec)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    @staticmethod
    def format(rec: RequestRecord) -> str:
        """Return the log line of ``rec`` (path without its query string)."""
        ts = datetime.fromtimestamp(rec.started, UTC).isoformat(timespec="milliseconds")
        pairs: list[tuple[str, object]] = [
            ("ts", ts.replace("+00:00", "Z")), ("project", rec.project or "default"),
            ("method", rec.method), ("host", rec.host), ("path", safe_path(rec.path)),
            ("model", rec.model_requested), ("served", rec.model_served),
            ("verdict", rec.verdict), ("status", rec.status),
            ("streamed", "yes" if rec.streamed else "no"),
            ("ttfb_ms", None if rec.ttfb_ms is None else round(rec.ttfb_ms)),
            ("total_ms", None if rec.total_ms is None else round(rec.total_ms)),
            ("tokens_in", rec.tokens_in), ("tokens_out", rec.tokens_out),
            ("redacted", format_counts(rec.counts(), ":", ",")),
            ("restored", rec.restored),
            ("alerts", "; ".join(rec.alerts)),
        ]
        if rec.reason:
            pairs.append(("reason", rec.reason))
        if rec.text_chars is not None:
            pairs += [("text_chars", rec.text_chars), ("ner_chars", rec.ner_chars)]
        return " ".join(f"{k}={_logfmt(v)}" for k, v in pairs)
