"""ProbePool: probes run in long-lived worker processes, each supervised by a thread of the caller.

Why processes: FFmpeg parses whatever a camera sends. A decoder crash, a stream that makes FFmpeg
block in a place no timeout reaches, or a picture that asks for gigabytes must cost one probe, not
the monitor. Each worker is a spawned process with an address-space limit (RLIMIT_AS); it imports
PyAV once and then serves probe after probe, so a probe pays no process start or import.

Supervision: the thread that owns a worker sends it one job at a time and waits for the answer until
the job's hard deadline (its timeout plus a grace period). The worker reports the stage it reached
(connecting, connected, handshake, first_frame) as it goes, so that when the deadline passes the
supervisor can kill it (SIGKILL), start a replacement, and still say what went wrong: an `offline`
camera that never completed the handshake, or a `stream_error` stream that stalled. A worker that
dies (a signal, an exhausted memory limit) yields a `stream_error` result; nothing is raised to the
caller for a camera's fault.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from qarauyl.domain.stream_url import redact_url
from qarauyl.probe.job import ProbeJob, run_job
from qarauyl.probe.result import OFFLINE, STREAM_ERROR, ProbeResult, ProbeTimings, failure

Runner = Callable[[ProbeJob, Callable[[str], None]], ProbeResult]

DEFAULT_MEMORY_LIMIT_MB = 2048  # address space per worker: PyAV + numpy + OpenCV map ~600 MB before work
WORKER_START_TIMEOUT = 60.0  # a cold start imports PyAV, numpy and OpenCV; on 2 busy cores this can be slow


@dataclass(frozen=True)
class _WorkerSettings:
    memory_limit_mb: int | None
    runner: Runner


def _worker_main(conn: Connection, settings: _WorkerSettings) -> None:
    """The worker process: apply limits, import once, then serve jobs until the pipe closes."""
    # Ctrl-C belongs to the caller, which then closes the pool; a worker must not die mid-answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if settings.memory_limit_mb:
        import resource

        limit = settings.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Warm the imports and one-time initialisations the first probe would otherwise pay for.
    import cv2

    from qarauyl.probe.rtsp import warm_up

    # Parallelism comes from the pool's processes; OpenCV's own thread pool inside each of them only
    # adds contention (measured: ~15% more CPU per probe with diagnosis on 2 cores).
    cv2.setNumThreads(1)
    warm_up()

    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the caller went away
        if job is None:
            return

        def report(stage: str) -> None:
            conn.send(("stage", stage))

        try:
            result = settings.runner(job, report)
        except MemoryError:
            result = failure(
                redact_url(job.url),
                STREAM_ERROR,
                "the stream needed more memory than a probe may use",
                ProbeTimings(),
            )
        except Exception as exc:  # a bug or an unexpected library error: one failed probe, not a dead worker
            result = failure(
                redact_url(job.url),
                STREAM_ERROR,
                f"the probe failed unexpectedly ({type(exc).__name__})",
                ProbeTimings(),
            )
        try:
            conn.send(("result", result))
        except (EOFError, OSError):
            return


class _Worker:
    """One worker process and the pipe to it; restarted on demand by its supervisor."""

    def __init__(self, context: Any, settings: _WorkerSettings) -> None:
        self._context = context
        self._settings = settings
        self.process: Any = None
        self.conn: Connection | None = None
        self.jobs_done = 0

    def start(self) -> None:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main, args=(child, self._settings), name="qarauyl-probe", daemon=True
        )
        process.start()
        child.close()
        self.process, self.conn = process, parent
        self.jobs_done = 0

    def wait_ready(self, timeout: float) -> bool:
        assert self.conn is not None
        try:
            if self.conn.poll(timeout):
                message = self.conn.recv()
                return bool(message[0] == "ready")
        except (EOFError, OSError):
            pass
        return False

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive() and self.conn is not None

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.kill()
            self.process.join(5)
            with contextlib.suppress(Exception):
                self.process.close()
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.process, self.conn = None, None

    def stop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.send(None)
        if self.process is not None:
            self.process.join(2)
        self.kill()


class ProbePool:
    """Process-isolated probing with a hard per-job deadline.

    `workers` is the concurrency: how many cameras are probed at the same time. Workers start at
    once (in parallel) so the first probes do not wait for imports. Use as a context manager, or
    call close().
    """

    def __init__(
        self,
        workers: int = 4,
        *,
        grace: float = 3.0,
        memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
        max_jobs_per_worker: int = 2000,
        start_method: str = "spawn",
        runner: Runner = run_job,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._grace = grace
        self._max_jobs = max_jobs_per_worker
        # spawn, not fork: the caller may hold threads, sockets and a database pool; a forked copy of
        # them is a classic source of deadlocks. A worker is started once and reused.
        self._context = multiprocessing.get_context(start_method)
        self._settings = _WorkerSettings(memory_limit_mb=memory_limit_mb, runner=runner)
        self._queue: queue.SimpleQueue[tuple[ProbeJob, Future[ProbeResult]] | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.restarts = 0  # workers replaced after a crash or a hard deadline (for metrics and tests)
        self._workers = [_Worker(self._context, self._settings) for _ in range(workers)]
        for worker in self._workers:
            worker.start()
        self._threads = [
            threading.Thread(
                target=self._supervise, args=(worker,), name=f"probe-supervisor-{i}", daemon=True
            )
            for i, worker in enumerate(self._workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def size(self) -> int:
        return len(self._workers)

    def submit(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        transport: str = "tcp",
        frames: int = 8,
    ) -> Future[ProbeResult]:
        """Queues one probe; the future always resolves to a ProbeResult (never an exception for a
        camera's fault)."""
        job = ProbeJob(url, username, password, timeout=timeout, transport=transport, frames=frames)
        return self.submit_job(job)

    def submit_job(self, job: ProbeJob) -> Future[ProbeResult]:
        future: Future[ProbeResult] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the probe pool is closed")
            self._queue.put((job, future))
        return future

    def map(self, jobs: Iterable[ProbeJob]) -> Iterator[ProbeResult]:
        """Probes all jobs, `size` at a time, yielding results in the order of `jobs`."""
        futures = [self.submit_job(job) for job in jobs]
        for future in futures:
            yield future.result()

    def close(self, *, cancel_pending: bool = False) -> None:
        """Stops the workers once the queued jobs are done (or cancelled, with `cancel_pending`: their
        futures are cancelled; jobs already running finish). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if cancel_pending:
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[1].cancel()
            for _ in self._threads:
                self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> ProbePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- supervision --------------------------------------------------------------------------

    def _supervise(self, worker: _Worker) -> None:
        ready: bool | None = None  # None: started, not yet known to be ready
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if ready is None:
                        ready = worker.wait_ready(WORKER_START_TIMEOUT)
                    if not ready or not worker.alive():
                        self._replace(worker)
                        ready = worker.wait_ready(WORKER_START_TIMEOUT)
                    if not ready:
                        result = failure(
                            redact_url(job.url),
                            STREAM_ERROR,
                            "no probe worker could be started",
                            ProbeTimings(),
                        )
                    else:
                        result = self._run(worker, job)
                        worker.jobs_done += 1
                    if worker.alive() and worker.jobs_done >= self._max_jobs:
                        worker.stop()  # recycled: bounds whatever a long-lived decoder process accumulates
                    if not worker.alive():
                        # Replace it now, so the next job does not wait for the imports.
                        self._replace(worker)
                        ready = None
                except Exception as exc:
                    # A caller's mistake (an unpicklable job) or a bug: that caller gets the exception,
                    # the worker is replaced (its state is unknown), and this supervisor carries on.
                    future.set_exception(exc)
                    self._replace(worker)
                    ready = None
                    continue
                except BaseException as exc:  # never leave a caller waiting on a future
                    future.set_exception(exc)
                    raise
                future.set_result(result)
        finally:
            worker.stop()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        worker.start()
        self.restarts += 1

    def _run(self, worker: _Worker, job: ProbeJob) -> ProbeResult:
        assert worker.conn is not None
        start = time.monotonic()
        deadline = start + job.timeout + self._grace
        stage = "queued"
        try:
            worker.conn.send(job)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    worker.kill()
                    return _deadline_result(job, stage, time.monotonic() - start)
                kind, payload = worker.conn.recv()
                if kind == "stage":
                    stage = payload
                elif kind == "result":
                    result: ProbeResult = payload
                    return result
        except (EOFError, OSError, BrokenPipeError):
            exitcode = _exitcode(worker)
            worker.kill()
            return _crash_result(job, stage, exitcode, time.monotonic() - start)


def _exitcode(worker: _Worker) -> int | None:
    if worker.process is None:
        return None
    worker.process.join(2)
    code: int | None = worker.process.exitcode
    return code


def _deadline_result(job: ProbeJob, stage: str, elapsed: float) -> ProbeResult:
    timings = ProbeTimings(total_ms=elapsed * 1000.0)
    shown = redact_url(job.url)
    if stage in ("queued", "connecting"):
        return failure(
            shown, OFFLINE, f"no answer within {job.timeout:.1f} s (the probe was stopped)", timings
        )
    if stage == "connected":
        return failure(
            shown,
            OFFLINE,
            f"the camera accepted the connection but did not set up the stream within "
            f"{job.timeout:.1f} s (the probe was stopped)",
            timings,
        )
    if stage == "handshake":
        return failure(
            shown,
            STREAM_ERROR,
            f"the stream was set up but no picture came within {job.timeout:.1f} s (the probe was stopped)",
            timings,
        )
    return failure(
        shown,
        STREAM_ERROR,
        f"the stream stalled after the first picture (the probe was stopped after {elapsed:.1f} s)",
        timings,
    )


def _crash_result(job: ProbeJob, stage: str, exitcode: int | None, elapsed: float) -> ProbeResult:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exit status {exitcode}"
    message = (
        f"the decoder crashed on this stream at stage '{stage}' (probe worker {how}); the worker was replaced"
    )
    return failure(redact_url(job.url), STREAM_ERROR, message, ProbeTimings(total_ms=elapsed * 1000.0))
