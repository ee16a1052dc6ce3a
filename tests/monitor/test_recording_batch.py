"""record_results loads a batch's rows in one go: a batch must mean exactly what its results one by one mean,
including a camera seen twice in one batch (results held while the database was away) and a camera deleted
while it was being probed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from qarauyl.health import HealthPolicy
from qarauyl.monitor.recording import record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.probe.result import ProbeError, ProbeResult, ProbeTimings
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow, HealthEvent, ProbeRecord

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy(confirm_probes=2, recover_probes=2)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def _cameras(db: Database, count: int) -> list[int]:
    with db.session() as session:
        place = {"latitude": 43.3, "longitude": 68.25, "lifecycle": "connected", "tags": []}
        cameras = [
            Camera(code=f"B-{i:03d}", name=f"Batch {i}", vendor="dahua", kind="fixed", **place)
            for i in range(count)
        ]
        session.add_all(cameras)
        session.flush()
        return [c.id for c in cameras]


def _result(error: str | None) -> ProbeResult:
    return ProbeResult(
        url="rtsp://127.0.0.1/x",
        error=ProbeError(error, f"simulated {error}") if error else None,  # type: ignore[arg-type]
        timings=ProbeTimings(total_ms=90.0),
        snapshot_jpeg=None if error else JPEG,
    )


def _history(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        states = session.execute(
            select(CameraHealthRow.camera_id, CameraHealthRow.state, CameraHealthRow.pending_count)
            .order_by(CameraHealthRow.camera_id)
        ).all()  # fmt: skip
        events = session.execute(
            select(HealthEvent.camera_id, HealthEvent.before, HealthEvent.after).order_by(HealthEvent.id)
        ).all()
        probes = session.scalar(select(func.count()).select_from(ProbeRecord))
    return [*(tuple(s) for s in states), *(tuple(e) for e in events), (probes,)]


def test_a_batch_records_what_its_results_one_by_one_record(db: Database, tmp_path: Path) -> None:
    ids = _cameras(db, 3)
    gone = max(ids) + 100  # a camera deleted while its probe ran
    plan = [
        (ids[0], "offline"), (ids[1], None), (gone, None), (ids[0], "offline"),
        (ids[2], None), (ids[1], "auth_failed"), (ids[1], "auth_failed"), (ids[2], None),
    ]  # fmt: skip
    results = [(cid, _result(err), T0 + timedelta(minutes=i)) for i, (cid, err) in enumerate(plan)]

    recorded = record_results(db, SnapshotStore(tmp_path / "batch"), results, POLICY)
    batched = _history(db)

    assert [r.camera_id for r in recorded] == [cid for cid, _ in plan if cid != gone]
    # A new camera takes its first verdict at once; a change from ok needs two probes in a row, and here the
    # second one is in the same batch as the first.
    assert [r.state.value for r in recorded if r.camera_id == ids[0]] == ["failed", "failed"]
    assert [r.state.value for r in recorded if r.camera_id == ids[1]] == ["ok", "ok", "failed"]
    assert [r.state.value for r in recorded if r.camera_id == ids[2]] == ["ok", "ok"]
    assert batched[-1] == (len(plan) - 1,)  # a probe record for every result of a camera that exists

    with db.session() as session:  # the same results again, one transaction each, on fresh cameras
        session.execute(ProbeRecord.__table__.delete())
        session.execute(HealthEvent.__table__.delete())
        session.execute(CameraHealthRow.__table__.delete())
    for one in results:
        record_results(db, SnapshotStore(tmp_path / "single"), [one], POLICY)
    assert _history(db) == batched
