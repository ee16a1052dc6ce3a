"""blur: defocus is found against the reference; a featureless scene is never called blurred."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, decode, live, scene, textured, with_fault
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS
from qarauyl.diagnosis.sharpness import edge_map, edge_sharpness, sharpness_at
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


def test_sharpness_at_the_reference_edges_falls_under_defocus_not_under_a_veil() -> None:
    grey = textured(360, 640).mean(axis=2).astype(np.float32)
    edges = edge_map(grey)
    own = sharpness_at(grey, edges)
    veiled = sharpness_at(grey * 0.35 + 130.0, edges)  # fog: a third of the contrast over scattered light
    defocused = make_fault_renderer("blur", strength=0.3)(textured(360, 640), 0.0).mean(axis=2)
    assert veiled == pytest.approx(own, rel=0.02)
    assert (
        sharpness_at(defocused.astype(np.float32), edges) < DEFAULT_THRESHOLDS.blur_reference_edge_ratio * own
    )


def test_mild_fog_over_a_real_parking_lot_is_not_blur() -> None:
    # The veil's slight softening and faint new edges lower the picture's figure; the lot's own edges,
    # where the reference has them, are as sharp as before relative to their (lower) contrast.
    reference = decode("car-detection.mp4", 0, 1)[0]
    frames = decode("car-detection.mp4", 180, 8)
    for seed in (549, 550):
        found = codes(diagnose(with_fault(frames, "low_contrast", 0.3, seed), reference=reference))
        assert "blur" not in found, seed


@pytest.mark.parametrize(
    ("clip", "fps", "start"),
    [("car-detection.mp4", 12.5, 130), ("one-by-one-person-detection.mp4", 10.0, 494)],
)
def test_mild_foliage_over_a_real_view_is_not_blur(clip: str, fps: float, start: int) -> None:
    # Leaves near the lens hide half the view behind soft rims; the scene's edges between them stay sharp.
    reference = decode(clip, 0, 1)[0]
    frames = decode(clip, start, 8)
    found = codes(diagnose(with_fault(frames, "occluded", 0.3, seed=2067, fps=fps), reference=reference))
    assert "blur" not in found


def test_defocus_of_a_real_street_widens_the_reference_edges() -> None:
    reference = decode("one-by-one-person-detection.mp4", 0, 1)[0]
    frames = decode("one-by-one-person-detection.mp4", 400, 8)
    diagnosis = diagnose(with_fault(frames, "blur", 0.3, fps=10.0), reference=reference)
    assert codes(diagnosis) == {"blur"}
    assert diagnosis.metrics["sharpness_at_reference_edges"] < DEFAULT_THRESHOLDS.blur_reference_edge_ratio
