"""glare: a light shining into the lens; lamps that were always in the picture are not glare."""

from __future__ import annotations

import cv2
import numpy as np
from diagnosis_pictures import codes, decode, live, scene, textured, with_fault

from qarauyl.diagnosis import diagnose
from qarauyl.sim.picture_faults import make_fault_renderer


def test_the_sun_in_the_lens_is_glare() -> None:
    picture = textured()
    render = make_fault_renderer("glare", strength=0.5, seed=2)
    assert codes(diagnose([render(f, 0.0) for f in live(picture)], reference=picture)) == {"glare"}


def test_street_lamps_in_the_reference_are_not_glare() -> None:
    night = (textured() * 0.4).astype(np.uint8)
    for x in (80, 200, 320, 440):
        cv2.circle(night, (x, 40), 12, (255, 255, 255), -1)
    assert "glare" not in codes(diagnose(live(night), reference=night))


def test_the_sun_on_a_white_wall_is_glare_not_overexposure() -> None:
    # The wall is nearly white already, so the clipped share and the mean are high; but only the light's
    # blob is new, the rest of the wall keeps its level.
    frames = scene("white_wall")
    for seed in (3, 4):
        assert codes(diagnose(with_fault(frames[-8:], "glare", 0.6, seed), reference=frames[0])) == {"glare"}


def test_a_frozen_picture_with_a_white_car_is_frozen_not_glare() -> None:
    # Frames 70-78 of the parking-lot clip: a white car in the sun clips a compact blob. Frozen, the blob
    # stays put like a light in the lens would; the stream being frozen is the finding.
    reference = decode("car-detection.mp4", 0, 1)[0]
    frames = decode("car-detection.mp4", 70, 8)
    found = codes(diagnose(with_fault(frames, "frozen", 1.0), reference=reference))
    assert "frozen" in found
    assert "glare" not in found
