"""`qarauyl demo run` as a newcomer runs it: the console answers first, then real probes of the
simulated fleet fill in the health, and Ctrl-C stops everything cleanly."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from qarauyl.inventory.demo_fleet import DEMO_SEED, demo_faults, generate_fleet

pytestmark = pytest.mark.slow

CAMERAS = 80  # about 64 connected: enough for the demo's fault mix (one camera of each fault at least)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(db: Path) -> dict[str, str]:
    """Camera code -> health state, as the monitor stored it."""
    query = "select c.code, h.state from camera c join camera_health h on h.camera_id = c.id"
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return dict(conn.execute(query).fetchall())
    except sqlite3.Error:
        return {}


def test_demo_run_serves_the_console_and_real_health(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_CONFIG": str(tmp_path / "absent.toml"),
        "COLUMNS": "200",
    }
    env.pop("QARAUYL_DATABASE_URL", None)  # the embedded default: SQLite in the data directory
    rows = generate_fleet(CAMERAS, DEMO_SEED)
    faulty = {rows[cam - 1]["code"] for cam in demo_faults(rows, DEMO_SEED)}
    assert faulty  # the fleet is large enough for the demo's fault mix
    args = ["demo", "run", "--cameras", str(CAMERAS), "--interval", "20", "--port", str(port)]
    args += ["--rtsp-port", "0", "--control-port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "qarauyl", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    db = tmp_path / "data" / "qarauyl.db"
    try:
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while True:
                assert process.poll() is None, process.communicate()[0]
                try:
                    if client.get("/login").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the console did not answer"
                time.sleep(0.5)
            # The printed demo login works, and the API's summary is the seeded fleet.
            login = client.post("/api/v1/auth/login", json={"name": "demo", "password": "qarauyl-demo-admin"})
            assert login.status_code == 200, login.text
            summary = client.get("/api/v1/summary").json()["total"]
            connected = summary["connected"]
            assert summary["installed"] >= connected > 0
            # Within a few cycles every connected camera has real health from real probes.
            deadline = time.monotonic() + 240
            while True:
                health = _health(db)
                if sum(state != "unknown" for state in health.values()) == connected:
                    break
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, f"health after 4 minutes: {health}"
                time.sleep(2)
            # No false alarm: every camera the demo did not break is ok (a profile that does not match
            # what the simulator streams would flag them all), and the broken ones show up.
            wrong = {code: state for code, state in health.items() if code not in faulty and state != "ok"}
            assert wrong == {}
            flagged = {code for code, state in health.items() if state in ("degraded", "failed")}
            assert len(flagged) >= len(faulty) // 2
            after = client.get("/api/v1/summary").json()["total"]
            states = list(health.values())
            assert (after["ok"], after["failed"]) == (states.count("ok"), states.count("failed"))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"demo run did not stop within 60 s of Ctrl-C:\n{output}")
    assert process.returncode == 0, output
    assert "sign in as demo / qarauyl-demo-admin" in output
    assert "Simulator: rtsp://127.0.0.1:" in output and "Probed " in output
