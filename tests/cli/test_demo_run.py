"""`qarauyl demo run` as a newcomer runs it: the console answers first, then real probes of the
simulated fleet fill in the health, and Ctrl-C stops everything cleanly."""

from __future__ import annotations

import json
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

from qarauyl.inventory.demo_fleet import DEMO_SEED, demo_faults, demo_outage, generate_fleet, split_faults

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
    faults = demo_faults(rows, DEMO_SEED)
    faulty = {rows[cam - 1]["code"] for cam in faults}
    assert faulty  # the fleet is large enough for the demo's fault mix
    powerless = {rows[cam - 1]["code"] for cam in demo_outage(rows, faults, DEMO_SEED)[1]}  # from cycle 4
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
            engineer = client.post(
                "/api/v1/auth/login", json={"name": "engineer", "password": "qarauyl-demo-engineer"}
            )
            assert engineer.status_code == 200, engineer.text
            me = client.get("/api/v1/auth/me").json()
            assert me["role"] == "engineer" and "events.ack" in me["permissions"]
            assert me["organisation_id"] is not None  # the contractor's: the queue shows its tickets only
            client.post("/api/v1/auth/logout")
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
            wrong = {
                code: state
                for code, state in health.items()
                if code not in faulty | powerless and state != "ok"
            }
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
    assert (
        "sign in as demo / qarauyl-demo-admin (administrator), or engineer / qarauyl-demo-engineer" in output
    )
    assert "Simulator: rtsp://127.0.0.1:" in output and "Probed " in output


def test_demo_covers_and_turns_cameras_once_their_references_are_learnt(tmp_path: Path) -> None:
    """A camera covered or turned away before the monitor first saw it has no reference to be judged by:
    the demo starts those cameras clean and covers or turns them after the cycles that learn references,
    so that its console shows `occluded` and `scene_changed` like every other fault."""
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_CONFIG": str(tmp_path / "absent.toml"),
        "COLUMNS": "200",
    }
    env.pop("QARAUYL_DATABASE_URL", None)
    rows = generate_fleet(CAMERAS, DEMO_SEED)
    faults = demo_faults(rows, DEMO_SEED)
    _, later = split_faults(faults)
    held = {rows[cam - 1]["code"]: fault for fault, cams in later.items() for cam in cams}
    assert set(held.values()) == {"occluded", "scene_changed"}
    town, cut = demo_outage(rows, faults, DEMO_SEED)
    powerless = sorted(rows[cam - 1]["code"] for cam in cut)
    assert len(powerless) == 6 and not set(powerless) & set(held)
    args = ["demo", "run", "--cameras", str(CAMERAS), "--interval", "10", "--cycles", "6", "--port", "0"]
    args += ["--rtsp-port", "0", "--control-port", "0"]
    done = subprocess.run(
        [sys.executable, "-m", "qarauyl", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    announced = [i for i, line in enumerate(lines) if line.startswith("References learnt:")]
    probed = [i for i, line in enumerate(lines) if line.startswith("Probed ")]
    assert len(announced) == 1 and len(probed) == 6, done.stdout
    assert probed[2] < announced[0] < probed[3]  # after the third cycle, when references exist
    assert f"{len(held)} camera(s) now covered or turned away" in lines[announced[0]]
    [cut_line] = [i for i, line in enumerate(lines) if line.startswith(f"Power cut in {town}: 6 camera(s)")]
    assert probed[2] < cut_line < probed[3]
    query = (
        "select c.code, h.codes, h.reference_path from camera c join camera_health h on h.camera_id = c.id"
    )
    with sqlite3.connect(f"file:{tmp_path / 'data' / 'qarauyl.db'}?mode=ro", uri=True) as conn:
        health = {code: (json.loads(codes), reference) for code, codes, reference in conn.execute(query)}
    for code, fault in held.items():
        codes, reference = health[code]
        assert reference is not None  # learnt while the camera was still clean
        assert fault in codes, (code, fault, codes)
    # The power cut: confirmed on the fifth cycle, and one incident for the town, not six tickets.
    with sqlite3.connect(f"file:{tmp_path / 'data' / 'qarauyl.db'}?mode=ro", uri=True) as conn:
        codes_of = dict(conn.execute("select id, code from camera"))
        incidents = [
            (kind, sorted(codes_of[m] for m in json.loads(members)))
            for kind, members in conn.execute(
                "select kind, members from maintenance_ticket where kind != 'camera'"
            )
        ]
        open_own = [
            codes_of[camera]
            for (camera,) in conn.execute(
                "select camera_id from maintenance_ticket where kind = 'camera' and status = 'open'"
            )
        ]
    for code in powerless:
        assert "offline" in health[code][0], (code, health[code])
    # A flapping camera of the same town, down at that moment, may be taken for one of the cut: as it would.
    flapping = {rows[cam - 1]["code"] for cam, fault in faults.items() if fault == "flapping"}
    [(kind, members)] = incidents
    assert kind == "district" and set(powerless) <= set(members) <= set(powerless) | flapping
    assert not set(open_own) & set(powerless)  # folded into the incident
