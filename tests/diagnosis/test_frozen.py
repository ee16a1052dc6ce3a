"""frozen means no change at all, noise included; a static scene with live noise is not frozen."""

from __future__ import annotations

import numpy as np
from diagnosis_pictures import codes, live, scene, textured, with_fault

from qarauyl.diagnosis import Baseline, diagnose, update_baseline


def test_the_same_picture_repeated_is_frozen() -> None:
    picture = live(textured(), n=1)[0]
    assert codes(diagnose([picture.copy() for _ in range(8)], reference=textured())) == {"frozen"}


def test_a_static_scene_with_sensor_noise_is_not_frozen() -> None:
    assert "frozen" not in codes(diagnose(live(textured(), sigma=1.0)))


def test_a_codec_repeating_a_frame_or_two_is_not_frozen() -> None:
    frames = live(textured(), n=8, sigma=1.0)
    frames[2] = frames[1].copy()
    frames[5] = frames[4].copy()
    assert "frozen" not in codes(diagnose(frames))


def test_one_frame_alone_cannot_be_frozen() -> None:
    assert "frozen" not in codes(diagnose([textured()]))


def test_a_picture_identical_to_the_previous_probe_is_frozen() -> None:
    picture = live(textured(), n=1)[0]
    first = diagnose([picture])
    baseline = update_baseline(Baseline(), first)
    assert codes(diagnose([picture], baseline=baseline)) == {"frozen"}
    fresh = live(textured(), n=1, seed=9)[0]
    assert "frozen" not in codes(diagnose([fresh], baseline=baseline))


def test_frozen_metric_is_zero_for_identical_frames() -> None:
    picture = textured()
    result = diagnose([picture, picture.copy(), picture.copy(), picture.copy()])
    assert result.metrics["frame_change_max"] == 0.0
    assert np.isfinite(result.metrics["luma_mean"])


def test_a_cast_that_clips_a_white_wall_is_not_frozen() -> None:
    # A green cast drives the wall's green channel to 255: a live picture whose noise is clipped away in
    # that channel repeats exactly there, but it is alive (and its colour is the fault).
    frames = scene("white_wall")
    found = codes(diagnose(with_fault(frames[-8:], "color_cast", 0.6, seed=2), reference=frames[0]))
    assert found == {"color_cast"}
