"""The picture-fault renderers: shapes, determinism, and that each fault does what its name says."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from qarauyl.sim.picture_faults import PICTURE_FAULTS, make_fault_renderer


def _scene(h: int = 180, w: int = 320, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 110, np.uint8)
    for _ in range(25):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = tuple(int(c) for c in rng.integers(20, 235, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(8, 60)), y + int(rng.integers(8, 40))), colour, -1)
    return img


def _luma(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


@pytest.mark.parametrize("fault", PICTURE_FAULTS)
@pytest.mark.parametrize("strength", [0.3, 1.0])
def test_every_fault_changes_the_picture_and_keeps_its_shape(fault: str, strength: float) -> None:
    clean = _scene()
    render = make_fault_renderer(fault, strength=strength, seed=3)
    first = render(clean, 0.0)
    out = render(_scene(seed=1), 0.2) if fault == "frozen" else render(clean, 0.2)
    assert out.shape == clean.shape and out.dtype == np.uint8
    reference = clean if fault != "frozen" else _scene(seed=1)
    assert np.abs(out.astype(int) - reference.astype(int)).mean() > 1.0
    assert first.shape == clean.shape


@pytest.mark.parametrize("fault", PICTURE_FAULTS)
def test_renderers_are_deterministic_for_a_seed_and_time(fault: str) -> None:
    clean = _scene()
    a = make_fault_renderer(fault, strength=0.7, seed=5)(clean, 1.25)
    b = make_fault_renderer(fault, strength=0.7, seed=5)(clean, 1.25)
    assert np.array_equal(a, b)


def test_unknown_fault_names_itself() -> None:
    with pytest.raises(ValueError, match="sparkles"):
        make_fault_renderer("sparkles")


def test_frozen_repeats_the_first_picture_noise_included() -> None:
    render = make_fault_renderer("frozen")
    first = _scene(seed=1)
    assert np.array_equal(render(first, 0.0), first)
    assert np.array_equal(render(_scene(seed=2), 0.04), first)


def test_noise_changes_from_frame_to_frame() -> None:
    render = make_fault_renderer("noise", strength=0.5)
    clean = _scene()
    assert not np.array_equal(render(clean, 0.0), render(clean, 0.04))


def test_stronger_blur_is_blurrier() -> None:
    clean = _scene()
    sharpness = [
        cv2.Laplacian(_luma(make_fault_renderer("blur", strength=s)(clean, 0.0)), cv2.CV_32F).var()
        for s in (0.1, 0.5, 1.0)
    ]
    assert sharpness[0] > sharpness[1] > sharpness[2]
    assert sharpness[0] < cv2.Laplacian(_luma(clean), cv2.CV_32F).var()


def test_brightness_faults_move_brightness_the_right_way() -> None:
    clean = _scene()
    # Dark enough to lose most of the picture (under 30 % of its light), even at the weakest strength.
    assert _luma(make_fault_renderer("too_dark", strength=0.1)(clean, 0.0)).mean() < 0.3 * _luma(clean).mean()
    assert _luma(make_fault_renderer("overexposed", strength=0.1)(clean, 0.0)).mean() > 200


@pytest.mark.parametrize("strength", [0.3, 1.0])
def test_occluder_covers_about_the_promised_share(strength: float) -> None:
    clean = np.zeros((180, 320, 3), np.uint8)
    for seed in range(4):
        out = make_fault_renderer("occluded", strength=strength, seed=seed)(clean, 0.0)
        covered = float((out.max(axis=2) > 20).mean())
        assert 0.3 <= covered <= 1.0, (seed, covered)


def test_ir_cut_turns_the_picture_pink_purple() -> None:
    grey = np.repeat(_luma(_scene())[..., None], 3, axis=2).astype(np.uint8)
    out = make_fault_renderer("ir_cut", strength=0.5)(grey, 0.0).astype(np.float32)
    r, g, b = (out[..., i].mean() for i in range(3))
    assert r > g + 5 and b > g + 5
