"""The monitor: probes every connected camera on a schedule and records what it finds.

Probing runs in a ProbePool (worker processes); this module only decides who is due, hands jobs
to the pool, and writes results in batches. A database that is briefly unreachable does not stop
probing: results wait in memory (bounded) and are written when it answers again.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from qarauyl.errors import first_line
from qarauyl.health import HealthPolicy
from qarauyl.monitor.job import MonitorJob, MonitorResult, analyse_probe, probe_for_monitor
from qarauyl.monitor.recording import Recorded, prune_history, record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.monitor.targets import Target, load_targets, unprobeable
from qarauyl.monitor.unmonitored import settle_unmonitored
from qarauyl.probe.job import ProbeJob
from qarauyl.probe.pool import ProbePool, worker_shape
from qarauyl.probe.result import ProbeResult
from qarauyl.security import CredentialCipher
from qarauyl.store import Database

log = logging.getLogger("qarauyl.monitor")

# Diagnosis threads per probe worker. Each worker process is meant to keep one core busy, so one thread
# does: at 16 streams of 360p on 2 cores, one and two measured the same (143/s), and each more holds
# another job's pictures.
ANALYSIS_SLOTS = 1
MAX_PENDING = 20_000  # results kept while the database is unreachable (about a cycle of a large fleet)


class JobRunner(Protocol):
    """Where probes run: a local ProbePool, or remote workers (qarauyl.remote.RemotePool)."""

    @property
    def size(self) -> int: ...

    def submit_job(self, job: ProbeJob) -> Future[ProbeResult]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class MonitorOptions:
    concurrency: int = 16  # cameras at once: ~1 s each, mostly waiting (see worker_shape)
    timeout: float = 10.0
    frames: int = 6
    transport: str = "tcp"
    interval: float = 300.0
    history: timedelta = timedelta(days=30)
    policy: HealthPolicy = field(default_factory=HealthPolicy)


@dataclass
class CycleSummary:
    probed: int = 0
    states: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)  # found, but kept from counting by fault rules
    causes: Counter[str] = field(default_factory=Counter)  # why the cameras failing access could not be read
    seconds: float = 0.0
    not_recorded: int = 0
    unanswered: int = 0  # probes that brought no result back (remote workers missing or refusing)
    # How far behind its place in the cycle the latest-started probe was (run_forever only): a cycle
    # spread over the interval always ends a probe's length after it, so its length alone says nothing.
    behind: float = 0.0
    unprobeable: list[str] = field(default_factory=list)  # connected cameras with no stream URL to probe

    def add(self, recorded: Recorded) -> None:
        self.probed += 1
        self.states[recorded.state.value] += 1
        self.codes.update(recorded.codes)
        self.held.update(recorded.held)
        if recorded.cause:
            self.causes[recorded.cause] += 1


def not_probed(codes: list[str], shown: int = 10) -> str:
    """The sentence for connected cameras left out of the cycle, naming the first few."""
    named = ", ".join(codes[:shown]) + (f" and {len(codes) - shown} more" if len(codes) > shown else "")
    return (
        f"{len(codes)} connected camera(s) have no stream URL and were not probed: {named}. "
        "Give them a main or sub-stream URL in the register, or change their lifecycle."
    )


def monitor_pool(concurrency: int) -> ProbePool:
    """The pool that runs monitor jobs: `concurrency` streams open at once, shaped by `worker_shape`, and
    each worker's diagnosis on an analysis thread of its own once a camera's stream is closed, so that
    the stream slot takes the next camera meanwhile (see qarauyl/probe/pool.py)."""
    processes, slots = worker_shape(concurrency)
    return ProbePool(
        processes,
        slots=slots,
        runner=probe_for_monitor,
        analyser=analyse_probe,
        analysis_slots=ANALYSIS_SLOTS,
    )


def behind_schedule(behind: float, interval: float) -> bool:
    """Whether probes starting `behind` seconds after their place in the cycle mean that the fleet does not
    fit the interval: more than a tenth of it, and more than a second of the scheduler's own jitter."""
    return behind > max(1.0, 0.1 * interval)


