"""Keeps the monitor scale benchmark from rotting: a small fleet through the same code path, every
camera probed, recorded and reported with its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_monitor_scale.py"


@pytest.mark.slow
def test_monitor_scale_benchmark_small() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--cameras", "24", "--concurrency", "6", "--interval", "300"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"warm-up cycle: 24 cameras in \d+ s, 24 references taken", done.stdout), done.stdout
    assert "steady state: every camera has a reference" in done.stdout
    assert re.search(r"judged by reference\s+24\n", done.stdout), done.stdout
    assert re.search(r"cameras probed\s+24 \(\{'ok': 24\}\)", done.stdout), done.stdout
    assert re.search(r"not recorded\s+0", done.stdout) and "monitor peak memory" in done.stdout
    # The probe workers' CPU counts as the monitor's: the whole is more than the main process alone.
    total = re.search(r"monitor CPU\s+([\d.]+) core-s", done.stdout)
    main = re.search(r"of which main\s+([\d.]+) core-s", done.stdout)
    assert total and main and float(total[1]) > float(main[1]) > 0, done.stdout
    busy = re.search(r"machine busy\s+(\d+)% of its", done.stdout)
    assert busy and 0 < int(busy[1]) <= 100, done.stdout
