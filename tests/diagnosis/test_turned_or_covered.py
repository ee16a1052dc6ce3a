"""A turned camera against a cover when the reference's only detail was something in the changed cells.

Reference frame 64 of the parking-lot clip has a car that has just parked in the otherwise empty lot: nearly
all its textured cells are the car. Turned away, those cells show plain asphalt (they "lost texture", as
under a cover) and nothing textured is left elsewhere to show whether the view stayed in place. What tells
them apart is colour: the turned view shows the lot's own asphalt and cars, a cover a colour of its own.
"""

from __future__ import annotations

import numpy as np
from diagnosis_pictures import codes, decode, with_fault

from qarauyl.diagnosis import diagnose, prepare_reference
from qarauyl.diagnosis.occlusion import own_colour, palette
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS


def _lot(start: int = 100) -> tuple[object, list[np.ndarray]]:
    reference = prepare_reference(decode("car-detection.mp4", 64, 1)[0])
    return reference, decode("car-detection.mp4", start, 8)


def test_the_lot_turned_away_from_a_parked_car_is_scene_changed_not_a_cover() -> None:
    reference, frames = _lot()
    for seed in (2000, 2002, 2006):
        turned = with_fault(frames, "scene_changed", 0.6, seed)
        assert codes(diagnose(turned, reference=reference)) == {"scene_changed"}, seed


def test_the_lot_turned_to_a_plainer_view_is_scene_changed_not_fog() -> None:
    # The turned view has less contrast than the reference with its car; a veil would have left the lot's
    # textured cells in place, the turned view leaves none.
    reference, frames = _lot(130)
    for seed in (2004, 2005):
        turned = with_fault(frames, "scene_changed", 1.0, seed)
        assert codes(diagnose(turned, reference=reference)) == {"scene_changed"}, seed


def test_covers_and_fog_over_the_lot_keep_their_names() -> None:
    reference, frames = _lot()
    for seed in range(2000, 2004):  # the four kinds of occluder: skin, dark cloth, blue, foliage
        for strength in (0.3, 0.6):
            found = codes(diagnose(with_fault(frames, "occluded", strength, seed), reference=reference))
            assert found == {"occluded"}, (seed, strength)
    for strength in (0.3, 1.0):
        found = codes(diagnose(with_fault(frames, "low_contrast", strength, 1), reference=reference))
        assert found == {"low_contrast"}, strength


def test_own_colour_is_far_for_a_cover_and_near_for_colours_moved_about() -> None:
    rng = np.random.default_rng(3)
    ref_rgb = rng.uniform(60.0, 160.0, (90, 160, 3)).astype(np.float32)
    ncc = np.zeros((6, 8))
    covered = np.zeros((6, 8), bool)
    covered[:, :3] = True
    known = palette(ref_rgb)
    moved = np.roll(ref_rgb, 60, axis=1)  # the same colours, elsewhere
    cover = ref_rgb.copy()
    cover[:, :60] = (205.0, 150.0, 125.0)  # skin
    t = DEFAULT_THRESHOLDS
    assert own_colour(ref_rgb, moved, covered, ncc, t, known) < 0.5 * t.occluded_own_colour
    assert own_colour(ref_rgb, cover, covered, ncc, t, known) > 2 * t.occluded_own_colour
