"""ProbePool: real worker processes, real streams, and injected misbehaving decoders (probe_runners.py)."""

from __future__ import annotations

import pickle
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future
from types import SimpleNamespace
from typing import Any

import pytest
from probe_runners import misbehaving_runner
from probe_servers import CAMERA_PASSWORD, CAMERA_USER, silent_listener

from qarauyl.probe import ProbeJob, ProbePool, ProbeResult


@pytest.fixture(scope="module")
def rough_pool() -> Iterator[ProbePool]:
    with ProbePool(2, grace=1.0, memory_limit_mb=1536, runner=misbehaving_runner) as pool:
        yield pool


def test_pool_probes_real_streams_concurrently(pool: ProbePool, gst_port: int, gst_auth_port: int) -> None:
    jobs = [
        ProbeJob(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=3),
        ProbeJob(
            f"rtsp://127.0.0.1:{gst_auth_port}/test", CAMERA_USER, CAMERA_PASSWORD, timeout=10, frames=3
        ),
        ProbeJob(f"rtsp://127.0.0.1:{gst_auth_port}/test", CAMERA_USER, "wrong", timeout=10),
        ProbeJob("file:///etc/passwd", timeout=10),
    ]
    results = list(pool.map(jobs))
    assert [r.ok for r in results] == [True, True, False, False]
    assert results[0].stream is not None and results[0].stream.width == 640
    assert len(results[1].frames) == 3 and results[1].frames[0].shape == (360, 640, 3)
    assert results[2].error is not None and results[2].error.code == "auth_failed"
    assert results[3].error is not None and results[3].error.code == "stream_error"
    assert CAMERA_PASSWORD not in repr(jobs) + repr(results)


def test_results_are_picklable(pool: ProbePool, gst_port: int) -> None:
    result = pool.submit(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=2).result()
    copy: ProbeResult = pickle.loads(pickle.dumps(result))
    assert copy.ok and copy.stream == result.stream and len(copy.frames) == 2


def test_a_never_answering_camera_costs_only_its_timeout_and_blocks_nobody(
    pool: ProbePool, gst_port: int
) -> None:
    with silent_listener() as port:
        start = time.monotonic()
        stuck = pool.submit(f"rtsp://127.0.0.1:{port}/x", timeout=2.0)
        fine = pool.submit(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=2)
        assert fine.result(timeout=10).ok
        fine_elapsed = time.monotonic() - start
        result = stuck.result(timeout=10)
        elapsed = time.monotonic() - start
    assert fine_elapsed < 1.9  # done while the other worker still waits on the silent camera
    assert 1.8 < elapsed < 3.0
    assert result.error is not None and result.error.code == "offline"


def test_decoder_crash_becomes_a_result_and_the_worker_is_replaced(rough_pool: ProbePool) -> None:
    before = rough_pool.restarts
    result = rough_pool.submit("rtsp://127.0.0.1:9/crash", timeout=5).result(timeout=30)
    assert result.error is not None and result.error.code == "stream_error"
    assert "SIGSEGV" in result.error.message and "handshake" in result.error.message
    assert rough_pool.restarts == before + 1
    futures = [rough_pool.submit(f"rtsp://127.0.0.1:9/{i}/pid", timeout=5) for i in range(4)]
    pids = [f.result(timeout=30).metrics["pid"] for f in futures]
    # Both workers serve again (the replacement too), reused across jobs: 4 jobs, 2 processes.
    assert len(set(pids)) == 2


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        ("hang", "offline", "no answer"),
        ("hang-after-frame", "stream_error", "stalled after the first picture"),
    ],
)
def test_hung_worker_is_killed_at_the_hard_deadline(
    rough_pool: ProbePool, path: str, code: str, words: str
) -> None:
    start = time.monotonic()
    result = rough_pool.submit(f"rtsp://127.0.0.1:9/{path}", timeout=1.0).result(timeout=30)
    elapsed = time.monotonic() - start
    assert 1.9 < elapsed < 3.5  # timeout 1 s + grace 1 s, not forever
    assert result.error is not None and result.error.code == code
    assert words in result.error.message


def test_memory_hog_is_stopped_by_the_worker_limit(rough_pool: ProbePool) -> None:
    result = rough_pool.submit("rtsp://127.0.0.1:9/hog", timeout=5).result(timeout=30)
    assert result.error is not None and result.error.code == "stream_error"
    assert "memory" in result.error.message
    assert rough_pool.submit("rtsp://127.0.0.1:9/after/pid", timeout=5).result(timeout=30).metrics["pid"] > 0


def test_closed_pool_refuses_work() -> None:
    pool = ProbePool(1)
    pool.close()
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit("rtsp://127.0.0.1/x")


def test_close_can_cancel_what_has_not_started(rough_pool: ProbePool) -> None:
    pool = ProbePool(1, grace=1.0, runner=misbehaving_runner)
    running = pool.submit("rtsp://127.0.0.1:9/first/pid", timeout=5)
    running.result(timeout=30)
    slow = pool.submit("rtsp://127.0.0.1:9/hang", timeout=1.0)
    queued = [pool.submit(f"rtsp://127.0.0.1:9/{i}/pid", timeout=5) for i in range(3)]
    time.sleep(0.2)
    pool.close(cancel_pending=True)
    assert all(future.cancelled() for future in queued)
    assert slow.result(timeout=10).error is not None  # the running job still got its answer


