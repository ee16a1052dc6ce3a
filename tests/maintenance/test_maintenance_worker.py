"""The monitor and the maintenance worker together: real probes of a dead camera become a ticket."""

from __future__ import annotations

import time
from pathlib import Path

from maintenance_fleet import Fleet
from sqlalchemy import select, update

from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import Ticket
from qarauyl.maintenance.worker import MaintenanceWorker
from qarauyl.monitor import Monitor, MonitorOptions
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database
from qarauyl.store.models import Camera


def _tickets(db: Database) -> list[tuple[list[str], str]]:
    with db.session() as session:
        return [(list(t.codes), t.status) for t in session.scalars(select(Ticket))]


def test_confirmed_offline_camera_becomes_a_ticket_through_the_worker_thread(
    db: Database, fleet: Fleet, tmp_path: Path
) -> None:
    [camera] = fleet.add(1)
    with db.session() as session:  # port 9 (discard) is closed on loopback: a real refused connection
        session.execute(
            update(Camera).where(Camera.id == camera).values(main_stream_url="rtsp://127.0.0.1:9/cam/1")
        )
    worker = MaintenanceWorker(db, MaintenanceConfig(), interval=3600)  # wakes only when nudged
    heard: list[int] = []

    def nudge(recorded: list[object]) -> None:
        heard.append(len(recorded))
        worker.nudge()

    options = MonitorOptions(concurrency=1, timeout=3.0)
    cipher = CredentialCipher(b"k" * 32)
    with worker, Monitor(db, cipher, SnapshotStore(tmp_path / "snap"), options, on_recorded=nudge) as monitor:
        first = monitor.run_once()
        assert first.states["ok"] == 1 and _tickets(db) == []  # one refused probe is not yet a fault
        second = monitor.run_once()
        assert second.states["failed"] == 1 and second.codes["offline"] == 1
        deadline = time.monotonic() + 20
        while not _tickets(db) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert heard == [1, 1]
    assert _tickets(db) == [(["offline"], "open")]
    assert worker.totals.errors == 0 and worker.totals.ticket_changes >= 1


def test_a_failing_pass_is_counted_and_retried_not_raised(tmp_path: Path) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'no-such-dir' / 'qarauyl.db'}")
    worker = MaintenanceWorker(unreachable, MaintenanceConfig())
    worker.run_pass()
    worker.run_pass()
    assert worker.totals.passes == 2 and worker.totals.errors == 4
