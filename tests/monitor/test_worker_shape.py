"""How the monitor's pool is shaped: two worker processes per core, the rest of the concurrency in slots."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qarauyl.probe.pool import worker_shape


def test_two_processes_per_core_share_the_streams() -> None:
    assert worker_shape(16, cores=2) == (4, 4)  # the throughput bench's 16 streams
    assert worker_shape(36, cores=2) == (4, 9)  # the 10,000-camera fleet's default
    assert worker_shape(16, cores=8) == (16, 1)


def test_never_more_processes_than_streams() -> None:
    assert worker_shape(3, cores=2) == (3, 1)
    assert worker_shape(1, cores=4) == (1, 1)


@given(concurrency=st.integers(1, 500), cores=st.integers(1, 64))
def test_the_shape_holds_the_concurrency_with_less_than_one_slot_per_process_to_spare(
    concurrency: int, cores: int
) -> None:
    processes, slots = worker_shape(concurrency, cores)
    assert 1 <= processes <= 2 * cores
    assert processes * slots >= concurrency > processes * (slots - 1)