def test_leaving_on_an_exception_abandons_running_and_queued_jobs_at_once() -> None:
    """Ctrl-C in a caller's `with pool:` must not wait out the running probes' timeouts."""
    with ProbePool(2, slots=2, grace=1.0, runner=misbehaving_runner) as warm:
        assert warm.submit("rtsp://127.0.0.1:9/w/pid", timeout=5).result(timeout=60).metrics["pid"] > 0
        pool = warm
        running = [pool.submit(f"rtsp://127.0.0.1:9/{i}/stall", timeout=30) for i in range(4)]
        queued = [pool.submit(f"rtsp://127.0.0.1:9/{i}/pid", timeout=30) for i in range(6)]
        time.sleep(1.0)  # the stalls are running, the rest wait for a slot
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt), pool:
            raise KeyboardInterrupt
    assert time.monotonic() - start < 5  # not the stalls' 30 s timeout
    for future in running:
        with pytest.raises(CancelledError):
            future.result(timeout=1)
    assert all(future.cancelled() for future in queued)
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit("rtsp://127.0.0.1:9/x")
    pool.abort()  # idempotent, and harmless once closed


def test_map_keeps_only_a_window_of_jobs_in_flight(rough_pool: ProbePool) -> None:
    """A long URL list must not hold every result (and its frames) until the end."""
    pulled = []

    def jobs() -> Iterator[ProbeJob]:
        for i in range(12):
            pulled.append(i)
            yield ProbeJob(f"rtsp://127.0.0.1:9/{i}/pid", timeout=5)

    results = rough_pool.map(jobs(), ahead=3)
    assert next(results).url.endswith("/0/pid")
    assert len(pulled) == 4  # the one waited for and three ahead
    assert [r.url.rsplit("/", 2)[1] for r in results] == [str(i) for i in range(1, 12)]


def test_a_one_off_probe_is_diagnosed_in_the_worker_and_its_frames_stay_there(gst_port: int) -> None:
    from qarauyl.probe.diagnosed import diagnose_probe

    url = f"rtsp://127.0.0.1:{gst_port}/test"
    with ProbePool(1, analyser=diagnose_probe) as pool:
        diagnosed = pool.submit(url, timeout=10, frames=3).result(timeout=60)
        failed = pool.submit("rtsp://127.0.0.1:9/x", timeout=2).result(timeout=60)
    assert diagnosed.ok and diagnosed.frames == [] and diagnosed.stream is not None
    # GStreamer's test pattern is colour bars: what an encoder shows when its camera sends no signal.
    assert "no_signal" in {str(f.code) for f in diagnosed.findings}
    assert failed.error is not None and failed.findings == ()


def test_a_job_that_cannot_be_sent_fails_alone(rough_pool: ProbePool) -> None:
    class Unpicklable(ProbeJob):
        def __reduce__(self) -> str | tuple[object, ...]:
            raise TypeError("this job cannot be pickled")

    broken = rough_pool.submit_job(Unpicklable("rtsp://127.0.0.1:9/x"))
    with pytest.raises(TypeError, match="cannot be pickled"):
        broken.result(timeout=30)
    fine = [rough_pool.submit(f"rtsp://127.0.0.1:9/{i}/pid", timeout=5) for i in range(4)]
    assert all(future.result(timeout=60).metrics["pid"] > 0 for future in fine)


def test_draining_the_queue_cancels_jobs_and_keeps_the_supervisors_stop_signs() -> None:
    """An aborted supervisor drains the queue while close() may already have queued one stop sign per
    supervisor: a sign it swallowed left an idle supervisor waiting for ever (seen: Ctrl-C in the monitor
    with one camera hanging hung the whole run)."""
    jobs: queue.Queue[Any] = queue.Queue()
    waiting = [Future[Any]() for _ in range(2)]
    for item in (("job", waiting[0]), None, ("job", waiting[1]), None):
        jobs.put(item)
    ProbePool._drain_cancelled(SimpleNamespace(_queue=jobs))  # type: ignore[arg-type]
    assert all(future.cancelled() for future in waiting)
    assert [jobs.get_nowait() for _ in range(jobs.qsize())] == [None, None]


def test_aborting_with_one_supervisor_busy_and_one_idle_returns_at_once() -> None:
    for _ in range(3):  # a race: the busy one drains while abort() queues the stop signs
        pool = ProbePool(2, slots=1, grace=1.0, runner=misbehaving_runner)
        assert pool.submit("rtsp://127.0.0.1:9/w/pid", timeout=5).result(timeout=60).metrics["pid"] > 0
        stalled = pool.submit("rtsp://127.0.0.1:9/s/stall", timeout=30)
        time.sleep(0.5)  # one supervisor waits on its stalled worker, the other on the empty queue
        leaving = threading.Thread(target=pool.abort, daemon=True)
        start = time.monotonic()
        leaving.start()
        leaving.join(20)
        assert not leaving.is_alive(), "abort() waited on a supervisor for ever"
        assert time.monotonic() - start < 10
        with pytest.raises(CancelledError):
            stalled.result(timeout=1)
