"""`qarauyl monitor --once` when the database will not take the results (another process holds SQLite's write
lock the whole cycle): it says so, without SQL in the log, and exits non-zero, so that a scheduled run is not
taken for a recorded cycle. A --camera code the register lacks is an error, not an empty cycle, and a second
monitor on the same database is refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qarauyl.monitor.single import only_monitor
from qarauyl.store import Database

pytestmark = pytest.mark.slow


def _qarauyl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qarauyl", *args], env=env, capture_output=True, text=True, timeout=180
    )


def test_a_cycle_the_database_never_took_is_a_failure_in_words(tmp_path: Path) -> None:
    database = tmp_path / "qarauyl.db"
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": f"sqlite:///{database}",
        "QARAUYL_CONFIG": str(tmp_path / "none.toml"),
    }
    fleet = tmp_path / "fleet.csv"
    # A closed port: the probe fails at once, so the cycle's time is the database's.
    fleet.write_text(
        "code,name,vendor,latitude,longitude,main_stream_url,lifecycle\n"
        "LCK-1,Locked out,axis,43.3,68.2,rtsp://127.0.0.1:9/x,connected\n"
    )
    assert _qarauyl(env, "cameras", "import", str(fleet)).returncode == 0
    typo = _qarauyl(env, "monitor", "--once", "--camera", "LCK-2")
    assert typo.returncode == 3 and "No camera with code 'LCK-2'" in typo.stderr
    # A monitor already running (the service) and a duty officer's --once: refused, not probed twice.
    running = Database(env["QARAUYL_DATABASE_URL"])
    with only_monitor(running):
        second = _qarauyl(env, "monitor", "--once")
    running.dispose()
    assert second.returncode == 1 and "Another monitor" in second.stderr and "Probed" not in second.stdout

    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(120)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert locked.wait(10)
        done = _qarauyl(env, "monitor", "--once")
    finally:
        release.set()
        holder.join()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Probed 1 camera(s)" in done.stdout and "1 result(s) could not be recorded" in done.stdout
    assert "1 probe result(s) could not be recorded: the database was locked" in done.stderr
    assert (
        "could not record 1 probe result(s), will retry: (sqlite3.OperationalError) database is locked"
        in (done.stderr)
    )
    assert "[SQL:" not in done.stderr and "[parameters:" not in done.stderr
