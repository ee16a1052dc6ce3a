"""Helpers: a small fleet in a real database, and probe results recorded through the monitor's own recording
path (qarauyl.monitor.recording.record_results), so tickets react to real health events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from qarauyl.domain import Finding
from qarauyl.health import HealthPolicy
from qarauyl.monitor.recording import Recorded, record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.probe.result import ProbeError, ProbeResult, ProbeTimings
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, District, Organisation

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy(confirm_probes=2, recover_probes=2)


class Fleet:
    """Cameras CAM-000… in districts North/South, maintained by FixIt (North) and RepairCo (South)."""

    def __init__(self, db: Database, snapshots: SnapshotStore) -> None:
        self.db = db
        self.snapshots = snapshots
        self.ids: dict[str, int] = {}

    def add(
        self,
        count: int,
        *,
        district: str = "North",
        node: str | None = None,
        vendor: str = "hikvision",
        seen_working: bool = True,
        maintainer: str | None = None,
    ) -> list[int]:
        with self.db.session() as session:
            orgs = {o.name: o for o in session.query(Organisation)}
            for name in ("FixIt", "RepairCo"):
                if name not in orgs:
                    orgs[name] = Organisation(name=name, kind="contractor")
                    session.add(orgs[name])
            districts = {d.name: d for d in session.query(District)}
            if district not in districts:
                districts[district] = District(name=district)
                session.add(districts[district])
            session.flush()
            new = []
            for _ in range(count):
                code = f"CAM-{len(self.ids):03d}"
                camera = Camera(
                    code=code,
                    name=f"Camera {code}",
                    vendor=vendor,
                    kind="fixed",
                    latitude=43.3 + len(self.ids) / 1000,
                    longitude=68.25,
                    address=f"{len(self.ids)} Tauke Khan Ave",
                    district_id=districts[district].id,
                    maintainer_id=orgs[maintainer or ("FixIt" if district == "North" else "RepairCo")].id,
                    lifecycle="connected",
                    network_node=node,
                    tags=[],
                )
                session.add(camera)
                session.flush()
                self.ids[code] = camera.id
                new.append(camera.id)
        # Every camera starts healthy, seen by a probe an hour before the tests' T0, unless it is to be new
        # to the monitor (never probed yet).
        if seen_working:
            self.probe(new, T0 - timedelta(hours=1))
        return new

    def probe(
        self,
        camera_ids: Iterable[int],
        at: datetime,
        error: str | None = None,
        findings: tuple[Finding, ...] = (),
        cause: str | None = None,
    ) -> list[Recorded]:
        """One probe per camera: `error` is an access fault code (offline…) and `cause` why (the probe's
        ProbeCause; None, as a probe before causes were named); no error, a picture that shows `findings`."""
        results = []
        for camera_id in camera_ids:
            failure = ProbeError(error, f"simulated {error}", cause) if error else None  # type: ignore[arg-type]
            results.append(
                (
                    camera_id,
                    ProbeResult(
                        url="rtsp://127.0.0.1/x",
                        error=failure,
                        timings=ProbeTimings(total_ms=120.0),
                        findings=findings,
                        snapshot_jpeg=None if error else JPEG,
                    ),
                    at,
                )
            )
        return record_results(self.db, self.snapshots, results, POLICY)

    def confirm(
        self,
        camera_ids: Iterable[int],
        at: datetime,
        error: str | None = None,
        findings: tuple[Finding, ...] = (),
        cause: str | None = None,
    ) -> list[Recorded]:
        """Two probes a minute apart: what the health state machine needs to confirm a change."""
        ids = list(camera_ids)
        self.probe(ids, at, error, findings, cause)
        return self.probe(ids, at + timedelta(minutes=1), error, findings, cause)


# The smallest valid JPEG is not needed: the snapshot store only writes bytes.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
