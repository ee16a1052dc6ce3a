"""Real camera footage (../shared/footage, CC BY 4.0, Intel IoT devkit samples): clean bursts are healthy,
including the low-texture parking lot; injected faults are found."""

from __future__ import annotations

import pytest
from diagnosis_pictures import codes, decode

from qarauyl.diagnosis import diagnose, prepare_reference
from qarauyl.sim.picture_faults import make_fault_renderer

CLIPS = {"car-detection.mp4": 12.5, "one-by-one-person-detection.mp4": 10.0}


@pytest.mark.parametrize("clip", sorted(CLIPS))
def test_clean_bursts_of_real_footage_are_healthy(clip: str) -> None:
    reference = prepare_reference(decode(clip, 0, 1)[0])
    starts = (40, 120, 300) if clip == "car-detection.mp4" else (40, 120, 200, 300)
    for start in starts:
        assert codes(diagnose(decode(clip, start, 8), reference=reference)) == set(), start


def test_a_car_filling_the_empty_lot_is_not_a_cover_nor_shaking() -> None:
    # Frames 185-235 of the parking-lot clip: a car drives through and fills most of the featureless view.
    # One probe may call the view changed; the health state machine's confirmation absorbs that. It must
    # never be a cover (the car moves) or a shaking mount (the lot itself does not move).
    reference = prepare_reference(decode("car-detection.mp4", 0, 1)[0])
    for start in (195, 205):
        found = codes(diagnose(decode("car-detection.mp4", start, 8), reference=reference))
        assert not found & {"occluded", "shaking", "blur", "frozen"}, (start, found)


@pytest.mark.parametrize("clip", sorted(CLIPS))
@pytest.mark.parametrize(
    "fault", ["no_signal", "frozen", "occluded", "color_cast", "noise", "ir_cut", "too_dark"]
)
def test_faults_on_real_footage_are_found(clip: str, fault: str) -> None:
    reference = decode(clip, 0, 1)[0]
    frames = decode(clip, 160, 8)
    render = make_fault_renderer(fault, strength=0.8, seed=1)
    faulty = [render(frame, i / CLIPS[clip]) for i, frame in enumerate(frames)]
    assert fault in codes(diagnose(faulty, reference=reference))


def test_a_car_parked_in_the_empty_lot_is_not_a_turned_camera() -> None:
    # Frames 70-78 of the parking-lot clip: a white car stands in the lot that was empty in the reference.
    # It is most of the view's structure, but the lot's own markings are all still where they were.
    reference = prepare_reference(decode("car-detection.mp4", 0, 1)[0])
    frames = decode("car-detection.mp4", 70, 8)
    assert codes(diagnose(frames, reference=reference)) == set()
    # The empty lot turned away moves those markings: that is a turned camera.
    render = make_fault_renderer("scene_changed", strength=0.6, seed=1)
    turned = [render(frame, 0.0) for frame in decode("car-detection.mp4", 32, 8)]
    assert codes(diagnose(turned, reference=reference)) == {"scene_changed"}


def test_faults_over_a_car_parked_in_the_empty_lot_keep_their_names() -> None:
    # With the car in the view, a whole-picture overexposure is one compact clipped area (it is not a
    # light in the lens) and a closed iris darkens every cell alike except the car's (it is not a cover).
    reference = prepare_reference(decode("car-detection.mp4", 0, 1)[0])
    frames = decode("car-detection.mp4", 70, 8)
    for fault in ("overexposed", "too_dark"):
        render = make_fault_renderer(fault, strength=1.0, seed=1)
        faulty = [render(frame, i / 12.5) for i, frame in enumerate(frames)]
        assert codes(diagnose(faulty, reference=reference)) == {fault}


def test_the_lot_turned_away_is_scene_changed_not_a_cover() -> None:
    # Frames 100-108: turned, the lot's flat cells take colours that other parts of the lot had in the
    # reference (its brightness ramp, reshuffled). A cover brings a colour of its own; these are no cover.
    reference = prepare_reference(decode("car-detection.mp4", 0, 1)[0])
    frames = decode("car-detection.mp4", 100, 8)
    for seed in (1, 2, 3):
        render = make_fault_renderer("scene_changed", strength=0.6, seed=seed)
        turned = [render(frame, i / 12.5) for i, frame in enumerate(frames)]
        assert codes(diagnose(turned, reference=reference)) == {"scene_changed"}, seed


def test_a_car_that_left_the_lot_is_not_a_turned_camera() -> None:
    # Reference frame 188 of the parking-lot clip has a car in it; 16-32 frames later it has driven off. Its
    # features went with it (nothing matches), but the lot's own markings are all still in place.
    frames = decode("car-detection.mp4", 188, 40)
    reference = prepare_reference(frames[0])
    for start in (16, 24, 32):
        assert "scene_changed" not in codes(diagnose(frames[start : start + 8], reference=reference)), start


@pytest.mark.parametrize("clip", sorted(CLIPS))
def test_a_jpeg_snapshot_of_the_clean_street_is_not_corrupted(clip: str) -> None:
    """What an HTTP-snapshot camera sends: the picture as a JPEG at quality 75. Its 8x8 grid is the format's
    (blockiness 2.7-3.0 on the parking lot, over the H.264 threshold); only a decoder error is corruption."""
    import cv2

    from qarauyl.diagnosis import StreamFacts

    frame = decode(clip, 120, 1)[0]
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    snapshot = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    h, w = snapshot.shape[:2]
    facts = StreamFacts("mjpeg", w, h, None, None, frames_decoded=1)
    assert codes(diagnose([snapshot], stream=facts)) == set()
    if clip == "car-detection.mp4":  # the same grid in an H.264 picture would be a starved encoder
        h264 = StreamFacts("h264", w, h, 12.5, 2000.0, frames_decoded=1)
        assert "corrupted" in codes(diagnose([snapshot], stream=h264))
    broken = StreamFacts("mjpeg", w, h, None, None, decode_errors=1, frames_decoded=1)
    assert "corrupted" in codes(diagnose([snapshot], stream=broken))
