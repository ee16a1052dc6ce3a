"""blur: defocus is found against the reference; a featureless scene is never called blurred."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, decode, live, scene, textured, with_fault
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.sharpness import edge_sharpness
from qarauyl.sim.picture_faults import make_fault_renderer


@pytest.mark.parametrize("strength", [0.3, 0.6, 1.0])
def test_defocus_is_blur(strength: float) -> None:
    picture = textured(360, 640)
    render = make_fault_renderer("blur", strength=strength)
    frames = [render(f, 0.0) for f in live(picture, n=3)]
    assert codes(diagnose(frames, reference=picture)) == {"blur"}


def test_a_featureless_wall_is_not_blur() -> None:
    wall = np.full((360, 640, 3), 180, np.uint8)
    frames = live(wall, n=3, sigma=1.0)
    assert "blur" not in codes(diagnose(frames))
    assert "blur" not in codes(diagnose(frames, reference=frames[0]))


@settings(max_examples=15, deadline=None)
@given(gain=st.floats(0.3, 1.0))
def test_sharpness_does_not_depend_on_contrast(gain: float) -> None:
    grey = textured().mean(axis=2).astype(np.float32)
    full, _ = edge_sharpness(grey)
    scaled, _ = edge_sharpness(grey * gain)
    assert scaled == pytest.approx(full, rel=0.05)


def test_more_defocus_means_less_sharpness() -> None:
    picture = textured(360, 640)
    values = [
        edge_sharpness(make_fault_renderer("blur", strength=s)(picture, 0.0).mean(axis=2).astype(np.float32))[
            0
        ]
        for s in (0.1, 0.5, 1.0)
    ]
    assert values[0] > values[1] > values[2]


def test_leaves_in_front_of_a_white_wall_are_not_blur() -> None:
    # The wall had no edges: the soft edges of leaves close to the lens are new things, not lost focus.
    frames = scene("white_wall")
    found = codes(diagnose(with_fault(frames[-8:], "occluded", 0.3, seed=3), reference=frames[0]))
    assert "blur" not in found


def test_stripes_on_a_street_are_not_blur() -> None:
    frames = scene("street_day")
    for seed in (500, 501):
        found = codes(diagnose(with_fault(frames[-8:], "stripes", 0.6, seed), reference=frames[0]))
        assert found == {"stripes"}, seed


def test_defocus_of_a_real_street_is_blur_everywhere() -> None:
    reference = decode("one-by-one-person-detection.mp4", 0, 1)[0]
    frames = decode("one-by-one-person-detection.mp4", 200, 8)
    diagnosis = diagnose(with_fault(frames, "blur", 0.3, fps=10.0), reference=reference)
    assert codes(diagnosis) == {"blur"}
    assert diagnosis.metrics["blur_spread"] >= 0.6
