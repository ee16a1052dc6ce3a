"""The maintenance worker: turns the monitor's health events into tickets and sends the outbox.

    MaintenanceWorker(db, config).start()   a daemon thread; `nudge()` after the monitor records results

It runs beside the monitor rather than inside its loop because an SMTP server or a webhook that answers
slowly (each send has its own timeout) must never delay the next camera's probe. Every pass is
idempotent (tickets follow a stored watermark, the outbox claims its rows), so a pass that fails is
simply retried on the next wake-up and a restart loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from qarauyl.errors import first_line
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.notifications import deliver_due
from qarauyl.maintenance.tickets import process_transitions
from qarauyl.store import Database

log = logging.getLogger("qarauyl.maintenance")


@dataclass
class WorkerTotals:
    passes: int = 0
    ticket_changes: int = 0
    sent: int = 0
    errors: int = 0


class MaintenanceWorker:
    """Runs `process_transitions` and `deliver_due` when nudged, and at least every `interval` seconds
    (SLA warnings and breaches are due by the clock, not by new events)."""

    def __init__(
        self,
        db: Database,
        config: MaintenanceConfig,
        *,
        interval: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.config = config
        self.interval = interval
        self.clock = clock
        self.totals = WorkerTotals()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pass(self) -> None:
        """One pass; errors are logged and counted, never raised (the next pass retries)."""
        now = self.clock()
        try:
            changes = process_transitions(self.db, [], now, self.config)
            self.totals.ticket_changes += len(changes)
        except Exception as exc:
            self.totals.errors += 1
            log.error("could not turn health events into tickets, will retry: %s", first_line(exc))
        try:
            report = deliver_due(self.db, now, self.config)
            self.totals.sent += report.sent
        except Exception as exc:
            self.totals.errors += 1
            log.error("could not deliver notifications, will retry: %s", first_line(exc))
        self.totals.passes += 1

    def nudge(self) -> None:
        """New results were recorded: run a pass soon."""
        self._wake.set()

    def start(self) -> MaintenanceWorker:
        self._thread = threading.Thread(target=self._loop, name="qarauyl-maintenance", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> MaintenanceWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_pass()
            self._wake.wait(self.interval)
            self._wake.clear()
        self.run_pass()  # what the last flush recorded still becomes tickets before the process ends
