"""What a worker sends back of a reference's measurements (everything it measured when it measured
anything the job did not bring, nothing otherwise), and of the picture's own."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from qarauyl.diagnosis import diagnose, prepare_reference, reference_measurements
from qarauyl.diagnosis.types import StreamFacts
from qarauyl.monitor.job import MonitorJob, analyse_probe, new_measurements
from qarauyl.probe import ProbeResult
from qarauyl.probe.frames import encode_jpeg
from qarauyl.sim.scenes import generate_scene


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    return list(generate_scene("street_day", width=640, height=360, fps=12.5, seconds=1.0, seed=7))


def test_a_reference_measured_for_the_first_time_is_sent_back(frames: list[np.ndarray]) -> None:
    reference = prepare_reference(frames[0])
    diagnose(frames[-4:], reference=reference)
    sent_back = new_measurements(reference, None)
    assert sent_back == reference_measurements(reference)
    assert sent_back is not None and "sharpness" in sent_back


def test_nothing_is_sent_back_when_the_job_brought_it_all(frames: list[np.ndarray]) -> None:
    first = prepare_reference(frames[0])
    diagnose(frames[-4:], reference=first)
    kept = reference_measurements(first)
    again = prepare_reference(frames[0], kept)
    diagnose(frames[-4:], reference=again)
    assert new_measurements(again, kept) is None


def test_a_measurement_added_later_sends_back_the_fuller_set(frames: list[np.ndarray]) -> None:
    # The first probe's view lined up with the reference at once: the feature count was not needed.
    first = prepare_reference(frames[0])
    diagnose(frames[-4:], reference=first)
    kept = {key: value for key, value in reference_measurements(first).items() if key != "orb_count"}
    # A later probe's view is shifted: the count is measured now, and must reach the monitor.
    later = prepare_reference(frames[0], kept)
    diagnose([np.roll(frame, 3, axis=1) for frame in frames[-4:]], reference=later)
    sent_back = new_measurements(later, kept)
    assert sent_back is not None and "orb_count" in sent_back and kept.keys() < sent_back.keys()


def test_the_pictures_signature_goes_to_the_baseline_not_into_every_stored_probe(
    frames: list[np.ndarray],
) -> None:
    facts = StreamFacts("h264", 640, 360, 12.5, 500.0)
    probe = ProbeResult(url="rtsp://cam/1", stream=facts, frames=frames[-2:])
    first = analyse_probe(MonitorJob("rtsp://cam/1", camera_id=1), probe)
    assert first.ok and first.metrics and "luma_mean" in first.metrics
    assert not [key for key in first.metrics if key.startswith("sig_")]
    assert first.baseline is not None and len(first.baseline["signature"]) == 48
    # The next probe reads it from there: the same picture again, minutes later, is a frozen stream.
    again = ProbeResult(url="rtsp://cam/1", stream=facts, frames=frames[-1:])
    second = analyse_probe(MonitorJob("rtsp://cam/1", camera_id=1, baseline=first.baseline), again)
    assert "frozen" in {str(finding.code) for finding in second.findings}


def test_the_analysis_encodes_a_snapshot_the_stream_half_left_as_pixels(frames: list[np.ndarray]) -> None:
    import cv2

    facts = StreamFacts("h264", 640, 360, 12.5, 500.0)
    bgr = np.ascontiguousarray(frames[-1][..., ::-1])
    probe = ProbeResult(url="rtsp://cam/1", stream=facts, frames=frames[-1:], snapshot_pixels=bgr)
    result = analyse_probe(MonitorJob("rtsp://cam/1", camera_id=1), probe)
    assert result.snapshot_pixels is None  # never shipped back to the monitor
    assert result.snapshot_jpeg is not None and result.snapshot_jpeg == encode_jpeg(bgr)
    decoded = cv2.imdecode(np.frombuffer(result.snapshot_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == bgr.shape


def test_the_reference_parts_come_back_once_and_then_spare_decoding_the_jpeg(
    frames: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from qarauyl.monitor import job as job_module
    from qarauyl.probe.frames import encode_snapshot

    facts = StreamFacts("h264", 640, 360, 12.5, 500.0)
    probe = ProbeResult(url="rtsp://cam/1", stream=facts, frames=frames[-3:])
    jpeg = encode_snapshot(frames[0])
    first = analyse_probe(MonitorJob("rtsp://cam/1", camera_id=1, reference_jpeg=jpeg), probe)
    assert first.reference_parts is not None and first.reference_measurements is not None
    later_job = MonitorJob(
        "rtsp://cam/1",
        camera_id=1,
        reference_jpeg=jpeg,
        reference_parts=first.reference_parts,
        reference_measurements=first.reference_measurements,
    )
    decoded: list[bytes] = []
    real_decode = job_module.decode_jpeg

    def counting_decode(data: bytes) -> np.ndarray | None:
        decoded.append(data)
        return real_decode(data)

    monkeypatch.setattr(job_module, "decode_jpeg", counting_decode)
    later = analyse_probe(later_job, probe)
    assert decoded == []  # a picture that is fine never needs the reference's JPEG
    assert later.reference_parts is None and later.findings == first.findings
    assert later.metrics is not None and first.metrics is not None
    assert later.metrics == pytest.approx(first.metrics, rel=1e-6, nan_ok=True)
    # Damaged parts (a truncated file): the reference is prepared from its JPEG, and new parts go back.
    damaged = analyse_probe(replace(later_job, reference_parts=first.reference_parts[:-10]), probe)
    assert decoded == [jpeg] and damaged.reference_parts == first.reference_parts
    assert damaged.findings == first.findings


def test_a_reference_jpeg_damaged_after_its_parts_were_made_leaves_the_camera_judged_without_it(
    frames: list[np.ndarray],
) -> None:
    from qarauyl.probe.frames import encode_snapshot

    facts = StreamFacts("h264", 640, 360, 12.5, 500.0)
    jpeg = encode_snapshot(frames[0])
    first = analyse_probe(
        MonitorJob("rtsp://cam/1", camera_id=1, reference_jpeg=jpeg),
        ProbeResult(url="rtsp://cam/1", stream=facts, frames=frames[-3:]),
    )
    assert first.reference_parts is not None
    # A picture gone soft needs the reference in full (its edges): the JPEG is read, and no longer decodes.
    soft = [cv2.GaussianBlur(frame, (0, 0), 4.0) for frame in frames[-3:]]
    damaged = MonitorJob(
        "rtsp://cam/1", camera_id=1, reference_jpeg=b"\xff\xd8 damaged", reference_parts=first.reference_parts
    )
    result = analyse_probe(damaged, ProbeResult(url="rtsp://cam/1", stream=facts, frames=soft))
    alone = analyse_probe(
        MonitorJob("rtsp://cam/1", camera_id=1), ProbeResult(url="rtsp://cam/1", stream=facts, frames=soft)
    )
    assert result.ok and result.error is None  # not a failed probe
    assert result.findings == alone.findings and result.reference_measurements is None
