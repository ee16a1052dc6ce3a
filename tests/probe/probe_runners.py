"""Probe runners injected into ProbePool workers to play a misbehaving decoder: crash, hang, hog memory.

They stand in for a decoder bug (which we cannot summon on demand), not for our own code: the pool,
its supervision and the worker process are the real ones. One more looks inside a real worker: what a
diagnosis costs it in page faults (/page-faults). The last two are a job's two halves for a pool with
analysis slots (its stream, then its analysis), reporting where and when each ran.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

from qarauyl.probe import ProbeJob, ProbeResult, run_job
from qarauyl.probe.result import ProbeTimings, failure

_BARRIERS: dict[int, threading.Barrier] = {}
_BARRIERS_LOCK = threading.Lock()


def _meet(parties: int) -> bool:
    """True once `parties` jobs are running in this process at the same time (False after 10 s)."""
    with _BARRIERS_LOCK:
        barrier = _BARRIERS.setdefault(parties, threading.Barrier(parties))
    try:
        barrier.wait(timeout=10)
    except threading.BrokenBarrierError:
        return False
    return True


def _die_by_sigsegv() -> None:
    # A signal sent to the own process may be taken by another thread: the sender must not carry on
    # (it would fall through to a real probe and answer before the process dies).
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(60)


def diagnosis_page_faults() -> int:
    """Page faults this process takes over ten diagnoses of a 360p burst (after a first one)."""
    import resource

    import numpy as np

    from qarauyl.diagnosis import diagnose

    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (360, 640, 3), dtype=np.uint8) for _ in range(2)]
    diagnose(frames, reference=frames[0])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        diagnose(frames, reference=frames[0])
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def misbehaving_runner(job: ProbeJob, on_stage: Callable[[str], None]) -> ProbeResult:
    """Behaves as the URL's path says: /crash (SIGSEGV), /hang (ignores everything), /hog (4 GiB);
    for workers with several slots: /together-N (waits until N jobs run at once), /slow-pid,
    /crash-later (a crash while other jobs run beside it), /stall (a hang that needs no signal handler,
    which only a main thread may install); /page-faults reports what ten diagnoses cost the worker in page
    faults."""
    path = job.url.rsplit("/", 1)[-1]
    if path.startswith("together-"):
        met = _meet(int(path.split("-")[1]))
        return ProbeResult(url=job.url, metrics={"pid": float(os.getpid()), "met": float(met)})
    if path == "slow-pid":
        time.sleep(3.0)  # still running when a 1 s job beside it passes its deadline (timeout + grace)
        return ProbeResult(url=job.url, metrics={"pid": float(os.getpid())})
    if path == "crash-later":
        on_stage("handshake")
        time.sleep(0.3)
        _die_by_sigsegv()
    if path == "stall":
        on_stage("connecting")
        while True:
            time.sleep(1)
    if job.url.endswith("/crash"):
        on_stage("connected")
        on_stage("handshake")
        _die_by_sigsegv()
    if job.url.endswith("/hang"):
        on_stage("connecting")
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(1)
    if job.url.endswith("/hang-after-frame"):
        on_stage("connected")
        on_stage("handshake")
        on_stage("first_frame")
        while True:
            time.sleep(1)
    if job.url.endswith("/hog"):
        hog = bytearray(4 * 1024**3)  # over the worker's address-space limit
        return run_job(ProbeJob(job.url + str(len(hog))), on_stage)
    if job.url.endswith("/page-faults"):
        return ProbeResult(url=job.url, metrics={"faults": float(diagnosis_page_faults())})
    if job.url.endswith("/pid"):
        time.sleep(0.5)  # long enough that concurrent jobs must spread over the workers
        return ProbeResult(url=job.url, metrics={"pid": float(os.getpid())})
    return run_job(job, on_stage)


# -- a stream half and an analysis half, for pools with analysis slots ------------------------------

_STREAMED: dict[str, threading.Event] = {}
_HELD = {"now": 0, "most": 0}
_HELD_LOCK = threading.Lock()


def _streamed(name: str) -> threading.Event:
    with _BARRIERS_LOCK:
        return _STREAMED.setdefault(name, threading.Event())


def _thread_niceness() -> float:
    return float(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))


def stream_runner(job: ProbeJob, on_stage: Callable[[str], None]) -> ProbeResult:
    """The stream half: /fail-* fails as an offline camera would; /slow-stream takes 0.8 s; otherwise it
    marks its name as streamed and counts the jobs this worker holds."""
    name = job.url.rsplit("/", 1)[-1]
    on_stage("connecting")
    if name.startswith("fail-"):
        return failure(job.url, "offline", "nothing there", ProbeTimings(), cause="refused")
    if name == "slow-stream":
        time.sleep(0.8)
    with _HELD_LOCK:
        _HELD["now"] += 1
        _HELD["most"] = max(_HELD["most"], _HELD["now"])
    _streamed(name).set()
    return ProbeResult(url=job.url, metrics={"stream_niceness": _thread_niceness()})


def slow_analyser(job: ProbeJob, result: ProbeResult) -> ProbeResult:
    """The analysis half, as the URL's path says: /wait-for-NAME waits (up to 10 s) until the stream of
    NAME has been read in this worker; /slow-stream and /slow-analysis take 1.5 s; /raise raises.
    Reports the thread it ran on, its niceness and the most jobs this worker held at once."""
    name = job.url.rsplit("/", 1)[-1]
    metrics = dict(result.metrics)
    if name.startswith("wait-for-"):
        metrics["saw_it"] = float(_streamed(name.removeprefix("wait-for-")).wait(10))
    if name in ("slow-stream", "slow-analysis"):
        time.sleep(1.5)
    if name == "raise":
        raise RuntimeError("a bug in the analysis")
    with _HELD_LOCK:
        if result.ok:
            _HELD["now"] -= 1
        metrics["most_held"] = float(_HELD["most"])
    metrics["analysis_niceness"] = _thread_niceness()
    metrics["on_analysis_thread"] = float(threading.current_thread().name.startswith("analysis"))
    return ProbeResult(url=result.url, error=result.error, metrics=metrics)
