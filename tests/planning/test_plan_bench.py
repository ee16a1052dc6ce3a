"""The planning benchmarks' quick variants still run and still pass their own targets.

(bench/bench_planning_spopt.py needs spopt, which is not a project dependency; it is run by hand.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench(name: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(BENCH / name), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_scale_bench_quick() -> None:
    out = _bench("bench_planning_scale.py")
    assert "RESULT: PASS" in out
    assert "demand rows" in out and "peak RSS" in out


@pytest.mark.slow
def test_exactness_bench_quick() -> None:
    out = _bench("bench_planning_exactness.py")
    assert "RESULT: PASS" in out
