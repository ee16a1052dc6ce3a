"""RemotePool: the monitor's side of remote probing, a drop-in for ProbePool's `submit_job` and `size`.

Each job is sealed and sent to a queue; one collector thread watches the results of the jobs in flight
and completes their futures. A job nobody answers within its deadline (no worker running, workers with
another secret key, a broker that lost it) fails its future with NoWorkerAnswered: the monitor then
records nothing for that camera, rather than calling a camera offline because a worker was missing.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from celery import Celery

from qarauyl.monitor.job import MonitorJob
from qarauyl.probe.job import ProbeJob
from qarauyl.probe.result import ProbeResult
from qarauyl.remote.names import DEFAULT_QUEUE, TASK
from qarauyl.remote.wire import Sealer, WireError

log = logging.getLogger("qarauyl.remote")

QUEUE_WAIT = 60.0  # seconds a job may wait for a free worker, on top of its own timeout
POLL = 0.05  # seconds between looks at the results in flight
SEND_RETRIES = 2
BACKLOG_PER_SLOT = 4  # jobs waiting in the queue per probe slot before the monitor stops adding more
BACKLOG_CHECK = 1.0  # seconds between looks at the queue's length


class NoWorkerAnswered(Exception):
    """No probe worker returned a verdict for a job in time, or the one that did could not run it."""


@dataclass
class _InFlight:
    camera_id: int
    result: Any  # celery.result.AsyncResult
    future: Future[ProbeResult]
    deadline: float


class RemotePool:
    def __init__(
        self,
        app: Celery,
        sealer: Sealer,
        *,
        size: int,
        queue: str = DEFAULT_QUEUE,
        queue_wait: float = QUEUE_WAIT,
    ) -> None:
        """`size`: probes the workers on `queue` run at once in all (the monitor keeps twice as many in
        flight)."""
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.app = app
        self.sealer = sealer
        self.queue = queue
        self.queue_wait = queue_wait
        self._size = size
        self._in_flight: list[_InFlight] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._backlog = (0, float("-inf"))  # (messages waiting, when counted)
        self._collector = threading.Thread(target=self._collect, name="remote-results", daemon=True)
        self._collector.start()

    @property
    def size(self) -> int:
        return self._size

    def submit_job(self, job: ProbeJob) -> Future[ProbeResult]:
        future: Future[ProbeResult] = Future()
        if not isinstance(job, MonitorJob):
            future.set_exception(TypeError("remote workers run monitor jobs only"))
            return future
        if self._closed.is_set():
            future.set_exception(RuntimeError("the remote pool is closed"))
            return future
        waiting = self.backlog()
        if waiting >= BACKLOG_PER_SLOT * self._size:
            # Nobody is taking jobs off the queue: adding a fleet's worth every cycle would only fill
            # the broker's memory with jobs that expire unread.
            future.set_exception(
                NoWorkerAnswered(
                    f"{waiting} probe jobs already wait on queue {self.queue!r} and no worker takes them: "
                    f"camera {job.camera_id} is not sent"
                )
            )
            return future
        wait = job.timeout + 15.0 + self.queue_wait
        try:
            sent = self.app.send_task(
                TASK,
                args=[self.sealer.seal_job(job)],
                queue=self.queue,
                expires=wait,  # a worker that gets it later drops it: the camera is due again by then
                retry=True,
                retry_policy={"max_retries": SEND_RETRIES, "interval_start": 0.5, "interval_step": 0.5},
            )
        except Exception as exc:  # the broker is down or refuses us: the message names it
            future.set_exception(NoWorkerAnswered(f"could not send the probe to the broker: {exc}"))
            return future
        with self._lock:
            self._in_flight.append(_InFlight(job.camera_id, sent, future, time.monotonic() + wait))
        return future

    def backlog(self) -> int:
        """Jobs waiting on the queue (counted at most once a second; 0 before the queue exists)."""
        count, at = self._backlog
        if time.monotonic() - at < BACKLOG_CHECK:
            return count
        try:
            with self.app.connection_for_write() as connection:
                count = int(
                    connection.default_channel.queue_declare(queue=self.queue, passive=True).message_count
                )
        except Exception:  # no such queue yet (nothing sent), or the broker is down: the send will say
            count = 0
        self._backlog = (count, time.monotonic())
        return count

    def _collect(self) -> None:
        while not self._closed.wait(POLL):
            with self._lock:
                flying = list(self._in_flight)
            finished: list[_InFlight] = []
            for item in flying:
                try:
                    if item.result.ready():
                        self._settle(item)
                        finished.append(item)
                    elif time.monotonic() > item.deadline:
                        item.future.set_exception(
                            NoWorkerAnswered(
                                f"no probe worker answered for camera {item.camera_id} on queue "
                                f"{self.queue!r} in time: is `qarauyl worker` running there, with this "
                                f"installation's secret key?"
                            )
                        )
                        finished.append(item)
                except Exception as exc:  # the result store is unreachable: keep trying until the deadline
                    if time.monotonic() > item.deadline:
                        item.future.set_exception(NoWorkerAnswered(f"the probe's result was lost: {exc}"))
                        finished.append(item)
            if finished:
                done = {id(item) for item in finished}
                with self._lock:
                    self._in_flight = [item for item in self._in_flight if id(item) not in done]

    def _settle(self, item: _InFlight) -> None:
        outcome = item.result
        if outcome.successful():
            try:
                item.future.set_result(self.sealer.open_result(outcome.get(timeout=5.0, propagate=True)))
            except WireError as exc:
                item.future.set_exception(NoWorkerAnswered(str(exc)))
        else:
            reason = outcome.result
            item.future.set_exception(
                NoWorkerAnswered(f"a probe worker could not probe camera {item.camera_id}: {reason}")
            )
        outcome.forget()  # results are read once: free the result store

    def close(self) -> None:
        self._closed.set()
        self._collector.join(timeout=5.0)
        with self._lock:
            flying, self._in_flight = self._in_flight, []
        for item in flying:
            if not item.future.done():
                item.future.set_exception(NoWorkerAnswered("the monitor stopped before the probe came back"))

    def __enter__(self) -> RemotePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
