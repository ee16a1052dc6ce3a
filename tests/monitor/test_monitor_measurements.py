"""The monitor keeps what a worker measured on a camera's reference and sends it with the camera's next
jobs, for as long as the reference is the same picture: real simulator, real probe workers."""

from __future__ import annotations

import time
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from qarauyl.inventory.importer import import_file
from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
from qarauyl.monitor.job import MonitorJob, MonitorResult, run_monitor_job
from qarauyl.monitor.recording import retake_reference
from qarauyl.probe import ProbeJob, ProbePool
from qarauyl.probe.result import ProbeResult
from qarauyl.security import CredentialCipher
from qarauyl.sim.harness import run_simulator
from qarauyl.store import Camera, Database
from qarauyl.store.schema import upgrade

pytestmark = pytest.mark.slow


class Recording:
    """A probe pool that remembers the jobs it was given and the results it gave."""

    def __init__(self, pool: ProbePool) -> None:
        self.pool, self.size = pool, pool.size
        self.jobs: list[MonitorJob] = []
        self.results: list[MonitorResult] = []

    def submit_job(self, job: ProbeJob) -> Future[ProbeResult]:
        assert isinstance(job, MonitorJob)
        self.jobs.append(job)
        future = self.pool.submit_job(job)
        future.add_done_callback(self._answered)
        return future

    def _answered(self, future: Future[ProbeResult]) -> None:
        result = future.result()
        assert isinstance(result, MonitorResult), result
        self.results.append(result)

    def close(self) -> None:
        self.pool.close()

    def cycle(self, monitor: Monitor, cameras: int = 2) -> tuple[list[MonitorJob], list[MonitorResult]]:
        self.jobs, self.results = [], []
        summary = monitor.run_once()
        assert summary.probed == cameras and dict(summary.states) == {"ok": cameras}, summary
        # A future's waiters may wake before its callbacks ran.
        deadline = time.monotonic() + 5.0
        while len(self.results) < len(self.jobs) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.results) == len(self.jobs) == cameras
        return self.jobs, self.results


def test_the_reference_is_measured_once_per_picture(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'qarauyl.db'}")
    upgrade(db)
    cipher = CredentialCipher(b"k" * 32)
    snapshots = SnapshotStore(tmp_path / "snapshots")
    with run_simulator(2, cache_dir=tmp_path / "cache", password="Kept-Pa55", max_lifetime=300) as sim:
        rows = ["code,name,vendor,latitude,longitude,main_stream_url,username,password,lifecycle"]
        for cam in (1, 2):
            user, password = sim.credentials(cam)
            rows.append(f"K-{cam},Kept {cam},axis,43.3,68.3,{sim.rtsp_url(cam)},{user},{password},connected")
        (tmp_path / "fleet.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_file(db, tmp_path / "fleet.csv", cipher=cipher)
        pool = Recording(ProbePool(1, slots=2, runner=run_monitor_job))
        options = MonitorOptions(concurrency=2, timeout=10.0, frames=3)
        with Monitor(db, cipher, snapshots, options, pool=pool) as monitor:
            jobs, results = pool.cycle(monitor)  # no reference yet: nothing to measure
            assert all(j.reference_jpeg is None and j.reference_measurements is None for j in jobs)
            assert all(r.reference_measurements is None for r in results)

            ids = sorted(j.camera_id for j in jobs)
            for camera_id in ids:
                assert retake_reference(db, snapshots, camera_id, datetime.now(UTC))
            jobs, results = pool.cycle(monitor)  # a new reference: measured by the worker, sent back
            assert all(j.reference_jpeg and j.reference_measurements is None for j in jobs)
            assert all(j.reference_parts is None for j in jobs)
            measured = {r.camera_id: r.reference_measurements for r in results}
            assert all(measured[i] and "sharpness" in measured[i] for i in ids), measured
            # The reference as the worker prepared it is kept beside its JPEG for the next probes.
            paths = {i: _reference_path(db, i) for i in ids}
            parts = {i: snapshots.read_reference_parts(paths[i]) for i in ids}
            made = {r.camera_id: r.reference_parts for r in results}
            assert all(parts[i] and parts[i] == made[i] for i in ids)

            jobs, results = pool.cycle(monitor)  # the same reference: its measurements travel with the job
            sent = {j.camera_id: j.reference_measurements for j in jobs}
            assert all(sent[i] is not None and sent[i].keys() == measured[i].keys() for i in ids), sent
            assert all(r.reference_measurements is None for r in results)
            assert all(j.reference_parts == parts[j.camera_id] for j in jobs)
            assert all(r.reference_parts is None for r in results)

            # A re-taken reference is another picture: measured afresh, never judged by the old figures.
            assert retake_reference(db, snapshots, ids[0], datetime(2030, 1, 1, tzinfo=UTC))
            jobs, results = pool.cycle(monitor)
            by_camera = {j.camera_id: j for j in jobs}
            assert by_camera[ids[0]].reference_measurements is None
            assert by_camera[ids[1]].reference_measurements is not None
            assert by_camera[ids[0]].reference_parts is None and by_camera[ids[1]].reference_parts

            # A camera that leaves the monitored fleet leaves nothing behind in the monitor's memory.
            assert set(monitor._measured) == set(ids)
            with db.session() as session:
                session.execute(update(Camera).where(Camera.id == ids[1]).values(lifecycle="installed"))
            jobs, _ = pool.cycle(monitor, cameras=1)
            assert [j.camera_id for j in jobs] == [ids[0]]
            assert set(monitor._measured) == {ids[0]}
    db.dispose()


def _reference_path(db: Database, camera_id: int) -> str:
    from qarauyl.store.models import CameraHealthRow

    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        assert row is not None and row.reference_path
        return row.reference_path
