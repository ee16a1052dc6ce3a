"""The probe workers' allocator setting: frame-sized arrays are reused, not faulted in afresh each time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from probe_runners import misbehaving_runner

from qarauyl.probe import ProbePool

HERE = Path(__file__).resolve().parent
# The page faults of ten diagnoses (probe_runners.diagnosis_page_faults), in a fresh interpreter: the setting
# is process-wide and must not leak into the test process.
_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from qarauyl.probe.allocator import keep_freed_memory
    kept = keep_freed_memory() if sys.argv[1] == "keep" else None
    from probe_runners import diagnosis_page_faults
    print(kept, diagnosis_page_faults())
    """
)


def _faults(mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode, str(HERE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    kept, faults = done.stdout.split()
    return kept, int(faults)


def test_freed_frames_are_reused_instead_of_faulted_in_again() -> None:
    _, default_faults = _faults("default")
    kept, kept_faults = _faults("keep")
    assert kept == "True"
    # By default glibc hands the arrays' pages back as they are freed and faults them in again: thousands
    # of faults per diagnosis (about 24,000 for ten here); kept, next to none.
    assert default_faults > 5_000
    assert kept_faults < default_faults / 20


def test_pool_workers_keep_freed_memory() -> None:
    # The same ten diagnoses in a probe worker: without the setting they take thousands of faults.
    with ProbePool(1, runner=misbehaving_runner) as pool:
        result = pool.submit("rtsp://127.0.0.1:9/page-faults", timeout=30).result(timeout=60)
    assert result.metrics["faults"] < 1_000
