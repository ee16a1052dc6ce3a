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

__all__ = [
    "ErrorCode",
    "ProbeCause",
    "ProbeError",
    "ProbeKind",
    "ProbeResult",
    "ProbeTimings",
    "StreamFacts",
    "failure",
]

ErrorCode = Literal["offline", "auth_failed", "stream_error"]
# Why, in one word a console translates (qarauyl/i18n, "probe_cause.*") and a script can branch on: finer than
# the error code, coarser than the message, which stays FFmpeg's and the camera's English.
ProbeCause = Literal[
    "url_rejected",  # the URL itself: a scheme or protocol the probe never opens
    "unresolved",  # the host name has no address
    "unreachable",  # no answer to the TCP connection (host down, wrong address, a firewall)
    "refused",  # the host answered, but nothing listens on the port
    "silent",  # the connection was accepted, then no (complete) answer: a hung camera or service
    "web_server",  # an HTTP server on the RTSP URL's port (the camera's web page, a proxy)
    "wrong_protocol",  # an answer, but not in the protocol asked for (RTSP or HTTP): another service, garbage
    "tls",  # the TLS handshake failed (a self-signed or expired certificate)
    "credentials",  # user name or password refused
    "no_such_path",  # no stream or snapshot at the URL's path
    "rejected",  # the camera refused the request for another reason (an HTTP or RTSP error status)
    "transport",  # RTP over the configured transport (TCP or UDP) not offered
    "no_video",  # set up, but no video (no track, no data, no keyframe)
    "undecodable",  # video arrived but no picture could be decoded from it
    "stream_broke",  # pictures came, then the stream stopped or broke off
    "not_image",  # a snapshot URL that serves something other than an image
    "too_big",  # beyond what a probe may read or decode (8K, the byte or memory limits)
    "analysis_slow",  # the pictures arrived, the machine's analysis was too slow (not the camera)
    "probe_failed",  # the probe itself failed (a decoder crash, no worker): our side, or a hostile stream
]
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
    """Why a camera could not be read: a stream-access fault code, a sentence for an operator, and the
    cause in one word (what the console says in the reader's language)."""

    code: ErrorCode
    message: str
    cause: ProbeCause | None = None  # None only from an older worker (remote/wire.py) that did not say


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
    url: str,
    code: ErrorCode,
    message: str,
    timings: ProbeTimings,
    *,
    cause: ProbeCause,
    kind: ProbeKind = "rtsp",
) -> ProbeResult:
    """A failed probe result."""
    return ProbeResult(url=url, error=ProbeError(code, message, cause), timings=timings, kind=kind)
