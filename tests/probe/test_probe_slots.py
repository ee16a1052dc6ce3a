"""ProbePool workers with several slots: probes share a process, and a hung or crashing stream still
costs only itself (the innocent jobs beside it are retried, the culprit is found)."""

from __future__ import annotations

from probe_runners import misbehaving_runner

from qarauyl.probe import ProbePool


def test_one_worker_runs_its_slots_at_the_same_time() -> None:
    with ProbePool(1, slots=4, grace=1.0, runner=misbehaving_runner) as pool:
        assert pool.size == 4
        futures = [pool.submit(f"rtsp://127.0.0.1:9/{i}/together-4", timeout=15) for i in range(4)]
        results = [f.result(timeout=60) for f in futures]
    assert [r.metrics["met"] for r in results] == [1.0] * 4  # four jobs were running at once
    assert len({r.metrics["pid"] for r in results}) == 1  # in one process


def test_without_slots_jobs_do_not_overlap() -> None:
    # The same check fails with one slot: it proves the barrier measures real concurrency.
    with ProbePool(1, slots=1, grace=1.0, runner=misbehaving_runner) as pool:
        futures = [pool.submit(f"rtsp://127.0.0.1:9/{i}/together-2", timeout=15) for i in range(2)]
        assert [f.result(timeout=60).metrics["met"] for f in futures] == [0.0, 0.0]


def test_a_hung_job_is_stopped_and_the_jobs_beside_it_are_retried() -> None:
    with ProbePool(1, slots=3, grace=1.0, runner=misbehaving_runner) as pool:
        first_pid = (
            pool.submit("rtsp://127.0.0.1:9/0/together-1", timeout=5).result(timeout=60).metrics["pid"]
        )
        hung = pool.submit("rtsp://127.0.0.1:9/stall", timeout=1.0)
        beside = [pool.submit(f"rtsp://127.0.0.1:9/{i}/slow-pid", timeout=8) for i in range(2)]
        stopped = hung.result(timeout=60)
        finished = [f.result(timeout=60) for f in beside]
        assert pool.restarts == 1
    assert (
        stopped.error is not None and stopped.error.code == "offline" and "no answer" in stopped.error.message
    )
    assert stopped.error.cause == "unreachable"  # stopped while connecting: no answer on the network
    assert all(r.ok and r.metrics["pid"] != first_pid for r in finished)  # done again by the replacement


def test_a_crash_among_several_jobs_is_blamed_on_its_stream_alone() -> None:
    with ProbePool(1, slots=3, grace=1.0, runner=misbehaving_runner) as pool:
        crash = pool.submit("rtsp://127.0.0.1:9/crash-later", timeout=5)
        beside = [pool.submit(f"rtsp://127.0.0.1:9/{i}/slow-pid", timeout=8) for i in range(2)]
        crashed = crash.result(timeout=60)
        finished = [f.result(timeout=60) for f in beside]
    assert crashed.error is not None and crashed.error.code == "stream_error"
    assert crashed.error.cause == "probe_failed", crashed.error
    assert "SIGSEGV" in crashed.error.message
    assert all(r.ok and r.error is None for r in finished)