def phase(camera_id: int, interval: float) -> float:
    """Where in the cycle a camera is probed: spread evenly and stable across restarts."""
    return (zlib.crc32(camera_id.to_bytes(8, "little")) / 2**32) * interval


class Monitor:
    def __init__(
        self,
        db: Database,
        cipher: CredentialCipher,
        snapshots: SnapshotStore,
        options: MonitorOptions = MonitorOptions(),
        pool: JobRunner | None = None,
        on_recorded: Callable[[list[Recorded]], None] | None = None,
    ) -> None:
        """`on_recorded` hears of every batch written (the maintenance worker turns it into tickets);
        it runs on the thread that records (in `run_forever`, the recorder's), so it must return at once."""
        self.db = db
        self.on_recorded = on_recorded
        self.cipher = cipher
        self.snapshots = snapshots
        self.options = options
        self._own_pool = pool is None
        self.pool: JobRunner = pool or monitor_pool(options.concurrency)
        self._pending: list[tuple[int, ProbeResult, datetime]] = []
        self._lock = threading.Lock()
        # One flush at a time: two batches written at once could store a camera's later result first.
        self._flushing = threading.Lock()
        # Per camera: (its reference's stored path, what a worker measured on that picture). A few hundred
        # bytes per camera, in memory only: a restart measures each reference once more.
        self._measured: dict[int, tuple[str, dict[str, Any]]] = {}

    def close(self) -> None:
        if self._own_pool:
            self.pool.close()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Leaving on Ctrl-C or a failure: the cycle's results will not be recorded, so its own pool's
        # running probes are abandoned rather than waited for (a caller's pool is the caller's to close).
        if exc_type is not None and isinstance(self.pool, ProbePool) and self._own_pool:
            self.pool.abort()
        else:
            self.close()

    def _job(self, target: Target) -> MonitorJob:
        jpeg, parts = self._reference(target)
        return MonitorJob(
            target.url,
            target.username,
            target.password,
            timeout=self.options.timeout,
            transport=target.transport or self.options.transport,
            frames=self.options.frames,
            keep_frames=False,
            camera_id=target.camera_id,
            reference_jpeg=jpeg,
            reference_parts=parts,
            reference_measurements=self._measurements(target),
            baseline=target.baseline,
            profile=target.profile,
        )

    def _reference(self, target: Target) -> tuple[bytes | None, bytes | None]:
        """The reference's JPEG and its prepared parts, if a probe has made them (None, None without one)."""
        if not target.reference_path:
            return None, None
        try:
            jpeg = self.snapshots.read(target.reference_path)
        except Exception:
            return None, None  # a lost reference file is relearnt, not fatal
        try:
            parts = self.snapshots.read_reference_parts(target.reference_path)
        except OSError:
            parts = None  # prepared again from the JPEG
        return jpeg, parts

    def _keep_parts(self, target: Target, result: ProbeResult) -> ProbeResult:
        """Keeps the parts a probe prepared of the camera's reference beside its JPEG, for the next probes,
        and returns the result without them (170 KB each: results wait in memory for the database)."""
        if not isinstance(result, MonitorResult) or not result.reference_parts:
            return result
        if target.reference_path:
            try:
                self.snapshots.save_reference_parts(target.reference_path, result.reference_parts)
            except Exception as exc:  # a full disk, say: the next probe of the camera tries again
                log.warning("could not keep the prepared reference of camera %s: %s", target.code, exc)
        return replace(result, reference_parts=None)

    def _measurements(self, target: Target) -> dict[str, Any] | None:
        with self._lock:
            kept = self._measured.get(target.camera_id)
        # Only for the same picture: a re-taken or relearnt reference is stored under a new path.
        return kept[1] if kept is not None and kept[0] == target.reference_path else None

    def _forget_all_but(self, targets: list[Target]) -> None:
        """Drops the kept measurements of cameras no longer monitored (deleted, or no longer connected):
        their references are measured afresh if they come back."""
        wanted = {t.camera_id for t in targets}
        with self._lock:
            for camera_id in self._measured.keys() - wanted:
                del self._measured[camera_id]

    def _settle_unmonitored(self) -> None:
        """Sets to unknown the health that a change of lifecycle left on a camera no longer connected where
        no path settled it (an old database, a write by hand); at each reading of the whole fleet."""
        try:
            with self.db.session() as session:
                settled = settle_unmonitored(session)
        except Exception as exc:  # the next reading of the fleet tries again; probing goes on
            log.warning("could not set the health of unmonitored cameras to unknown: %s", exc)
        else:
            if settled:
                log.info("%d camera(s) no longer connected: their health is now unknown", settled)

    def _submit(self, target: Target) -> Future[bool]:
        """Queues the camera's probe. The future returned resolves once its result waits to be recorded
        (the pool's own resolves before its callbacks ran): to whether no answer came back."""
        future = self.pool.submit_job(self._job(target))
        handled: Future[bool] = Future()

        def done(f: Future[ProbeResult]) -> None:
            try:
                answered = take(f)
            except Exception:  # a bug here must neither stop the cycle nor leave it waiting
                log.exception("the result for camera %s could not be taken in", target.code)
                answered = False
            handled.set_result(not answered)

        def take(f: Future[ProbeResult]) -> bool:
            if f.cancelled():
                return False  # abandoned: the monitor is stopping (Ctrl-C), nothing to say per camera
            try:
                result = f.result()
            except Exception as exc:
                # A local pool never fails a camera's future (that would be a bug or a shutdown); remote
                # workers may not answer. Either way nothing is known of the camera: record nothing.
                log.warning("no result for camera %s this time: %s", target.code, str(exc) or repr(exc))
                return False
            result = self._keep_parts(target, result)
            measured = result.reference_measurements if isinstance(result, MonitorResult) else None
            with self._lock:
                if measured and target.reference_path:
                    self._measured[target.camera_id] = (target.reference_path, measured)
                self._pending.append((target.camera_id, result, datetime.now(UTC)))
                if len(self._pending) > MAX_PENDING:
                    dropped = len(self._pending) - MAX_PENDING
                    del self._pending[:dropped]
                    log.warning("database unreachable for long: %d oldest results dropped", dropped)
            return True

        future.add_done_callback(done)
        return handled

    def flush(self, summary: CycleSummary | None = None) -> list[Recorded]:
        """Writes pending results; on a database error they stay pending for the next flush."""
        with self._flushing:
            return self._flush(summary)

    def _flush(self, summary: CycleSummary | None) -> list[Recorded]:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return []
        try:
            recorded = record_results(self.db, self.snapshots, batch, self.options.policy)
        except Exception as exc:
            log.error("could not record %d probe result(s), will retry: %s", len(batch), first_line(exc))
            with self._lock:
                self._pending[:0] = batch
            return []
        if summary is not None:
            for item in recorded:
                summary.add(item)
        if self.on_recorded is not None and recorded:
            try:
                self.on_recorded(recorded)
            except Exception:  # a listener's bug must not stop the probing
                log.exception("the recorded-results listener failed")
        return recorded

    def run_once(
        self, codes: set[str] | None = None, progress: Callable[[str, int, int], None] | None = None
    ) -> CycleSummary:
        """Probes every connected camera once (the pool bounds concurrency) and records the results."""
        start = time.monotonic()
        targets = load_targets(self.db, self.cipher, codes)
        if codes is None:  # the whole fleet: whoever is not in it has left
            self._forget_all_but(targets)
            self._settle_unmonitored()
        summary = CycleSummary(unprobeable=unprobeable(self.db, codes))
        # At most two jobs per probe slot in flight: a job carries the camera's reference picture (and its
        # prepared parts) and a finished one its snapshot, so a whole fleet queued at once would hold them all
        # in memory.
        window = self.pool.size * 2
        in_flight: deque[Future[bool]] = deque()
        done = 0
        try:
            for target in targets:
                while len(in_flight) >= window:
                    summary.unanswered += in_flight.popleft().result()  # its callback logs why
                    done += 1
                    self._one_done(summary, progress, done, len(targets))
                in_flight.append(self._submit(target))
            while in_flight:
                summary.unanswered += in_flight.popleft().result()
                done += 1
                self._one_done(summary, progress, done, len(targets))
        except KeyboardInterrupt:
            self._keep_what_came_back()
            raise
        self._drain(summary)
        summary.seconds = time.monotonic() - start
        return summary

    def _one_done(
        self, summary: CycleSummary, progress: Callable[[str, int, int], None] | None, done: int, total: int
    ) -> None:
        """Reports progress and writes what has come back every 50 cameras."""
        if progress:
            progress("probing", done, total)
        if done % 50 == 0:
            self.flush(summary)

    def _record_meanwhile(self, summary: CycleSummary) -> tuple[threading.Event, threading.Thread]:
        """Starts the thread that writes the cycle's results every second until the event is set."""
        done = threading.Event()

        def record() -> None:
            while not done.wait(1.0):
                self.flush(summary)

        thread = threading.Thread(target=record, name="qarauyl-recorder", daemon=True)
        thread.start()
        return done, thread

    def _keep_what_came_back(self) -> None:
        """On Ctrl-C, before the running probes are abandoned: the results already back are written (one
        attempt), so that an interrupted cycle still records the cameras it did probe."""
        with self._lock:
            waiting = len(self._pending)
        if waiting:
            recorded = self.flush()
            log.warning("interrupted: kept %d of %d result(s) already back", len(recorded), waiting)

    def _drain(self, summary: CycleSummary) -> None:
        for _ in range(3):
            self.flush(summary)
            with self._lock:
                if not self._pending:
                    return
            time.sleep(1.0)
        with self._lock:
            summary.not_recorded = len(self._pending)

    def run_forever(
        self, stop: threading.Event, on_cycle: Callable[[CycleSummary], None] | None = None
    ) -> None:
        """Every camera once per interval, each at its own phase; never all at once."""
        try:
            self._cycles(stop, on_cycle)
        except KeyboardInterrupt:
            self._keep_what_came_back()
            raise

    def _cycles(self, stop: threading.Event, on_cycle: Callable[[CycleSummary], None] | None) -> None:
        interval = self.options.interval
        while not stop.is_set():
            cycle_start = time.monotonic()
            summary = CycleSummary()
            try:
                targets = load_targets(self.db, self.cipher)
                summary.unprobeable = unprobeable(self.db)
            except Exception as exc:
                log.error("cannot read the camera list, retrying in 10 s: %s", exc)
                stop.wait(10)
                continue
            self._forget_all_but(targets)
            self._settle_unmonitored()
            if summary.unprobeable:
                log.warning("%s", not_probed(summary.unprobeable))
            queue = [(phase(t.camera_id, interval), t.camera_id, t) for t in targets]
            heapq.heapify(queue)
            in_flight: list[Future[bool]] = []
            # Results are written by a thread of their own: a database that is slow or locked (SQLite waits up
            # to its busy timeout) must not hold back the probes due meanwhile, which then wait in memory.
            recorded, recorder = self._record_meanwhile(summary)
            try:
                while queue and not stop.is_set():
                    due, _, target = queue[0]
                    wait = cycle_start + due - time.monotonic()
                    in_flight = [f for f in in_flight if not f.done()]
                    # Keep the pool fed but not flooded: a backlog means the cycle is longer than planned.
                    if wait <= 0 and len(in_flight) < self.pool.size * 2:
                        heapq.heappop(queue)
                        summary.behind = max(summary.behind, -wait)
                        in_flight.append(self._submit(target))
                        continue
                    stop.wait(min(max(wait, 0.01), 0.5))
                for future in in_flight:
                    summary.unanswered += future.result()
            finally:
                recorded.set()
                recorder.join()
            self._drain(summary)
            summary.seconds = time.monotonic() - cycle_start
            try:
                prune_history(self.db, self.options.history, datetime.now(UTC))
            except Exception as exc:
                log.error("could not prune probe history: %s", exc)
            if on_cycle:
                on_cycle(summary)
            if behind_schedule(summary.behind, interval):
                log.warning(
                    "probes fell up to %.0f s behind schedule: %d camera(s) do not fit a %.0f s interval at "
                    "concurrency %d; raise --concurrency or --interval",
                    summary.behind,
                    len(targets),
                    interval,
                    self.pool.size,
                )
            stop.wait(max(0.0, interval - (time.monotonic() - cycle_start)))
