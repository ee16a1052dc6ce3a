"""The analysis half of a one-off probe (`qarauyl probe`): diagnose the pictures in the worker that decoded
them, and send back the findings without the frames.

A pool's analyser (see qarauyl/probe/pool.py). Diagnosing here rather than in the caller keeps the frames
from crossing the pipe (8 frames of 1080p are 50 MB pickled) and keeps the caller's memory flat however
many URLs it was given. The diagnosis itself is qarauyl.diagnosis, imported when the first picture
arrives.
"""

from __future__ import annotations

from dataclasses import replace

from qarauyl.probe.job import ProbeJob
from qarauyl.probe.result import ProbeResult


def diagnose_probe(job: ProbeJob, result: ProbeResult) -> ProbeResult:
    """`result` with the findings of its pictures in place of the pictures."""
    if not result.ok or not result.frames or result.stream is None:
        return replace(result, frames=[])
    from qarauyl.diagnosis import diagnose

    findings = diagnose(result.frames, stream=result.stream).findings
    return replace(result, frames=[], findings=tuple(findings))
