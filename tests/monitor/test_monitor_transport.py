"""A camera that offers RTP only over UDP: the monitor reaches it once the register says so, and until then
says what to change. Real RTSP (the simulator refusing interleaved TCP with 461) and real decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from qarauyl.inventory.importer import import_file
from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
from qarauyl.security import CredentialCipher
from qarauyl.sim.harness import run_simulator
from qarauyl.store import Camera, Database
from qarauyl.store.models import CameraHealthRow
from qarauyl.store.schema import upgrade

pytestmark = pytest.mark.slow


def test_a_udp_only_camera_is_reached_over_udp_when_the_register_says_so(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'qarauyl.db'}")
    upgrade(db)
    cipher = CredentialCipher(b"u" * 32)
    options = MonitorOptions(concurrency=2, timeout=10.0, frames=2)
    with (
        run_simulator(2, cache_dir=tmp_path / "cache", password="Transport-Pa55") as sim,
        Monitor(db, cipher, SnapshotStore(tmp_path / "snapshots"), options) as monitor,
    ):
        rows = ["code,name,vendor,latitude,longitude,main_stream_url,username,password,lifecycle,transport"]
        for cam, transport in ((1, "udp"), (2, "")):
            sim.set_fault(cam, "udp_only")
            user, password = sim.credentials(cam)
            url = sim.rtsp_url(cam)
            rows.append(f"U-{cam},NVR {cam},dahua,43.3,68.2,{url},{user},{password},connected,{transport}")
        inventory = tmp_path / "fleet.csv"
        inventory.write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_file(db, inventory, cipher=cipher)
        monitor.run_once()
        query = select(Camera.code, CameraHealthRow.state, CameraHealthRow.codes, CameraHealthRow.error).join(
            CameraHealthRow, CameraHealthRow.camera_id == Camera.id
        )
        with db.session() as session:
            health = {code: (state, codes, error) for code, state, codes, error in session.execute(query)}
    db.dispose()
    # Probed over UDP, as registered: a picture, judged like any other.
    assert health["U-1"][:2] == ("ok", []), health["U-1"]
    # Probed over TCP, the default: refused, and the sentence says what to change.
    state, codes, error = health["U-2"]
    assert (state, codes) == ("failed", ["stream_error"]), health["U-2"]
    assert error == (
        "the camera does not offer RTP over TCP (461 Unsupported Transport); set its RTSP transport to udp"
    )
