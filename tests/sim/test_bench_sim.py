"""Keeps bench/bench_sim.py from rotting: its quick variant runs and every client streams cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_sim.py"


@pytest.mark.slow
def test_bench_sim_quick(sim_cache: Path) -> None:
    r = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", "--cache-dir", str(sim_cache)],
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    figures = json.loads(r.stdout.strip().splitlines()[-1])
    assert figures["clients_ok"] == 20 and figures["seq_gaps"] == 0
    assert figures["mean_fps_per_client"] > 20
