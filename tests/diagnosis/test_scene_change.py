"""scene_changed: a turned camera is found; vibration and night lighting are forgiven."""

from __future__ import annotations

import cv2
import numpy as np
from diagnosis_pictures import codes, decode, live, textured, with_fault

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.scene_change import compare, structure_kept


def test_a_different_view_is_scene_changed() -> None:
    reference = textured(seed=1)
    other = textured(seed=2)
    assert codes(diagnose(live(other), reference=reference)) == {"scene_changed"}


def test_a_small_shift_from_vibration_is_forgiven() -> None:
    picture = textured()
    shifted = np.roll(picture, (4, 6), axis=(0, 1))
    assert "scene_changed" not in codes(diagnose(live(shifted), reference=picture))


def test_night_lighting_keeps_the_scene() -> None:
    picture = textured()
    night = cv2.cvtColor(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    night = np.clip(night.astype(np.float32) * 0.6 + 10, 0, 255).astype(np.uint8)
    assert "scene_changed" not in codes(diagnose(live(night, sigma=4.0), reference=picture))


def test_compare_measures_the_shift() -> None:
    picture = textured().mean(axis=2).astype(np.float32)
    thumb = cv2.resize(picture, (160, 90), interpolation=cv2.INTER_AREA)
    moved = np.roll(thumb, 5, axis=1)
    ncc, shift, _, _ = compare(thumb, moved)
    assert ncc > 0.8
    assert abs(shift - 5 / 160) < 0.01


def test_a_turned_real_camera_is_scene_changed_not_a_cover() -> None:
    # The corridor turned away: its new view has flat patches (wall, floor) where the reference had
    # detail, which cell by cell looks like a cover; but nothing of the reference stays in place.
    reference = decode("one-by-one-person-detection.mp4", 0, 1)[0]
    frames = decode("one-by-one-person-detection.mp4", 120, 8)
    for seed in (1, 2, 3):
        found = codes(diagnose(with_fault(frames, "scene_changed", 0.6, seed, fps=10.0), reference=reference))
        assert found == {"scene_changed"}, seed


def test_structure_kept_counts_what_moved_not_what_was_added() -> None:
    # A near-empty view: a few lines on a flat ground.
    ground = np.full((90, 160), 100.0, np.float32)
    for x in (20, 70, 120):
        cv2.line(ground, (x, 10), (x + 15, 30), 220.0, 2)
    with_car = ground.copy()
    cv2.rectangle(with_car, (60, 45), (110, 80), 240.0, -1)
    assert structure_kept(ground, with_car) > 0.95
    turned = np.roll(ground, 25, axis=1)
    assert structure_kept(ground, turned) < 0.5
