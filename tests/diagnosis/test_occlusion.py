"""occluded: a cover over part or all of the view, static; a bus driving through is not a cover."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from diagnosis_pictures import codes, live, scene, textured, with_fault

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.occlusion import GRID, cell_moments, darkening_spread, lit_like


def _cover(frame: np.ndarray, fraction: float, colour: tuple[int, int, int] = (40, 38, 45)) -> np.ndarray:
    out = frame.copy()
    w = frame.shape[1]
    out[:, : int(w * fraction)] = colour
    return cv2.GaussianBlur(out, (0, 0), 0.8)


@pytest.mark.parametrize("fraction", [0.5, 1.0])
def test_a_static_cover_is_occluded(fraction: float) -> None:
    picture = textured()
    frames = live(_cover(picture, fraction))  # the cover is seen through the sensor's own noise
    found = diagnose(frames, reference=picture)
    assert codes(found) == {"occluded"}
    assert found.findings[0].detail["covered_fraction"] >= 0.4


def test_a_passing_bus_is_not_occluded() -> None:
    picture = textured()
    h, w = picture.shape[:2]
    frames = []
    for i, frame in enumerate(live(picture)):
        out = frame.copy()
        left = int(w * (-0.6 + 0.25 * i))  # a long vehicle crossing the view quickly
        cv2.rectangle(out, (left, h // 5), (left + int(w * 0.6), h - 5), (200, 200, 30), -1)
        frames.append(out)
    assert "occluded" not in codes(diagnose(frames, reference=picture))


def test_without_a_reference_occlusion_is_not_judged() -> None:
    frames = [_cover(f, 0.6) for f in live(textured())]
    assert "occluded" not in codes(diagnose(frames))


def test_a_hand_over_part_of_a_night_street_is_occluded() -> None:
    # At night the uncovered rest is noisy, and the hand's soft edge blurs the cells around it: those are
    # not asked to match the reference.
    frames = scene("street_night")
    for seed in (0, 4):
        found = codes(diagnose(with_fault(frames[-8:], "occluded", 0.3, seed), reference=frames[0]))
        assert found == {"occluded"}, seed


def test_a_hand_over_a_white_wall_is_neither_blur_nor_stripes() -> None:
    # The wall has no edges to lose and no pattern: the hand's soft outline and fingers are new things in
    # front of the lens, so whatever else is said, it is not defocus nor interference.
    frames = scene("white_wall")
    for seed in (0, 4):
        found = codes(diagnose(with_fault(frames[-8:], "occluded", 0.3, seed), reference=frames[0]))
        assert not found & {"blur", "stripes"}, (seed, found)
    for seed in (1, 2):
        found = codes(diagnose(with_fault(frames[-8:], "occluded", 0.6, seed), reference=frames[0]))
        assert found == {"occluded"}, seed


def test_darkening_spread_ignores_a_few_changed_cells_but_not_a_cover() -> None:
    reference = cv2.cvtColor(textured(), cv2.COLOR_RGB2GRAY).astype(np.float32)
    thumb = cv2.resize(reference, (160, 90), interpolation=cv2.INTER_AREA)
    darker = thumb * 0.2
    darker[30:50, 60:90] = 120.0  # something bright parked in a few cells meanwhile
    assert darkening_spread(thumb, darker) < 0.06
    # A dark cover shaded top to bottom: its level has nothing to do with the scene behind it.
    cover = np.repeat(np.linspace(25.0, 45.0, 90, dtype=np.float32)[:, None], 160, axis=1)
    assert darkening_spread(thumb, cover) > 0.08


def test_a_hand_filling_a_night_street_is_occluded_not_a_turned_camera() -> None:
    # The hand is lit unevenly: its shading varies as much as the dark street's contrast did, so it has
    # not lost contrast, only all fine detail (it is far out of focus).
    frames = scene("street_night", count=78, seed=100)
    for seed in (4, 8):
        for strength in (0.6, 1.0):
            faulty = with_fault(frames[69:77], "occluded", strength, seed)
            found = codes(diagnose(faulty, reference=frames[0]))
            assert found == {"occluded"}, (seed, strength)


def test_foliage_over_a_street_is_occluded() -> None:
    # Leaves let the street show between them, so many of their cells keep texture; their green is a colour
    # the reference shows nowhere (simulator seed 100; occluder seed 7 is foliage).
    frames = scene("street_day", count=78, seed=100)
    found = codes(diagnose(with_fault(frames[69:77], "occluded", 0.6, 7), reference=frames[0]))
    assert "occluded" in found


def test_lit_like_follows_a_colour_cast_but_not_a_partial_tint() -> None:
    rng = np.random.default_rng(1)
    ref = rng.uniform(20.0, 230.0, (48, 3)).astype(np.float32)
    matched = np.ones(48, bool)
    cast = ref * np.array([1.2, 0.9, 0.7], np.float32) + 10.0
    np.testing.assert_allclose(lit_like(ref, ref, cast, matched), cast, atol=0.5)
    tinted = ref.copy()
    tinted[::2] = 0.5 * tinted[::2] + 0.5 * np.array([40.0, 90.0, 35.0], np.float32)
    np.testing.assert_array_equal(lit_like(ref, ref, tinted, matched), ref)


def test_cell_moments_are_each_grid_cells_mean_and_standard_deviation() -> None:
    rng = np.random.default_rng(5)
    thumb = rng.uniform(0, 255, (90, 160)).astype(np.float32)
    thumb[:15, :20] = 100.0  # one flat cell: its deviation must come out 0, not the float noise of E[x^2]
    mean, std = cell_moments(thumb)
    cells = thumb.reshape(GRID[1], 15, GRID[0], 20).swapaxes(1, 2)
    np.testing.assert_allclose(mean, cells.mean(axis=(2, 3)), atol=1e-3)
    np.testing.assert_allclose(std, cells.std(axis=(2, 3)), atol=1e-3)
    assert std[0, 0] == 0.0
