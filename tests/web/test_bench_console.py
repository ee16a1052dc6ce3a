"""The console benchmark's quick variant still runs and prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_console.py"


@pytest.mark.slow
def test_quick_console_benchmark_prints_first_render_times() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("overview", "map (all drawn)", "map zoom redraw"):
        assert name in result.stdout, result.stdout
    assert "1,000 cameras" in result.stdout
