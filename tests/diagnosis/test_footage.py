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
    for start in (40, 120, 200, 300):
        assert codes(diagnose(decode(clip, start, 8), reference=reference)) == set(), start


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
