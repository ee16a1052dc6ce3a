"""What a probe returns: stream facts, a few decoded frames, a snapshot, timings, or a classified error.

Everything here is a plain picklable dataclass, because results cross the process boundary between a
probe worker and the caller (see pool.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from qarauyl.diagnosis.types import StreamFacts  # the agreed type (interfaces §3): diagnosis reads it
from qarauyl.domain.findings import FaultCode, Finding

__all__ = ["ErrorCode", "ProbeError", "ProbeKind", "ProbeResult", "ProbeTimings", "StreamFacts", "failure"]

ErrorCode = Literal["offline", "auth_failed", "stream_error"]
ProbeKind = Literal["rtsp", "http_stream", "snapshot"]

OFFLINE: ErrorCode = "offline"
AUTH_FAILED: ErrorCode = "auth_failed"
STREAM_ERROR: ErrorCode = "stream_error"

# The stage a pool worker reports for a job whose stream is closed and whose pictures go to an analysis
# thread (the monitor's diagnosis): the pool then lets another camera's stream start in its place (see
# pool.py, analysis slots).
ANALYSING = "analysing"

# The three stream-access fault codes are a subset of the domain's; keep them in step.
assert {OFFLINE, AUTH_FAILED, STREAM_ERROR} <= {code.value for code in FaultCode}


@dataclass(frozen=True)
class ProbeError:
    """Why a camera could not be read: a stream-access fault code and a sentence for an operator."""

    code: ErrorCode
    message: str


@dataclass(frozen=True)
class ProbeTimings:
    """Milliseconds from the start of the probe to the end of each stage (None: stage not reached)."""

    connect_ms: float | None = None  # TCP connection accepted
    handshake_ms: float | None = None  # RTSP DESCRIBE/SETUP/PLAY done (or HTTP headers received)
    first_frame_ms: float | None = None  # first picture decoded
    total_ms: float = 0.0


@dataclass(frozen=True, eq=False)
class ProbeResult:
    """One probe of one camera. `url` never carries a password; `frames` are RGB uint8 (H, W, 3),
    at most 1920x1080; `snapshot_jpeg` is the first frame as a JPEG at most 640 px wide."""

    url: str
    stream: StreamFacts | None = None
    frames: list[np.ndarray] = field(default_factory=list, repr=False)
    snapshot_jpeg: bytes | None = field(default=None, repr=False)
    # The snapshot not yet encoded (BGR), only from a probe asked to leave that to its caller
    # (ProbeJob.encode_snapshot); `snapshot_jpeg` is then None until the caller encodes it.
    snapshot_pixels: np.ndarray | None = field(default=None, repr=False)
    error: ProbeError | None = None
    timings: ProbeTimings = field(default_factory=ProbeTimings)
    kind: ProbeKind = "rtsp"
    # Set by an analyser that diagnosed the frames in the worker (the monitor's, qarauyl.probe.diagnosed).
    findings: tuple[Finding, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def failure(
    url: str, code: ErrorCode, message: str, timings: ProbeTimings, *, kind: ProbeKind = "rtsp"
) -> ProbeResult:
    """A failed probe result."""
    return ProbeResult(url=url, error=ProbeError(code, message), timings=timings, kind=kind)
