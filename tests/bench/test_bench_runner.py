"""`python -m bench` (what `make bench` runs): it finds every benchmark and runs the ones asked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_lists_every_benchmark_script() -> None:
    done = _bench("--list")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()}
    assert listed == {path.stem.removeprefix("bench_") for path in (ROOT / "bench").glob("bench_*.py")}
    assert "monitor_scale  (no --quick)" in done.stdout.splitlines()


def test_runs_a_named_benchmark_quick_and_reports_it() -> None:
    done = _bench("--quick", "diagnosis_speed")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "=== diagnosis_speed ===" in done.stdout
    assert "ms per frame" in done.stdout or "ms/frame" in done.stdout
    assert "=== diagnosis_speed: ok in" in done.stdout


def test_an_unknown_name_is_refused_with_the_known_ones() -> None:
    done = _bench("no_such_bench")
    assert done.returncode == 2
    assert "unknown benchmark(s) no_such_bench" in done.stderr and "diagnosis_speed" in done.stderr
