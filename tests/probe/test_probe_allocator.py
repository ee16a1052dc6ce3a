"""The probe workers' allocator setting: frame-sized arrays are reused, not faulted in afresh each time."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from probe_runners import misbehaving_runner

from qarauyl.probe import ProbePool

# Page faults taken by ten diagnoses of a 360p burst, in a fresh interpreter (the setting is process-wide
# and must not leak into the test process).
_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from qarauyl.probe.allocator import keep_freed_memory
    kept = keep_freed_memory() if sys.argv[1] == "keep" else None
    from qarauyl.diagnosis import diagnose
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (360, 640, 3), dtype=np.uint8) for _ in range(2)]
    diagnose(frames, reference=frames[0])  # the first one faults its memory in either way
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        diagnose(frames, reference=frames[0])
    print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def _faults(mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, timeout=60, check=True
    )
    kept, faults = done.stdout.split()
    return kept, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
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
