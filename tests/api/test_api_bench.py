"""Keeps bench/bench_api.py from rotting: its quick variant runs end to end on SQLite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_api.py"


@pytest.mark.slow
def test_bench_api_quick_prints_percentiles() -> None:
    command = [sys.executable, str(BENCH), "--quick", "--backend", "sqlite"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if re.search(r"p50=\s*[\d.]+ ms\s+p95=.*p99=", line)]
    assert len(lines) == 6, result.stdout  # three endpoints, printed live and in the summary
    assert "warning" not in result.stdout
