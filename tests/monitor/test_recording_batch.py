"""record_results loads a batch's rows in one go: a batch must mean exactly what its results one by one mean,
including a camera seen twice in one batch (results held while the database was away) and a camera deleted
while it was being probed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from qarauyl.health import HealthPolicy
from qarauyl.monitor.job import MonitorResult
from qarauyl.monitor.recording import record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.probe.result import ProbeError, ProbeResult, ProbeTimings, StreamFacts
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


def test_what_a_result_replaces_is_written_and_a_baseline_is_kept_until_replaced(
    db: Database, tmp_path: Path
) -> None:
    (camera_id,) = _cameras(db, 1)
    store = SnapshotStore(tmp_path / "snaps")
    healthy = MonitorResult(
        url="rtsp://127.0.0.1/x",
        stream=StreamFacts("h264", 640, 360, 12.5, 512.0, 0, 4, 80.0),
        snapshot_jpeg=JPEG,
        timings=ProbeTimings(total_ms=90.0),
        metrics={"luma_mean": 101.25},
        camera_id=camera_id,
        baseline={"stats": {"luma_mean": {"count": 1, "mean": 101.25, "var": 0.0}}},
    )
    record_results(db, store, [(camera_id, healthy, T0)], POLICY)
    # A failed probe brings no baseline: the learned one stays, the rest is the failure's.
    record_results(db, store, [(camera_id, _result("offline"), T0 + timedelta(minutes=1))], POLICY)
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        assert row is not None
        assert row.baseline == healthy.baseline
        assert row.stream is None and row.metrics == {} and row.error == "simulated offline"
        assert [f["code"] for f in row.findings] == ["offline"]
        assert row.snapshot_path is not None and row.last_ok_at == T0

    record_results(
        db, store, [(camera_id, replace(healthy, baseline={"stats": {}}), T0 + timedelta(minutes=2))], POLICY
    )
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        assert row is not None and row.baseline == {"stats": {}}
        assert row.stream is not None and row.stream["width"] == 640
        assert row.metrics == {"luma_mean": 101.25} and row.findings == []


def test_a_reference_whose_file_is_lost_is_learnt_again(db: Database, tmp_path: Path) -> None:
    """Without its reference a covered or turned camera passes unnoticed: a lost file must not stay stored."""
    from qarauyl.monitor.recording import REFERENCE_VOTES

    (camera_id,) = _cameras(db, 1)
    store = SnapshotStore(tmp_path / "snaps")
    at = iter(T0 + timedelta(minutes=i) for i in range(100))
    for _ in range(REFERENCE_VOTES):
        record_results(db, store, [(camera_id, _result(None), next(at))], POLICY)
    with db.session() as session:
        first = session.get(CameraHealthRow, camera_id)
        assert first is not None and first.reference_path
        lost = first.reference_path
    store.resolve(lost).unlink()
    record_results(db, store, [(camera_id, _result(None), next(at))], POLICY)
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        assert row is not None and row.reference_path is None and row.reference_votes == 1
    for _ in range(REFERENCE_VOTES - 1):
        record_results(db, store, [(camera_id, _result(None), next(at))], POLICY)
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        assert row is not None and row.reference_path not in (None, lost) and store.exists(row.reference_path)


def test_the_stored_state_reads_back_as_it_was_written() -> None:
    """`pending_since` holds a pending run's start, or without one since when the probes have agreed."""
    from qarauyl.domain import Health
    from qarauyl.health import CameraHealth
    from qarauyl.monitor.recording import _to_state, store_state

    steady = CameraHealth(Health.FAILED, T0, ("offline",), changes=(T0,), flapping=True, steady_since=T0)
    pending = replace(steady, pending=Health.OK, pending_count=1, pending_since=T0, steady_since=None)
    for state in (steady, pending):
        row = CameraHealthRow(camera_id=1)
        store_state(row, state)
        assert _to_state(row) == state
