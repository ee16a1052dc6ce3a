"""ProbePool analysis slots: once a camera's stream is closed, its pictures are analysed on a thread of
lower priority while the stream slot takes the next camera; the analysis is bounded, budgeted and cannot
take the worker down."""

from __future__ import annotations

import pytest
from probe_runners import slow_analyser, stream_runner

from qarauyl.probe import ProbePool

URL = "rtsp://127.0.0.1:9"


def _pool(slots: int = 1, analysis_slots: int = 1, grace: float = 1.0) -> ProbePool:
    return ProbePool(
        1,
        slots=slots,
        analysis_slots=analysis_slots,
        grace=grace,
        runner=stream_runner,
        analyser=slow_analyser,
    )


def test_the_stream_slot_takes_the_next_camera_while_the_last_is_analysed() -> None:
    # One stream slot: the second camera's stream can only be read while the first camera's analysis is
    # still waiting for it if the first job gave its slot up when its stream closed.
    with _pool(slots=1) as pool:
        first = pool.submit(f"{URL}/wait-for-second", timeout=15)
        second = pool.submit(f"{URL}/second", timeout=15)
        analysed, other = first.result(timeout=60), second.result(timeout=60)
    assert analysed.ok and other.ok
    assert analysed.metrics["saw_it"] == 1.0


def test_the_analysis_runs_on_its_own_thread_at_a_lower_priority() -> None:
    with _pool() as pool:
        result = pool.submit(f"{URL}/plain", timeout=15).result(timeout=60)
    assert result.metrics["on_analysis_thread"] == 1.0
    stream, analysis = result.metrics["stream_niceness"], result.metrics["analysis_niceness"]
    assert analysis == min(19.0, stream + 10.0)


def test_a_failed_probe_is_analysed_at_once_on_its_stream_thread() -> None:
    with _pool() as pool:
        result = pool.submit(f"{URL}/fail-offline", timeout=15).result(timeout=60)
    assert result.error is not None and result.error.code == "offline"
    assert result.metrics["on_analysis_thread"] == 0.0


def test_a_worker_holds_no_more_pictures_than_its_slots_allow() -> None:
    # Streams take no time and each analysis 1.5 s: without the bound every job would finish its stream at
    # once and wait with its pictures; with it, two stream slots and one analysis slot hold three at most.
    with _pool(slots=2, analysis_slots=1) as pool:
        futures = [pool.submit(f"{URL}/{i}/slow-analysis", timeout=30) for i in range(5)]
        results = [f.result(timeout=120) for f in futures]
    assert all(r.ok for r in results)
    assert max(r.metrics["most_held"] for r in results) == 3.0


def test_waiting_for_the_analysis_does_not_use_up_the_probes_deadline() -> None:
    # 0.8 s of stream and 1.5 s of analysis overrun a 1 s timeout plus 1 s of grace taken together; the
    # analysis gets a budget of its own, so the worker is not killed as if the camera had hung.
    with _pool() as pool:
        result = pool.submit(f"{URL}/slow-stream", timeout=1.0).result(timeout=60)
        assert pool.restarts == 0
    assert result.ok, result.error


def test_an_analysis_that_raises_is_one_failed_probe_and_the_worker_carries_on() -> None:
    with _pool() as pool:
        broken = pool.submit(f"{URL}/raise", timeout=15).result(timeout=60)
        after = pool.submit(f"{URL}/plain", timeout=15).result(timeout=60)
        assert pool.restarts == 0
    assert broken.error is not None and broken.error.code == "stream_error"
    assert "failed unexpectedly (RuntimeError)" in broken.error.message
    assert after.ok


def test_an_analyser_needs_an_analysis_slot() -> None:
    with pytest.raises(ValueError, match="analysis_slots must be at least 1"):
        ProbePool(1, analysis_slots=0, runner=stream_runner, analyser=slow_analyser)


def test_the_stage_board_holds_a_cell_per_job_and_says_where_each_got_to() -> None:
    import multiprocessing

    from qarauyl.probe.pool import _StageBoard

    board = _StageBoard(_StageBoard.cells(multiprocessing.get_context("spawn"), 2))
    first, second = board.claim(11), board.claim(12)
    assert first is not None and second is not None and board.claim(13) is None  # full: report by message
    board.write(first, "first_frame")
    board.write(second, "connected")
    assert (board.stage_of(11), board.stage_of(12), board.stage_of(13)) == ("first_frame", "connected", None)
    board.release(first)
    again = board.claim(13)
    assert again == first and board.stage_of(13) == "queued" and board.stage_of(11) is None
