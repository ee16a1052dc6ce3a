"""A reference restored from the parts an earlier probe kept: the same verdicts and numbers as when its JPEG
is decoded and prepared again, without decoding the JPEG for a picture that is fine."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from diagnosis_pictures import scene, with_fault

from qarauyl.diagnosis import (
    diagnose,
    prepare_reference,
    reference_measurements,
    reference_parts,
    restore_reference,
)
from qarauyl.monitor.job import decode_jpeg
from qarauyl.probe.frames import encode_snapshot
from qarauyl.sim.faults import PICTURE_FAULTS


def _snapshot(picture: np.ndarray) -> np.ndarray:
    """A reference as the monitor keeps it: its snapshot's JPEG, decoded."""
    pixels = decode_jpeg(encode_snapshot(picture))
    assert pixels is not None
    return pixels


@pytest.fixture(scope="module")
def street() -> list[np.ndarray]:
    return scene("street_day", count=12)


@pytest.mark.parametrize("fault", [None, *PICTURE_FAULTS])
def test_a_restored_reference_gives_the_numbers_of_a_prepared_one(
    street: list[np.ndarray], fault: str | None
) -> None:
    reference = _snapshot(street[0])
    first = prepare_reference(reference)
    diagnose(street[-6:], reference=first)  # the first probe against it measures and prepares it
    kept, parts = reference_measurements(first), reference_parts(first)
    burst = street[-6:] if fault is None else with_fault(street[-6:], fault, 1.0)
    for frames in (burst, burst[-1:]):  # a stream camera's burst, a snapshot camera's lone picture
        prepared = diagnose(frames, reference=prepare_reference(reference, kept))
        restored = diagnose(frames, reference=restore_reference(parts, lambda: reference, kept))
        assert restored.findings == prepared.findings
        assert restored.metrics.keys() == prepared.metrics.keys()
        # The same arrays go in; OpenCV's vector code may round the last bits by their alignment in memory
        # (a phase correlation of a black picture differs at 1e-8 from one run to the next; on session 24's
        # AMD EPYC an overexposed picture's scene_response differed by 1.1e-6, relative, in one checkout and
        # not in another). A reference restored from the wrong parts differs in the first digits.
        for key, value in prepared.metrics.items():
            assert restored.metrics[key] == pytest.approx(value, rel=1e-5, nan_ok=True), key


def test_a_picture_that_is_fine_never_decodes_the_reference(street: list[np.ndarray]) -> None:
    reference = _snapshot(street[0])
    first = prepare_reference(reference)
    diagnose(street[-6:], reference=first)
    kept, parts = reference_measurements(first), reference_parts(first)
    asked: list[int] = []

    def pixels() -> np.ndarray:
        asked.append(1)
        return reference

    assert diagnose(street[-6:], reference=restore_reference(parts, pixels, kept)).healthy
    assert asked == []
    # A picture gone soft compares its focus with the reference's own edges: the picture is decoded then.
    blurred = with_fault(street[-6:], "blur", 1.0)
    found = diagnose(blurred, reference=restore_reference(parts, pixels, kept))
    assert "blur" in {str(f.code) for f in found.findings}
    assert asked == [1]


def test_the_parts_are_the_luma_and_thumbnail_at_analysis_size(street: list[np.ndarray]) -> None:
    parts = reference_parts(prepare_reference(_snapshot(street[0])))
    # 480x270 luma and a 160x90 RGB thumbnail: a sixth of the 640x360 picture they spare decoding.
    assert len(parts) == 12 + 480 * 270 + 160 * 90 * 3
    restored = restore_reference(parts, lambda: street[0])
    prepared = prepare_reference(_snapshot(street[0]))
    assert restored.native_shape == prepared.native_shape == (360, 640)
    assert np.array_equal(restored.grey, prepared.grey) and np.array_equal(restored.thumb, prepared.thumb)
    assert np.array_equal(restored.thumb_rgb, prepared.thumb_rgb)


def test_damaged_parts_are_refused(street: list[np.ndarray]) -> None:
    parts = reference_parts(prepare_reference(_snapshot(street[0])))
    # A luma of another size than this version makes of the frame (a 320x180 frame keeps its size).
    other_size = parts[:8] + struct.pack("<HH", 180, 320) + parts[12:]
    for damaged in (b"", parts[:100], parts[:-1], b"XXXX" + parts[4:], parts + b"\0", other_size):
        with pytest.raises(ValueError, match="not a reference's parts"):
            restore_reference(damaged, lambda: street[0])
    # Parts of another picture size than the JPEG they are kept beside: the detail is refused, not misread.
    restored = restore_reference(parts, lambda: street[0][:180, :320])
    with pytest.raises(ValueError, match="its parts say 640x360"):
        _ = restored.detail
