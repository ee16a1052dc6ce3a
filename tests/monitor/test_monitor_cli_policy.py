"""`qarauyl monitor --once` takes the fleet's alarm confirmation from the settings (`[health]`): with three
probes to confirm, a camera that has lost its signal stays ok for two cycles, where the default confirms it
after two. Real processes, a real simulator, the config file a newcomer would write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from qarauyl.sim.harness import run_simulator
from qarauyl.store import Camera, Database
from qarauyl.store.models import CameraHealthRow

pytestmark = pytest.mark.slow


def _qarauyl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "qarauyl", *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done


def _state(db: Database) -> tuple[str, int]:
    query = select(CameraHealthRow.state, CameraHealthRow.pending_count).join(
        Camera, Camera.id == CameraHealthRow.camera_id
    )
    with db.session() as session:
        state, pending = session.execute(query.where(Camera.code == "POL-1")).one()
    return state, pending or 0


def test_the_monitor_confirms_after_as_many_probes_as_the_settings_say(tmp_path: Path) -> None:
    (tmp_path / "qarauyl.toml").write_text("[health]\nconfirm_probes = 3\nconfirm_minutes = 600\n")
    database = tmp_path / "qarauyl.db"
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": f"sqlite:///{database}",
        "QARAUYL_CONFIG": str(tmp_path / "qarauyl.toml"),
    }
    with run_simulator(1, cache_dir=tmp_path / "cache", password="Policy-Pa55", clip_seconds=4.0) as sim:
        user, password = sim.credentials(1)
        fleet = tmp_path / "fleet.csv"
        fleet.write_text(
            "code,name,vendor,latitude,longitude,main_stream_url,username,password,lifecycle\n"
            f"POL-1,Policy camera,axis,43.29,68.27,{sim.rtsp_url(1)},{user},{password},connected\n"
            "POL-2,Camera with no URL yet,axis,43.29,68.28,,,,connected\n"
        )
        _qarauyl(env, "cameras", "import", str(fleet))
        monitor = ("monitor", "--once", "--concurrency", "1", "--frames", "4")
        first = _qarauyl(env, *monitor)
        # The camera without a URL is named, not left out in silence.
        assert "Probed 1 camera(s)" in first.stdout
        assert "1 connected camera(s) have no stream URL and were not probed: POL-2." in " ".join(
            first.stdout.split()
        )
        db = Database(f"sqlite:///{database}")
        try:
            assert _state(db) == ("ok", 0)  # the first verdict
            sim.set_fault(1, "no_signal")
            seen = []
            for _ in range(3):
                _qarauyl(env, *monitor)
                seen.append(_state(db))
        finally:
            db.dispose()
    # Two probes in a row would confirm it by default; the settings ask for three.
    assert seen == [("ok", 1), ("ok", 2), ("failed", 0)]
