"""ProbePool: probes run in long-lived worker processes, each supervised by a thread of the caller.

Why processes: FFmpeg parses whatever a camera sends. A decoder crash, a stream that makes FFmpeg
block in a place no timeout reaches, or a picture that asks for gigabytes must cost one probe, not
the monitor. Each worker is a spawned process with an address-space limit (RLIMIT_AS); it imports
PyAV once and then serves probe after probe, so a probe pays no process start or import.

Supervision: the thread that owns a worker sends it jobs and waits for each answer until that job's
hard deadline (its timeout plus a grace period). The worker records the stage each job reached
(connecting, connected, handshake, first_frame) on a board in shared memory as it goes, so that when
the deadline passes the supervisor can kill it (SIGKILL), start a replacement, and still say what went
wrong: an `offline` camera that never completed the handshake, or a `stream_error` stream that
stalled. A worker that dies (a signal, an exhausted memory limit) yields a `stream_error` result;
nothing is raised to the caller for a camera's fault.

Slots: a probe mostly waits (for the handshake, for the next keyframe, for frames at the camera's
rate), and PyAV releases the GIL while it waits and decodes, so one worker process can run several
probes in threads (`slots`). That keeps the memory of a large fleet's concurrency to a few processes.
The price is shared fate, handled here: when one job hangs past its deadline its worker is killed, and
the other jobs it was running are retried on the replacement; when a worker with several jobs crashes,
nobody knows which stream did it, so each of them is retried alone, and only the culprit crashes again.

Analysis slots: work on the pictures that needs no camera (the monitor's diagnosis) can be given as an
`analyser`. A job's stream thread then closes the camera's stream, reports the stage `analysing`, and hands
the pictures to one of the worker's `analysis_slots` threads, which run at a lower CPU priority; the slot
takes the next camera at once. `slots` thus counts the streams open at the same time, and the analysis
overlaps them instead of holding a stream slot (measured at 16 streams of 360p on 2 cores: 143/s against
116/s, with the same CPU per probe). The lower priority keeps the open streams' packets from queueing
behind a diagnosis. Memory stays bounded: a worker holds at most `slots + analysis_slots` jobs' pictures,
and a stream slot waits while the analysis is that far behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from typing import Any

from qarauyl.domain.stream_url import redact_url
from qarauyl.probe.job import ProbeJob, run_job
from qarauyl.probe.result import ANALYSING, OFFLINE, STREAM_ERROR, ProbeResult, ProbeTimings, failure

Runner = Callable[[ProbeJob, Callable[[str], None]], ProbeResult]
# Work on a probe's pictures once the camera's connection is closed (the monitor's diagnosis).
Analyser = Callable[[ProbeJob, ProbeResult], ProbeResult]

# How much the analysis threads yield to the stream threads (nice +10: about a tenth of the CPU share of
# a stream thread when both want it). A stream thread that waits for a core lets the camera's packets
# queue and stretches every open stream; analysis that waits only delays a verdict.
ANALYSIS_NICENESS = 10

DEFAULT_MEMORY_LIMIT_MB = 2048  # address space per worker: PyAV + numpy + OpenCV map ~600 MB before work
WORKER_START_TIMEOUT = 60.0  # a cold start imports PyAV, numpy and OpenCV; on 2 busy cores this can be slow


@dataclass(frozen=True)
class _WorkerSettings:
    memory_limit_mb: int | None
    runner: Runner
    slots: int = 1
    analyser: Analyser | None = None
    analysis_slots: int = 0


_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def _main_module_left_behind(settings: _WorkerSettings) -> Iterator[None]:
    """Starts workers that do not import the caller's main module. A spawned process imports it again by
    default (as __mp_main__, so that functions defined there can be unpickled); for the `qarauyl` command
    that is the whole CLI with its web, planning and queue stacks, 60 MiB in every worker that probes never
    use. multiprocessing.spawn names the main module from sys.modules["__main__"] (its __spec__ or
    __file__), so a blank stand-in is put there while the process starts. Kept when the runner or the
    analyser lives in the main module (a script's own function): the worker needs it then."""
    functions = (settings.runner, settings.analyser)
    if any(getattr(f, "__module__", None) == "__main__" for f in functions if f is not None):
        yield
        return
    with _MAIN_SWAP:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _lower_priority() -> None:
    """Makes the calling thread yield the CPU to the worker's stream threads. Linux only, where nice is
    per thread; elsewhere the id would name a process, so nothing is changed there."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + ANALYSIS_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))


# What a job reports as it goes, in order (see rtsp.py); the index is what the stage board holds.
STAGES = ("queued", "connecting", "connected", "handshake", "first_frame", ANALYSING)


class _StageBoard:
    """Where each job in a worker has got to, in memory shared by the worker and its supervisor: a cell of
    (job id, stage index) per job the worker may hold. Job threads write it; the supervisor reads it only
    when a job is overdue or its worker died, to say what went wrong. A message per stage instead cost the
    supervisor four wake-ups per probe for nothing (with the worker's pickling, 0.2 ms of CPU per probe)."""

    def __init__(self, cells: Any) -> None:
        self._cells = cells  # a RawArray of 2 * jobs int64: job id (0: free), stage index
        self._lock = threading.Lock()  # claims between the worker's job threads

    @staticmethod
    def cells(context: Any, jobs: int) -> Any:
        return context.RawArray("q", 2 * jobs)

    def claim(self, job_id: int) -> int | None:
        """A free cell for `job_id`, or None when all are taken (the job then reports by message)."""
        with self._lock:
            for cell in range(0, len(self._cells), 2):
                if self._cells[cell] == 0:
                    self._cells[cell + 1] = 0
                    self._cells[cell] = job_id
                    return cell
        return None

    def write(self, cell: int, stage: str) -> None:
        self._cells[cell + 1] = STAGES.index(stage) if stage in STAGES else 0

    def release(self, cell: int | None) -> None:
        if cell is not None:
            self._cells[cell] = 0

    def stage_of(self, job_id: int) -> str | None:
        for cell in range(0, len(self._cells), 2):
            if self._cells[cell] == job_id:
                return STAGES[self._cells[cell + 1]]
        return None


def _worker_main(conn: Connection, settings: _WorkerSettings, stage_cells: Any) -> None:
    """The worker process: apply limits, import once, then serve jobs until the pipe closes."""
    # Ctrl-C belongs to the caller, which then closes the pool; a worker must not die mid-answer.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if settings.memory_limit_mb:
        import resource

        limit = settings.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Frame-sized blocks are reused instead of being faulted in afresh for every probe (see allocator.py).
    from qarauyl.probe.allocator import keep_freed_memory

    keep_freed_memory()
    # Warm the imports and one-time initialisations the first probe would otherwise pay for.
    import cv2

    from qarauyl.probe.rtsp import warm_up

    # Parallelism comes from the pool's processes; OpenCV's own thread pool inside each of them only
    # adds contention (measured: ~15% more CPU per probe with diagnosis on 2 cores).
    cv2.setNumThreads(1)
    warm_up()

    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:  # job threads answer on the one pipe
            conn.send(message)

    board = _StageBoard(stage_cells)

    def serve(job_id: int, job: ProbeJob) -> None:
        cell = board.claim(job_id)

        def report(stage: str) -> None:
            if cell is None:
                send(("stage", job_id, stage))
            else:
                board.write(cell, stage)

        result = _run_safely(job, lambda: settings.runner(job, report))
        analyser = settings.analyser
        if analyser is None:
            answer(job_id, cell, result)
        elif analysis is None or not result.ok:
            answer(job_id, cell, _run_safely(job, lambda: analyser(job, result)))
        else:
            # The stream is closed: free its slot for the next camera (the one stage the supervisor must
            # hear of at once, so always by message) and finish on an analysis thread.
            if cell is not None:
                board.write(cell, ANALYSING)
            send(("stage", job_id, ANALYSING))
            analysis.submit(lambda: answer(job_id, cell, _run_safely(job, lambda: analyser(job, result))))

    def answer(job_id: int, cell: int | None, result: ProbeResult) -> None:
        board.release(cell)
        with contextlib.suppress(EOFError, OSError):  # the caller went away
            send(("result", job_id, result))

    send(("ready", os.getpid()))
    executor = ThreadPoolExecutor(settings.slots, "probe") if settings.slots > 1 else None
    analysis = (
        ThreadPoolExecutor(settings.analysis_slots, "analysis", initializer=_lower_priority)
        if settings.analyser is not None  # the pool gives it at least one slot
        else None
    )
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break  # the caller went away
        if message is None:
            break
        job_id, job = message
        if executor is None:
            serve(job_id, job)
        else:
            executor.submit(serve, job_id, job)
    if executor is not None:
        executor.shutdown(wait=True)
    if analysis is not None:
        analysis.shutdown(wait=True)


def _run_safely(job: ProbeJob, run: Callable[[], ProbeResult]) -> ProbeResult:
    """`run()`, or a failed result for the camera if it raised: one failed probe, never a dead worker."""
    try:
        return run()
    except MemoryError:
        return failure(
            redact_url(job.url),
            STREAM_ERROR,
            "the stream needed more memory than a probe may use",
            ProbeTimings(),
            cause="too_big",
        )
    except Exception as exc:  # a bug or an unexpected library error
        return failure(
            redact_url(job.url),
            STREAM_ERROR,
            f"the probe failed unexpectedly ({type(exc).__name__})",
            ProbeTimings(),
            cause="probe_failed",
        )


class _Worker:
    """One worker process and the pipe to it; restarted on demand by its supervisor."""

    def __init__(self, context: Any, settings: _WorkerSettings) -> None:
        self._context = context
        self._settings = settings
        self.process: Any = None
        self.conn: Connection | None = None
        self.board: _StageBoard | None = None
        self.jobs_done = 0

    def start(self) -> None:
        parent, child = self._context.Pipe(duplex=True)
        # A fresh board per process: a killed worker's cells say where its jobs were, and stay readable.
        cells = _StageBoard.cells(self._context, self._settings.slots + self._settings.analysis_slots)
        process = self._context.Process(
            target=_worker_main, args=(child, self._settings, cells), name="qarauyl-probe", daemon=True
        )
        self.board = _StageBoard(cells)
        with _main_module_left_behind(self._settings):
            process.start()
        child.close()
        self.process, self.conn = process, parent
        self.jobs_done = 0

    def wait_ready(self, timeout: float, abort_fd: int) -> bool:
        """Whether the worker said it is ready within `timeout`; False at once when `abort_fd` is readable."""
        assert self.conn is not None
        try:
            if self.conn in wait_any([self.conn, abort_fd], timeout):
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


def worker_shape(concurrency: int, cores: int | None = None) -> tuple[int, int]:
    """(processes, slots each) for `concurrency` probes at once: two processes per core, and slots
    (threads) cover the waiting, so a large fleet's concurrency does not cost a process (~130 MiB) per
    camera in flight. Two per core rather than one: a process's stream threads share one interpreter lock
    with its diagnosis, and FFmpeg's timeout check takes that lock a thousand times a probe; a second
    process per core keeps streams moving while the other's Python runs (at 16 streams of 360p on 2 cores:
    5-10 % more probes per second; the 10,000-camera cycle 122 -> 115 s, its PSS 666 -> 767 MiB)."""
    processes = max(1, min(concurrency, 2 * (cores or os.cpu_count() or 2)))
    return processes, -(-concurrency // processes)


class ProbePool:
    """Process-isolated probing with a hard per-job deadline.

    `workers` processes run `slots` probes each: `workers * slots` cameras are probed at the same time.
    With an `analyser`, every result of `runner` is passed through it: a result with pictures on one of
    `analysis_slots` lower-priority threads per worker, after the stream has closed (see the module
    docstring), a failed one at once. Workers start at once (in parallel) so the first probes do not
    wait for imports. Use as a context manager, or call close().
    """

    def __init__(
        self,
        workers: int = 4,
        *,
        slots: int = 1,
        analyser: Analyser | None = None,
        analysis_slots: int = 1,
        grace: float = 3.0,
        memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
        max_jobs_per_worker: int = 2000,
        start_method: str = "spawn",
        runner: Runner = run_job,
    ) -> None:
        if workers < 1 or slots < 1:
            raise ValueError(f"workers and slots must be at least 1, got {workers} and {slots}")
        if analysis_slots < 1:
            raise ValueError(f"analysis_slots must be at least 1, got {analysis_slots}")
        self.slots = slots
        # Jobs a worker may hold beyond its open streams: those whose pictures wait for analysis.
        self.analysis_slots = analysis_slots if analyser is not None else 0
        self._grace = grace
        self._max_jobs = max_jobs_per_worker
        # spawn, not fork: the caller may hold threads, sockets and a database pool; a forked copy of
        # them is a classic source of deadlocks. A worker is started once and reused.
        self._context = multiprocessing.get_context(start_method)
        if memory_limit_mb and slots + self.analysis_slots > 1:
            # each running probe's decoder, frames and thread stack
            memory_limit_mb += 160 * (slots + self.analysis_slots - 1)
        self._settings = _WorkerSettings(memory_limit_mb, runner, slots, analyser, self.analysis_slots)
        self._queue: queue.SimpleQueue[tuple[ProbeJob, Future[ProbeResult]] | None] = queue.SimpleQueue()
        self._ids = iter(range(1, 2**62))
        self._closed = False
        self._lock = threading.Lock()
        # abort() writes to this pipe; every supervisor waits on it beside its worker, so that giving up
        # (Ctrl-C) takes effect at once rather than after the running probes' timeouts.
        self._abort_r, self._abort_w = os.pipe()
        self._aborted = False
        self._abort_pipe_closed = False
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
        """How many probes run at the same time."""
        return len(self._workers) * self.slots

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

    def map(self, jobs: Iterable[ProbeJob], *, ahead: int | None = None) -> Iterator[ProbeResult]:
        """Probes all jobs, `size` at a time, yielding results in the order of `jobs`. At most `ahead`
        (default: twice `size`) are submitted beyond the one the caller waits for, so that a long list
        does not hold every result (and its frames) in memory at once."""
        window: deque[Future[ProbeResult]] = deque()
        limit = max(1, ahead if ahead is not None else 2 * self.size)
        for job in jobs:
            window.append(self.submit_job(job))
            if len(window) > limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self, *, cancel_pending: bool = False) -> None:
        """Stops the workers once the queued jobs are done (or cancelled, with `cancel_pending`: their
        futures are cancelled; jobs already running finish). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if cancel_pending:
                self._drain_cancelled()
            for _ in self._threads:
                self._queue.put(None)
        for thread in self._threads:
            thread.join()
        with self._lock:
            self._abort_pipe_closed = True
            os.close(self._abort_r)
            os.close(self._abort_w)

    def abort(self) -> None:
        """Gives up on all work at once: queued jobs are cancelled, running ones abandoned (their futures
        raise CancelledError) and every worker is killed. For a caller that is leaving: Ctrl-C, or its
        own failure. Idempotent; close() afterwards does nothing more."""
        with self._lock:
            if self._aborted or self._abort_pipe_closed:
                return  # aborted already, or closed: nothing left to give up
            self._aborted = True
            os.write(self._abort_w, b"!")
        self.close(cancel_pending=True)

    def __enter__(self) -> ProbePool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Leaving on an exception (KeyboardInterrupt included) nobody will read the results: abandon them.
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    # -- supervision --------------------------------------------------------------------------

    def _supervise(self, worker: _Worker) -> None:
        """Feeds one worker up to `slots` jobs and enforces each job's deadline; see the module docstring."""
        flights: dict[int, _Flight] = {}
        retries: deque[_Flight] = deque()  # this worker's jobs to run again after it was replaced
        ready: bool | None = None  # None: started, not yet known to be ready
        closing = False
        try:
            while True:
                if not flights and worker.jobs_done >= self._max_jobs:
                    worker.stop()  # recycled: bounds whatever a long-lived decoder process accumulates
                    self._replace(worker)
                    ready = None
                # Take work while there is room: retries first, then the shared queue (blocking only
                # when idle, so that answers from running jobs are never left waiting).
                while self._has_room(worker, flights, retries) and not (closing and not retries):
                    if retries:
                        if retries[0].solo and flights:
                            break  # a suspect runs alone: wait for the others to finish
                        flight = retries.popleft()
                    else:
                        try:
                            item = self._queue.get(block=not flights, timeout=None)
                        except queue.Empty:
                            break
                        if item is None:
                            closing = True
                            break
                        job, future = item
                        if not future.set_running_or_notify_cancel():
                            continue
                        flight = _Flight(next(self._ids), job, future)
                    if ready is None or not worker.alive():
                        if not worker.alive():
                            self._replace(worker)
                        ready = worker.wait_ready(WORKER_START_TIMEOUT, self._abort_r)
                        if not ready and not self._aborted:
                            self._replace(worker)
                            ready = worker.wait_ready(WORKER_START_TIMEOUT, self._abort_r)
                    if self._aborted:
                        flight.future.set_exception(CancelledError())
                        raise _Aborted
                    if not ready:
                        ready = None
                        message = "no probe worker could be started"
                        flight.future.set_result(
                            failure(
                                redact_url(flight.job.url),
                                STREAM_ERROR,
                                message,
                                ProbeTimings(),
                                cause="probe_failed",
                            )
                        )
                        continue
                    assert worker.conn is not None
                    try:
                        worker.conn.send((flight.id, flight.job))
                    except (EOFError, OSError, BrokenPipeError):
                        retries.appendleft(flight)
                        self._fail_worker(worker, flights, retries)
                        ready = None
                        continue
                    except Exception as exc:
                        # A caller's mistake (an unpicklable job) or a bug: pickling fails before a byte is
                        # written, so that caller gets the exception and the worker carries on.
                        flight.future.set_exception(exc)
                        continue
                    flight.start = time.monotonic()
                    flight.deadline = flight.start + flight.job.timeout + self._grace
                    flights[flight.id] = flight
                if not flights:
                    if closing and not retries:
                        return
                    continue
                if not self._wait(worker, flights, retries, more=self._has_room(worker, flights, retries)):
                    ready = None  # the worker was killed or died; its replacement is starting
                    continue
        except _Aborted:
            for flight in [*flights.values(), *retries]:
                if not flight.future.done():
                    flight.future.set_exception(CancelledError())
            self._drain_cancelled()
        except BaseException as exc:  # never leave a caller waiting on a future
            for flight in [*flights.values(), *retries]:
                if not flight.future.done():
                    flight.future.set_exception(exc)
            raise
        finally:
            if self._aborted:
                worker.kill()
            else:
                worker.stop()

    def _drain_cancelled(self) -> None:
        """Cancels whatever is queued (close(cancel_pending=True), and after an abort a job submitted while
        abort() ran). The stop signs close() queued for the supervisors are put back: an aborted supervisor
        drains while close() may already have queued them, and one it swallowed left an idle supervisor
        waiting on the queue for ever, and close() (Ctrl-C in `qarauyl monitor`) joining it for ever."""
        stop_signs = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stop_signs += 1
            else:
                item[1].cancel()
        for _ in range(stop_signs):
            self._queue.put(None)

    def _wait_for(self, conn: Connection, timeout: float) -> bool:
        """Whether the worker has a message within `timeout`; raises _Aborted as soon as abort() is called."""
        ready = wait_any([conn, self._abort_r], timeout)
        if self._aborted:
            raise _Aborted
        return bool(ready)

    def _has_room(self, worker: _Worker, flights: dict[int, _Flight], retries: deque[_Flight]) -> bool:
        if worker.jobs_done >= self._max_jobs:
            return False  # due for recycling: let the running jobs finish first
        solo = any(f.solo for f in flights.values())
        if solo or (retries and retries[0].solo):
            return not flights
        streaming = sum(1 for f in flights.values() if f.stage != ANALYSING)
        return streaming < self.slots and len(flights) < self.slots + self.analysis_slots

    def _wait(
        self, worker: _Worker, flights: dict[int, _Flight], retries: deque[_Flight], *, more: bool
    ) -> bool:
        """Handles the worker's messages until one job ends or, with room for `more`, a short while.
        False when the worker had to be killed or died: it is replaced, its jobs answered or retried."""
        assert worker.conn is not None
        nearest = min(f.deadline for f in flights.values())
        remaining = nearest - time.monotonic()
        try:
            if remaining > 0 and self._wait_for(worker.conn, min(remaining, 0.05) if more else remaining):
                kind, job_id, payload = worker.conn.recv()
                flight = flights.get(job_id)
                if flight is None:
                    return True
                if kind == "stage":
                    flight.stage = payload
                    if payload == ANALYSING:
                        # The stream is done; its pictures wait for an analysis thread, which the pool's
                        # own backlog may delay: a fresh budget, so that a slow camera is not killed there.
                        flight.deadline = time.monotonic() + flight.job.timeout + self._grace
                elif kind == "result":
                    del flights[job_id]
                    worker.jobs_done += 1
                    flight.future.set_result(payload)
                return True
        except (EOFError, OSError, BrokenPipeError):
            self._fail_worker(worker, flights, retries)
            return False
        late = [f for f in flights.values() if f.deadline <= time.monotonic()]
        if not late:
            return True
        _read_stages(worker, late)
        self._replace(worker)  # before answering: whoever reads the answer finds a worker starting
        for flight in late:
            del flights[flight.id]
            flight.future.set_result(
                _deadline_result(flight.job, flight.stage, time.monotonic() - flight.start)
            )
        # The others were only sharing the process with a hung camera: they start again, untouched.
        for flight in flights.values():
            retries.append(flight.again(solo=flight.solo))
        flights.clear()
        return False

    def _fail_worker(self, worker: _Worker, flights: dict[int, _Flight], retries: deque[_Flight]) -> None:
        """The worker died under its running jobs. With one job the culprit is known; with several,
        each is retried alone (once), so that only the stream that crashes it is blamed."""
        exitcode = _exitcode(worker)
        _read_stages(worker, flights.values())
        self._replace(worker)
        alone = len(flights) == 1
        for flight in flights.values():
            if alone or flight.solo:
                elapsed = time.monotonic() - flight.start
                flight.future.set_result(_crash_result(flight.job, flight.stage, exitcode, elapsed))
            else:
                retries.append(flight.again(solo=True))
        flights.clear()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        worker.start()
        self.restarts += 1


class _Aborted(Exception):
    """Raised inside a supervisor when the pool is aborted, to leave its loop at once."""


@dataclass
class _Flight:
    """One job on its way through a worker."""

    id: int
    job: ProbeJob
    future: Future[ProbeResult]
    solo: bool = False  # suspected of crashing a worker: runs with no other job beside it
    stage: str = "queued"
    start: float = 0.0
    deadline: float = 0.0

    def again(self, *, solo: bool) -> _Flight:
        return _Flight(self.id, self.job, self.future, solo=solo)


def _read_stages(worker: _Worker, flights: Iterable[_Flight]) -> None:
    """Brings each flight's stage up to date from its worker's board (before the worker is replaced)."""
    if worker.board is None:
        return
    for flight in flights:
        flight.stage = worker.board.stage_of(flight.id) or flight.stage


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
            shown,
            OFFLINE,
            f"no answer within {job.timeout:.1f} s (the probe was stopped)",
            timings,
            cause="unreachable",
        )
    if stage == "connected":
        return failure(
            shown,
            OFFLINE,
            f"the camera accepted the connection but did not set up the stream within "
            f"{job.timeout:.1f} s (the probe was stopped)",
            timings,
            cause="silent",
        )
    if stage == "handshake":
        return failure(
            shown,
            STREAM_ERROR,
            f"the stream was set up but no picture came within {job.timeout:.1f} s (the probe was stopped)",
            timings,
            cause="no_video",
        )
    if stage == ANALYSING:
        return failure(
            shown,
            STREAM_ERROR,
            f"the pictures were received, but their analysis did not finish within {job.timeout:.1f} s "
            "(the probe was stopped)",
            timings,
            cause="analysis_slow",
        )
    return failure(
        shown,
        STREAM_ERROR,
        f"the stream stalled after the first picture (the probe was stopped after {elapsed:.1f} s)",
        timings,
        cause="stream_broke",
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
    return failure(
        redact_url(job.url),
        STREAM_ERROR,
        message,
        ProbeTimings(total_ms=elapsed * 1000.0),
        cause="probe_failed",
    )
