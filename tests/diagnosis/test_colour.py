"""color_cast and ir_cut: a wrong white balance, the IR-cut filter stuck; a greyscale night is neither."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.colour import cast_vector
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
