"""Probe runners injected into ProbePool workers to play a misbehaving decoder: crash, hang, hog memory.

They stand in for a decoder bug (which we cannot summon on demand), not for our own code: the pool,
its supervision and the worker process are the real ones.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

from qarauyl.probe import ProbeJob, ProbeResult, run_job


def misbehaving_runner(job: ProbeJob, on_stage: Callable[[str], None]) -> ProbeResult:
    """Behaves as the URL's path says: /crash (SIGSEGV), /hang (ignores everything), /hog (4 GiB)."""
    if job.url.endswith("/crash"):
        on_stage("connected")
        on_stage("handshake")
        os.kill(os.getpid(), signal.SIGSEGV)
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
    if job.url.endswith("/pid"):
        time.sleep(0.5)  # long enough that concurrent jobs must spread over the workers
        return ProbeResult(url=job.url, metrics={"pid": float(os.getpid())})
    return run_job(job, on_stage)
