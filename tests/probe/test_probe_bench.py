"""Keeps the probe throughput benchmark from rotting: its --quick variant runs and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_probe_throughput.py"


@pytest.mark.slow
def test_probe_throughput_benchmark_quick() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "full/ffmpeg" in done.stdout and "full/decode" in done.stdout
    assert "WARNING" not in done.stdout, done.stdout
    # The CPU meter sees every process: a process per camera (ffmpeg, reaped) costs far more than bare
    # decoding in long-lived workers, and the full probe does at least the decoding's work.
    found = re.search(r"CPU ms/probe full ([\d.]+) decode ([\d.]+) ffmpeg ([\d.]+)", done.stdout)
    assert found, done.stdout
    full, decode, ffmpeg = map(float, found.groups())
    assert ffmpeg > 2 * decode > 0, done.stdout
    assert full > decode, done.stdout
    # The steady state's row: every probe compared with the camera's reference, all of them answered.
    found = re.search(r"full\+ref/decode ([\d.]+)x +CPU ms/probe full\+ref ([\d.]+)", done.stdout)
    assert found, done.stdout
    assert float(found.group(2)) > decode, done.stdout
    # Cores kept busy = rate x CPU per probe: a share of the machine, which would be off by a thousand if the
    # units were mixed.
    busy = r"cores busy \(all processes, of (\d+)\): full ([\d.]+) .*, decode ([\d.]+)"
    found = re.search(busy, done.stdout)
    assert found, done.stdout
    cores, busy_full, busy_decode = int(found.group(1)), float(found.group(2)), float(found.group(3))
    assert 0.0 < busy_full <= cores + 0.5 and 0.0 < busy_decode <= cores + 0.5, done.stdout
