"""What a probe worker does for the monitor: probe the camera, then diagnose the frames, in the worker.

Diagnosis runs next to the decoder so that the frames never cross the process boundary (a burst
of 1080p frames is tens of megabytes to pickle) and so that both cores work on image analysis.
Only the verdict, the measurements, the snapshot and the updated baseline come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from qarauyl.diagnosis import (
    Baseline,
    KeyView,
    StreamProfile,
    diagnose,
    prepare_reference,
    reference_measurements,
    reference_parts,
    restore_reference,
    update_baseline,
    without_signature,
)
from qarauyl.diagnosis.types import StreamFacts as DiagnosisStreamFacts
from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.probe.frames import encode_jpeg
from qarauyl.probe.job import ProbeJob, run_job
from qarauyl.probe.result import ProbeError, ProbeResult


@dataclass(frozen=True)
class MonitorJob(ProbeJob):
    """A probe job plus what diagnosis needs to know about this camera."""

    camera_id: int = 0
    reference_jpeg: bytes | None = field(default=None, repr=False)
    # The reference's luma and thumbnail as an earlier probe prepared them (`reference_parts`): with them the
    # JPEG is decoded only if a check needs the picture at full detail.
    reference_parts: bytes | None = field(default=None, repr=False)
    # What an earlier probe measured on this same reference picture (see `reference_measurements`).
    reference_measurements: dict[str, Any] | None = field(default=None, repr=False)
    baseline: dict[str, Any] | None = None
    profile: StreamProfile | None = None


@dataclass(frozen=True, eq=False)
class MonitorResult(ProbeResult):
    camera_id: int = 0
    baseline: dict[str, Any] | None = None
    # The reference's measurements, when the job came without them: the monitor keeps them for the next
    # probe of the camera, as long as its reference stays the same picture.
    reference_measurements: dict[str, Any] | None = None
    # The reference's parts, when the job came without them (or with damaged ones): the monitor keeps them
    # beside the reference's JPEG.
    reference_parts: bytes | None = field(default=None, repr=False)


def decode_jpeg(data: bytes) -> np.ndarray | None:
    """RGB uint8 (H, W, 3) from JPEG bytes, or None if they are not a picture."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None:
        return None
    # cvtColor, not a reversed view made contiguous: 0.03 ms against 1.6 ms for a 640x360 reference, which
    # the worker decodes for every probe.
    rgb: np.ndarray = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return rgb


def access_finding(error: ProbeError) -> Finding:
    """A failed probe as its finding: the message for the record, the cause for the console to say in the
    reader's language (probe.result.ProbeCause)."""
    detail: dict[str, float | int | str] = {"message": error.message}
    if error.cause:
        detail["cause"] = error.cause
    return Finding(FaultCode(error.code), Severity.CRITICAL, 1.0, detail)


def run_monitor_job(job: ProbeJob, on_stage: Callable[[str], None] | None = None) -> ProbeResult:
    """Probe, diagnose, fold the result into the camera's baseline, all in this thread."""
    return analyse_probe(job, probe_for_monitor(job, on_stage))


def probe_for_monitor(job: ProbeJob, on_stage: Callable[[str], None] | None = None) -> ProbeResult:
    """The stream half of a monitor job (a pool's runner): the probe, its frames kept for the analysis and
    its snapshot left unencoded (the analysis half encodes it, at the analysis thread's lower priority)."""
    return run_job(replace(job, keep_frames=True, encode_snapshot=False), on_stage)


def analyse_probe(job: ProbeJob, result: ProbeResult) -> ProbeResult:
    """The analysis half of a monitor job (a pool's analyser), once the camera's stream is closed:
    diagnose the frames against the camera's reference and fold the result into its baseline."""
    assert isinstance(job, MonitorJob)
    if result.error is not None or result.stream is None or not result.frames:
        error = result.error
        finding = access_finding(
            error or ProbeError("stream_error", "the probe returned no pictures", "no_video")
        )
        return MonitorResult(
            url=result.url,
            stream=result.stream,
            error=result.error,
            timings=result.timings,
            kind=result.kind,
            findings=(finding,),
            camera_id=job.camera_id,
            baseline=job.baseline,
        )
    reference, restored = job_reference(job)
    baseline = Baseline.from_dict(job.baseline) if job.baseline else None
    facts = result.stream
    stream = DiagnosisStreamFacts(
        codec=facts.codec,
        width=facts.width,
        height=facts.height,
        fps=facts.fps,
        bitrate_kbps=facts.bitrate_kbps,
        decode_errors=facts.decode_errors,
        frames_decoded=facts.frames_decoded,
        time_to_first_frame_ms=facts.time_to_first_frame_ms,
    )
    try:
        diagnosis = diagnose(
            result.frames, reference=reference, stream=stream, profile=job.profile, baseline=baseline
        )
    except _ReferenceLost:
        # As when the JPEG is not a picture from the start: the camera is judged without its reference.
        reference = None
        diagnosis = diagnose(result.frames, stream=stream, profile=job.profile, baseline=baseline)
    unencoded = result.snapshot_pixels
    snapshot = result.snapshot_jpeg if unencoded is None else encode_jpeg(unencoded)
    return MonitorResult(
        url=result.url,
        stream=facts,
        snapshot_jpeg=snapshot,
        timings=result.timings,
        kind=result.kind,
        findings=diagnosis.findings,
        # The signature lives on in the baseline; each stored probe need not carry its 48 numbers.
        metrics=without_signature(diagnosis.metrics),
        camera_id=job.camera_id,
        baseline=update_baseline(baseline, diagnosis).to_dict(),
        reference_measurements=None
        if reference is None
        else new_measurements(reference, job.reference_measurements),
        reference_parts=None if reference is None or restored else reference_parts(reference),
    )


def job_reference(job: MonitorJob) -> tuple[KeyView | None, bool]:
    """The camera's prepared reference (None without one, or when its JPEG is not a picture), and whether
    it was restored from the parts the job brought rather than prepared from the JPEG."""
    jpeg = job.reference_jpeg
    if not jpeg:
        return None, False
    if job.reference_parts:
        try:
            kept = job.reference_measurements
            restored = restore_reference(job.reference_parts, lambda: _picture(jpeg), kept)
        except ValueError:
            pass  # damaged parts: prepared again from the JPEG, and the monitor keeps the new ones
        else:
            return restored, True
    pixels = decode_jpeg(jpeg)
    return (None if pixels is None else prepare_reference(pixels, job.reference_measurements)), False


class _ReferenceLost(Exception):
    """The reference's JPEG no longer decodes, though its parts were made from it (the file was damaged)."""


def _picture(jpeg: bytes) -> np.ndarray:
    pixels = decode_jpeg(jpeg)
    if pixels is None:
        raise _ReferenceLost
    return pixels


def new_measurements(reference: KeyView, sent: dict[str, Any] | None) -> dict[str, Any] | None:
    """All the reference's kept measurements if the diagnosis made any the job did not bring (a check that
    reaches its reference only on some pictures, such as the feature count, adds its own later), so that
    the monitor keeps the fuller set; None when nothing is new."""
    measured = reference_measurements(reference)
    return measured if measured.keys() - (sent or {}).keys() else None
