"""What the recording tests share: a connected camera in the register, and a probe result with findings."""

from __future__ import annotations

from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.probe.result import ProbeResult, ProbeTimings
from qarauyl.store.database import Database
from qarauyl.store.models import Camera


def add_connected_camera(db: Database, code: str) -> int:
    with db.session() as session:
        camera = Camera(code=code, name=code, vendor="dahua", kind="fixed", latitude=43.3, longitude=68.25,
                        lifecycle="connected", tags=[])  # fmt: skip
        session.add(camera)
        session.flush()
        return camera.id


def probe_finding(
    *codes: FaultCode, score: float = 0.8, severity: Severity = Severity.WARNING
) -> ProbeResult:
    """A probe that read the stream and found `codes` (none: a healthy picture)."""
    findings = tuple(Finding(code, severity, score, {"x": 1.0}) for code in codes)
    return ProbeResult(url="rtsp://127.0.0.1/x", findings=findings, timings=ProbeTimings(total_ms=50.0))
