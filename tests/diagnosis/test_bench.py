"""The speed benchmark still runs (its --quick variant), so it does not rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_speed_benchmark_quick_runs_and_prints_its_figures() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench_diagnosis_speed.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ms/frame" in proc.stdout and "single frame" in proc.stdout
    assert "restored from its parts" in proc.stdout  # the monitor's steady state is measured too
