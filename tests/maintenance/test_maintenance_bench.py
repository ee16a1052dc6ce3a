"""The maintenance benchmark's quick run, so that it keeps working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_maintenance.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "cameras 300" in result.stdout
    # One node's cameras fold into an incident, and the storm leaves as one message.
    assert "'node': 1" in result.stdout and "into 1 message(s)" in result.stdout
