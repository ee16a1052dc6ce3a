"""Stream access: opening cameras' streams under deadlines and a protocol whitelist, in worker processes.

Public surface: ProbePool (process-isolated workers: how the monitor and the CLI probe), ProbeJob and
run_job (one probe, any protocol), probe_stream (RTSP/HTTP video, in-process), probe_snapshot (HTTP
JPEG, in-process), and the result types.
"""

from qarauyl.probe.http_snapshot import probe_http, probe_snapshot
from qarauyl.probe.job import ProbeJob, run_job
from qarauyl.probe.pool import ProbePool
from qarauyl.probe.result import ProbeError, ProbeResult, ProbeTimings, StreamFacts
from qarauyl.probe.rtsp import PROTOCOL_WHITELIST, ffmpeg_options, probe_stream

__all__ = [
    "PROTOCOL_WHITELIST",
    "ProbeError",
    "ProbeJob",
    "ProbePool",
    "ProbeResult",
    "ProbeTimings",
    "StreamFacts",
    "ffmpeg_options",
    "probe_http",
    "probe_snapshot",
    "probe_stream",
    "run_job",
]
