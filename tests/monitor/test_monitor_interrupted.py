"""Ctrl-C during `monitor --once`: the results already back are recorded before the running probes are
abandoned, and the camera still hanging costs no wait and no empty log line. Real simulator, real workers,
a real silent camera (a TCP server that accepts and never answers)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
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


@pytest.fixture
def silent_camera() -> Iterator[str]:
    """An RTSP address that takes the connection and then says nothing, ever."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"rtsp://127.0.0.1:{server.getsockname()[1]}/silent"
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    server.close()


def test_ctrl_c_keeps_the_results_already_back(
    tmp_path: Path, silent_camera: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'qarauyl.db'}")
    upgrade(db)
    cipher = CredentialCipher(b"i" * 32)
    with run_simulator(2, cache_dir=tmp_path / "cache", password="Intr-Pa55", clip_seconds=4.0) as sim:
        rows = ["code,name,vendor,latitude,longitude,main_stream_url,username,password,lifecycle"]
        for cam in (1, 2):
            user, password = sim.credentials(cam)
            rows.append(f"I-{cam},Cam {cam},axis,43.3,68.3,{sim.rtsp_url(cam)},{user},{password},connected")
        rows.append(f"I-3,Silent,axis,43.3,68.3,{silent_camera},,,connected")  # probed last: highest id
        (tmp_path / "fleet.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_file(db, tmp_path / "fleet.csv", cipher=cipher)

        def ctrl_c_after_two(_: str, done: int, total: int) -> None:
            if done == 2:
                raise KeyboardInterrupt  # where a real Ctrl-C lands: the main thread, waiting on the cycle

        options = MonitorOptions(concurrency=3, timeout=60.0, frames=2)
        started = time.monotonic()
        with (
            caplog.at_level(logging.WARNING),
            pytest.raises(KeyboardInterrupt),
            Monitor(db, cipher, SnapshotStore(tmp_path / "snapshots"), options) as monitor,
        ):
            monitor.run_once(progress=ctrl_c_after_two)
        took = time.monotonic() - started
    with db.session() as session:
        kept = dict(
            session.execute(
                select(Camera.code, CameraHealthRow.state).join(
                    CameraHealthRow, CameraHealthRow.camera_id == Camera.id
                )
            ).all()
        )
    db.dispose()
    assert kept == {"I-1": "ok", "I-2": "ok"}  # before, nothing: the whole cycle's results were dropped
    assert took < 45  # the silent camera's 60 s timeout was not waited for
    assert "kept 2 of 2 result(s)" in caplog.text
    assert not [r for r in caplog.records if r.getMessage().endswith("this time: ")]
