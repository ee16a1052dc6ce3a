"""The Celery application both sides share: one task, `qarauyl.probe`, JSON only (never pickle: a
broker must not be a way to run code on the workers), and a worker side that runs each job in a local
ProbePool so that a hostile stream costs a probe, not the worker."""

from __future__ import annotations

import threading

from celery import Celery

from qarauyl.monitor.job import MonitorResult
from qarauyl.monitor.service import monitor_pool
from qarauyl.probe.pool import ProbePool
from qarauyl.remote.names import DEFAULT_QUEUE, TASK
from qarauyl.remote.wire import Sealer

CONNECT_TIMEOUT = 5.0  # seconds to reach the broker before a send fails


def result_backend_for(broker_url: str) -> str:
    """Redis brokers keep results too; with RabbitMQ results come back as messages (rpc)."""
    return broker_url if broker_url.startswith(("redis://", "rediss://")) else "rpc://"


def make_app(broker_url: str) -> Celery:
    app = Celery("qarauyl", broker=broker_url, backend=result_backend_for(broker_url))
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_default_queue=DEFAULT_QUEUE,
        worker_prefetch_multiplier=1,  # a busy worker leaves jobs to idle ones
        task_acks_late=False,  # a job is not retried after a worker dies: its camera is due again soon
        result_expires=3600,
        broker_connection_timeout=CONNECT_TIMEOUT,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "socket_timeout": CONNECT_TIMEOUT,
            "socket_connect_timeout": CONNECT_TIMEOUT,
        },
        redis_socket_timeout=CONNECT_TIMEOUT,
        redis_socket_connect_timeout=CONNECT_TIMEOUT,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK, ignore_result=False)(_probe_task)
    return app


class _WorkerRuntime:
    """What a worker process needs to run jobs; set once by `configure_worker` before the worker starts."""

    sealer: Sealer | None = None
    pool: ProbePool | None = None
    lock = threading.Lock()


def configure_worker(sealer: Sealer, concurrency: int) -> ProbePool:
    pool = monitor_pool(concurrency)
    with _WorkerRuntime.lock:
        _WorkerRuntime.sealer, _WorkerRuntime.pool = sealer, pool
    return pool


def _probe_task(token: str) -> str:
    """Opens a sealed job, probes and diagnoses in the local pool, seals the verdict."""
    sealer, pool = _WorkerRuntime.sealer, _WorkerRuntime.pool
    if sealer is None or pool is None:
        raise RuntimeError("this worker was not started with `qarauyl worker`")
    job = sealer.open_job(token)  # WireError: refused, reported to the monitor as the task's failure
    result = pool.submit_job(job).result()
    if not isinstance(result, MonitorResult):
        # The pool's own failure results (a probe killed at its deadline, a crashed decoder) are plain
        # ProbeResults; the camera's baseline stays as it was.
        result = MonitorResult(
            url=result.url,
            error=result.error,
            timings=result.timings,
            kind=result.kind,
            findings=result.findings,
            camera_id=job.camera_id,
        )
    return sealer.seal_result(result)


def worker_argv(queue: str, concurrency: int, hostname: str | None, loglevel: str) -> list[str]:
    argv = [
        "worker",
        "--pool=threads",  # each thread waits on the local ProbePool, which does the work in processes
        f"--concurrency={concurrency}",
        f"--queues={queue}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    return argv
