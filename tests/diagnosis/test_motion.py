"""shaking: the whole view jumps between frames; a still camera with a mover in view does not."""

from __future__ import annotations

import cv2
import numpy as np
from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.registry import arbitrate
from qarauyl.domain import FaultCode
from qarauyl.sim.picture_faults import make_fault_renderer


def test_a_swaying_pole_is_shaking() -> None:
    picture = textured()
    render = make_fault_renderer("shaking", strength=0.5, seed=1)
    frames = [render(f, i / 12.5) for i, f in enumerate(live(picture))]
    assert codes(diagnose(frames, reference=picture)) == {"shaking"}


def test_a_person_walking_is_not_shaking() -> None:
    picture = textured()
    frames = []
    for i, frame in enumerate(live(picture)):
        out = frame.copy()
        cv2.rectangle(out, (40 + 12 * i, 100), (70 + 12 * i, 200), (30, 30, 140), -1)
        frames.append(out)
    assert "shaking" not in codes(diagnose(frames, reference=picture))


def test_two_frames_are_not_enough_to_call_shaking() -> None:
    picture = textured()
    moved = np.roll(picture, 20, axis=1)
    assert "shaking" not in codes(diagnose([picture, moved]))


def test_noise_seen_only_as_flicker_does_not_hide_a_shaking_view_or_a_slow_stream() -> None:
    both = {FaultCode.NOISE, FaultCode.SHAKING}
    assert arbitrate(both, {"noise_by_flicker": 1.0}) == {FaultCode.NOISE}
    assert FaultCode.NOISE not in arbitrate(both, {})
    # Nor a stream slowed down: frames further apart than when the normal was learned flicker more.
    slow = {FaultCode.NOISE, FaultCode.LOW_FPS}
    assert arbitrate(slow, {"noise_by_flicker": 1.0}) == {FaultCode.NOISE}


def test_a_view_swaying_hard_stays_shaking_when_the_view_no_longer_lines_up() -> None:
    # A truck filling the lot lowers the match with the reference; a clear back-and-forth sway is still the
    # mount. A small or one-directional move under the same mismatch is not.
    codes = {FaultCode.SHAKING}
    assert arbitrate(codes, {"scene_ncc": 0.25, "shake_shift": 0.03, "shake_steadiness": 0.1}) == set()
    assert arbitrate(codes, {"scene_ncc": 0.25, "shake_shift": 0.008, "shake_steadiness": 0.1}) == codes
    assert arbitrate(codes, {"scene_ncc": 0.25, "shake_shift": 0.03, "shake_steadiness": 0.6}) == codes
