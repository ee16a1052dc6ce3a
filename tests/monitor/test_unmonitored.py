"""A camera that leaves `connected` stops showing the health it last had: it becomes unknown with an event
that says why (acknowledged by whoever changed it), availability does not count the time away against it,
and a camera connected again is judged on its first probe. On SQLite and PostgreSQL, through the console's
lifecycle change and the monitor's own sweep (the API's ways: tests/api/test_api_unmonitored.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor_records import add_connected_camera, probe_finding
from sqlalchemy import select, update

from qarauyl.domain import FaultCode, Health, Severity
from qarauyl.health import HealthPolicy, availability
from qarauyl.monitor.recording import record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.monitor.unmonitored import SYSTEM, settle_unmonitored
from qarauyl.probe.result import ProbeResult
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow, HealthEvent
from qarauyl.web import _data

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy(confirm_probes=2, recover_probes=2)


_camera = add_connected_camera


def _probe(*codes: FaultCode) -> ProbeResult:
    return probe_finding(*codes, score=0.9, severity=Severity.CRITICAL)


def _record(db: Database, tmp_path: Path, camera_id: int, minute: int, *codes: FaultCode) -> list[Any]:
    at = T0 + timedelta(minutes=minute)
    return record_results(db, SnapshotStore(tmp_path / "s"), [(camera_id, _probe(*codes), at)], POLICY)


def _state(db: Database, camera_id: int) -> tuple[str, str, list[str], int]:
    with db.session() as session:
        camera = session.get(Camera, camera_id)
        row = session.get(CameraHealthRow, camera_id)
        assert camera is not None and row is not None
        return camera.health, row.state, list(row.codes or []), row.pending_count or 0


def _events(db: Database, camera_id: int) -> list[tuple[str, str, str | None, str]]:
    with db.session() as session:
        query = select(HealthEvent).where(HealthEvent.camera_id == camera_id).order_by(HealthEvent.id)
        return [(e.before, e.after, e.acknowledged_by, e.reason) for e in session.scalars(query)]


def test_a_disconnected_camera_is_unknown_and_judged_afresh_when_back(db: Database, tmp_path: Path) -> None:
    camera = _camera(db, "U-1")
    _record(db, tmp_path, camera, 0, FaultCode.OFFLINE)  # first verdict: failed at once
    _record(db, tmp_path, camera, 1)  # one good probe: recovery pending, not confirmed
    assert _state(db, camera) == ("failed", "failed", ["offline"], 1)

    audited: list[Any] = []
    _data.set_lifecycle(db, "U-1", "installed", audit=lambda *a: audited.append(a), actor="duty")
    assert _state(db, camera) == ("unknown", "unknown", [], 0)
    before, after, by, reason = _events(db, camera)[-1]
    assert (before, after, by) == ("failed", "unknown", "duty")
    assert "installed" in reason and audited

    # A result of a probe still running when it was disconnected is not recorded.
    assert _record(db, tmp_path, camera, 2) == []
    assert _state(db, camera)[0] == "unknown"

    _data.set_lifecycle(db, "U-1", "connected", actor="duty")
    assert _state(db, camera)[0] == "unknown"  # nothing to say until it is probed
    [back] = _record(db, tmp_path, camera, 30)
    assert back.state.value == "ok"  # its first probe decides, not the failure from before its repair
    assert [(b, a) for b, a, _, _ in _events(db, camera)] == [
        ("unknown", "failed"),
        ("failed", "unknown"),
        ("unknown", "ok"),
    ]


def test_the_time_away_counts_neither_for_nor_against_availability(db: Database, tmp_path: Path) -> None:
    camera = _camera(db, "U-2")
    _record(db, tmp_path, camera, 0, FaultCode.OFFLINE)
    with db.session() as session:
        session.execute(update(Camera).where(Camera.id == camera).values(lifecycle="installed"))
        settle_unmonitored(session, at=T0 + timedelta(minutes=10))
    with db.session() as session:
        changes = [
            (e.at, e.after)
            for e in session.scalars(select(HealthEvent).where(HealthEvent.camera_id == camera))
        ]
    share = availability([(at, Health(h)) for at, h in changes], T0, T0 + timedelta(hours=1))
    assert share.failed == 600  # ten minutes failed, then not monitored: not fifty more of failure
    assert share.unknown == 3000


def test_the_monitor_sweep_settles_what_no_path_did(db: Database, tmp_path: Path) -> None:
    kept, left = _camera(db, "U-3"), _camera(db, "U-4")
    for camera in (kept, left):
        _record(db, tmp_path, camera, 0, FaultCode.BLUR)
    with db.session() as session:  # a write by hand, or a database from before this rule
        session.execute(update(Camera).where(Camera.id == left).values(lifecycle="decommissioned"))
    with db.session() as session:
        assert settle_unmonitored(session) == 1
    assert _state(db, kept)[0] == "failed"  # a critical blur
    assert _state(db, left)[:2] == ("unknown", "unknown")
    assert _events(db, left)[-1][:3] == ("failed", "unknown", SYSTEM)
    with db.session() as session:
        assert settle_unmonitored(session) == 0  # once


def test_a_camera_first_seen_working_asks_nothing_of_the_duty_officer(db: Database, tmp_path: Path) -> None:
    """A new deployment's first cycle finds a thousand cameras working: each change is stored (availability
    counts from it) but acknowledged by the monitor, so "unacknowledged only" shows the ones to act on. A
    camera found broken, and one that recovers from a fault, still wait for a person."""
    fine, broken = _camera(db, "F-1"), _camera(db, "F-2")
    _record(db, tmp_path, fine, 0)
    _record(db, tmp_path, broken, 0, FaultCode.OFFLINE)
    _record(db, tmp_path, broken, 1)
    _record(db, tmp_path, broken, 2)  # recovered: two good probes
    assert [(b, a, by) for b, a, by, _ in _events(db, fine)] == [("unknown", "ok", SYSTEM)]
    assert [(b, a, by) for b, a, by, _ in _events(db, broken)] == [
        ("unknown", "failed", None),
        ("failed", "ok", None),
    ]
    waiting = _data.events(db, filters=_data.EventFilter(unacknowledged=True))
    assert sorted((e["camera"], e["after"]) for e in waiting) == [("F-2", "failed"), ("F-2", "ok")]
