"""A probe job (what to probe, with which credentials and limits) and the one function that runs it,
whatever the URL's protocol. This is what a pool worker executes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from qarauyl.probe.http_snapshot import probe_http, probe_snapshot
from qarauyl.probe.result import ProbeResult
from qarauyl.probe.rtsp import StageCallback, probe_stream

JobKind = Literal["auto", "stream", "snapshot"]


@dataclass(frozen=True)
class ProbeJob:
    """One camera to probe. The password never shows in repr, so a logged job does not leak it."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    transport: str = "tcp"
    frames: int = 8
    # auto: rtsp(s) -> stream; http(s) -> snapshot if it answers with an image, else stream.
    kind: JobKind = "auto"
    # Frames cost a pickle round trip each (6 MB at 1080p); a caller that only wants the verdict and
    # the snapshot can drop them in the worker.
    keep_frames: bool = True
    # Streams (the RTSP path): leave the snapshot as pixels (ProbeResult.snapshot_pixels) for the caller to
    # encode, as the monitor does on its analysis thread once the stream is closed (qarauyl.monitor.job).
    encode_snapshot: bool = True

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")
        if self.transport not in ("tcp", "udp"):
            raise ValueError(f"transport must be tcp or udp, got {self.transport!r}")
        if self.frames < 1:
            raise ValueError(f"frames must be at least 1, got {self.frames}")


def run_job(job: ProbeJob, on_stage: StageCallback | None = None) -> ProbeResult:
    """Runs one probe in this process (the pool calls it inside a worker)."""
    scheme = job.url.strip().split(":", 1)[0].lower()
    if job.kind == "snapshot":
        result = probe_snapshot(
            job.url, username=job.username, password=job.password, timeout=job.timeout, on_stage=on_stage
        )
    elif job.kind == "auto" and scheme in ("http", "https"):
        result = probe_http(
            job.url,
            username=job.username,
            password=job.password,
            timeout=job.timeout,
            frames=job.frames,
            on_stage=on_stage,
        )
    else:
        result = probe_stream(
            job.url,
            username=job.username,
            password=job.password,
            timeout=job.timeout,
            transport=job.transport,
            frames=job.frames,
            on_stage=on_stage,
            encode_snapshot=job.encode_snapshot,
        )
    if not job.keep_frames and result.frames:
        from dataclasses import replace

        result = replace(result, frames=[])
    return result
