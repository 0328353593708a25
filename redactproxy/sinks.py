"""The shells around the addon at ``start``: live view or log lines, plus the ready message.

``make_sinks`` picks the live view on a terminal (unless ``--no-ui``) and plain
``key=value`` lines otherwise; the returned ``Ui`` prints the one thing a user needs once
the proxy listens, and keeps the header's detector state current.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redactproxy import __version__
from redactproxy.records import RecordSink

__all__ = ["NEXT_STEP", "Ui", "make_sinks"]

NEXT_STEP = 'next: eval "$(redactproxy env)"   or   redactproxy run -- <your tool>'


class Ui:
    """What ``start`` shows besides the per-request records."""

    def __init__(self, view: Any | None) -> None:
        self.view = view
        self._stop = threading.Event()

    def ready(self, addon: Any, shown: Sequence[str]) -> None:
        """The proxy listens: say where, and what to do next (once)."""
        lines = [f"redactproxy {__version__} listening on {s}" for s in shown] + [NEXT_STEP]
        if addon.vault_notice:
            lines.append(f"note: {addon.vault_notice}")
        relays = addon.policy.relay_lines(None)
        lines += relays
        if self.view is None:
            print("\n".join(lines), flush=True)
            threading.Thread(target=self._log_detector, args=(addon,), daemon=True).start()
            return
        self.view.notice(NEXT_STEP)
        self.view.set_relays([r for r in relays if r.startswith("relay ")])
        for warning in (r for r in relays if r.startswith("warning: ")):
            self.view.notice(warning.removeprefix("warning: "))
        if addon.vault_notice:
            self.view.notice(addon.vault_notice)
        self.view.set_vault("persistent" if addon.vault.persistent else "in-memory")
        self._show_state(addon)
        self.view.start()
        threading.Thread(target=self._watch, args=(addon,), daemon=True).start()

    def _log_detector(self, addon: Any) -> None:
        worker = addon.worker
        if worker is not None and worker.wait_ready(120):
            print("detector ready", flush=True)
        elif worker is not None:
            print(f"detector failed: {worker.error or worker.state}; requests will be refused",
                  flush=True)

    def _show_state(self, addon: Any) -> None:
        """Copy the detector state and the loaded projects (names, packs) to the header."""
        if self.view is None:
            return
        if addon.worker is not None:
            self.view.set_detector_state(addon.worker.state)
        if addon.projects is not None:
            configs = addon.projects.loaded()
            self.view.set_projects([c.name for c in configs],
                                   [p for c in configs for p in c.packs])

    def _watch(self, addon: Any) -> None:
        while not self._stop.wait(0.5):
            try:
                self._show_state(addon)
            except Exception:  # noqa: BLE001 - the header must not kill its own updates
                logging.getLogger("redactproxy").debug("header update failed", exc_info=True)

    def stop(self) -> None:
        """Leave the terminal clean."""
        self._stop.set()
        if self.view is not None:
            self.view.stop()


def make_sinks(*, no_ui: bool, listen: Sequence[str], project: str,
               audit: Any) -> tuple[Ui, list[RecordSink]]:
    """Return the UI controller and the record sinks for ``start``.

    Args:
        audit: The evidence store (``BufferedEvidence`` around the local SQLite store or a
            shared one from ``redactproxy.stores``).
    """
    from redactproxy.view import HeaderInfo, LiveView, LogLineSink

    use_view = not no_ui and sys.stdout.isatty()
    if not use_view:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")
        return Ui(None), [audit, LogLineSink(sys.stdout)]
    logging.basicConfig(level=logging.ERROR, handlers=[logging.NullHandler()])
    # Projects and packs are filled in from the loaded rule files once the proxy is ready.
    view = LiveView(header=HeaderInfo(listen=list(listen), projects=[Path(project).name]))
    return Ui(view), [audit, view]
