"""color_cast and ir_cut: a wrong white balance, the IR-cut filter stuck; a greyscale night is neither."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.colour import cast_vector, gain_shift, log_chroma
from qarauyl.sim.picture_faults import make_fault_renderer


@pytest.mark.parametrize("seed", range(5))
def test_white_balance_casts_are_color_cast(seed: int) -> None:
    picture = textured()
    render = make_fault_renderer("color_cast", strength=0.6, seed=seed)
    assert codes(diagnose([render(f, 0.0) for f in live(picture)], reference=picture)) == {"color_cast"}


def test_a_stuck_ir_cut_filter_is_ir_cut_not_color_cast() -> None:
    picture = textured()
    render = make_fault_renderer("ir_cut", strength=0.6)
    assert codes(diagnose([render(f, 0.0) for f in live(picture)], reference=picture)) == {"ir_cut"}


def test_a_grey_picture_has_no_cast() -> None:
    grey = np.repeat(textured().mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
    rg, bg, cast = cast_vector(grey)
    assert abs(rg) < 0.01 and abs(bg) < 0.01 and cast < 0.01


def test_a_scene_that_is_orange_every_day_is_not_a_cast_against_its_reference() -> None:
    orange = np.clip(textured().astype(np.float32) * np.array([1.3, 1.05, 0.7]), 0, 255).astype(np.uint8)
    assert "color_cast" not in codes(diagnose(live(orange), reference=orange))


def test_the_gain_shift_is_the_white_balance_gain() -> None:
    picture = textured()
    blue = np.clip(picture.astype(np.float32) * np.array([1.0, 1.0, 1.3]), 0, 255).astype(np.uint8)
    shift_rg, shift_bg = gain_shift(blue, log_chroma(picture), grey=0.03)
    assert abs(shift_rg) < 0.02 and shift_bg == pytest.approx(np.log(1.3), abs=0.03)


def test_a_blue_cast_that_turns_yellow_things_grey_is_found_against_the_reference() -> None:
    # Through the least saturated fifth alone the cast hides: those are the pixels it made grey. Against
    # the reference, every pixel moved by the same gain.
    rng = np.random.default_rng(3)
    yellowish = np.clip(textured().astype(np.float32) * np.array([1.15, 1.1, 0.8]), 0, 255).astype(np.uint8)
    render = make_fault_renderer("color_cast", strength=0.3, seed=0)
    frames = [render(f, 0.0) for f in live(yellowish, seed=int(rng.integers(100)))]
    found = diagnose(frames, reference=yellowish)
    assert codes(found) == {"color_cast"} and found.metrics["cast_shift"] > 0.15


def test_a_grey_night_against_a_colour_reference_is_no_cast() -> None:
    picture = textured()
    grey = np.repeat(picture.mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
    assert gain_shift(grey, log_chroma(picture), grey=0.03) == (0.0, 0.0)


def test_the_cast_vector_of_a_known_grey_fifth() -> None:
    """A picture whose least saturated fifth is grey with a known tint: the cast vector reads that tint."""
    rng = np.random.default_rng(3)
    picture = rng.integers(30, 220, (90, 160, 3)).astype(np.uint8)
    picture[..., 0], picture[..., 2] = 30, 220  # the rest strongly coloured, however green varies
    # Every other pixel (the stride the cast is read on) of the top rows: a grey tinted 10 % red.
    picture[:40, :, :] = (110, 100, 100)
    rg, bg, chroma = cast_vector(picture)
    assert rg == pytest.approx(10 / (310 / 3), abs=1e-6)
    assert bg == pytest.approx(0.0, abs=1e-6)
    assert chroma == pytest.approx(abs(rg), abs=1e-6)
