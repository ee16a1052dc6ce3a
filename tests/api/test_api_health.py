"""A camera's health and events through the API: why it cannot be read, as the probe's words and as one
stable word a script can branch on, recorded the way the monitor records it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qarauyl.monitor.recording import record_results
from qarauyl.probe.result import ProbeTimings, failure
from tests.api.conftest import World


def test_health_says_why_a_camera_cannot_be_read(world: World) -> None:
    refused = failure(
        "rtsp://10.1.1.1/Streaming/101",
        "auth_failed",
        "the camera refused the credentials (Server returned 401 Unauthorized)",
        ProbeTimings(),
        cause="credentials",
    )
    now = datetime.now(UTC)
    for at in (now - timedelta(minutes=1), now):  # seen twice: confirmed, an event
        record_results(world.db, world.snapshots, [(world.camera_ids["A-1"], refused, at)])
    admin = world.headers("admin")
    with world.client() as client:
        a1 = client.get("/api/v1/cameras/A-1/health", headers=admin).json()
        b1 = client.get("/api/v1/cameras/B-1/health", headers=admin).json()
    assert refused.error is not None
    assert (a1["error"], a1["cause"]) == (refused.error.message, "credentials")
    assert [f["code"] for f in a1["findings"]] == ["auth_failed"]
    assert (b1["error"], b1["cause"]) == (None, None)  # stored before causes were named: no cause made up
    with world.client() as client:
        events = client.get("/api/v1/events?camera=A-1", headers=admin).json()["items"]
    confirmed = [e for e in events if "auth_failed" in e["codes"]]
    assert [e["cause"] for e in confirmed] == ["credentials"], events
    assert {e["cause"] for e in events if e not in confirmed} == {None}  # the fixture's event, before causes
