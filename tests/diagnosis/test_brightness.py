"""no_signal, too_dark, overexposed, low_contrast — and the night scene that is none of them."""

from __future__ import annotations

import cv2
import numpy as np
from diagnosis_pictures import codes, live, scene, textured, with_fault

from qarauyl.diagnosis import diagnose
from qarauyl.sim.picture_faults import make_fault_renderer


def test_a_healthy_picture_has_no_findings() -> None:
    picture = textured()
    assert codes(diagnose(live(picture), reference=picture)) == set()


def test_black_is_no_signal_and_nothing_else() -> None:
    black = [np.full((270, 480, 3), 2, np.uint8) for _ in range(8)]
    assert codes(diagnose(black)) == {"no_signal"}


def test_a_vendor_no_video_screen_is_no_signal() -> None:
    screen = make_fault_renderer("no_signal", seed=1)(textured(), 0.0)
    assert codes(diagnose([screen] * 4)) == {"no_signal"}


def test_a_flat_grey_wall_is_not_no_signal() -> None:
    wall = live(np.full((270, 480, 3), 200, np.uint8), sigma=1.5)
    assert "no_signal" not in codes(diagnose(wall))


def test_too_dark() -> None:
    picture = textured()
    dark = [(f * 0.12).astype(np.uint8) for f in live(picture)]
    assert codes(diagnose(dark, reference=picture)) == {"too_dark"}


def test_an_infrared_night_scene_is_not_dark_nor_coloured() -> None:
    # IR: greyscale, noisy, lit near field, dark far field; mean around 60.
    picture = cv2.cvtColor(cv2.cvtColor(textured(seed=4), cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    night = (picture.astype(np.float32) * 0.55).astype(np.uint8)
    frames = live(night, sigma=6.0)
    found = codes(diagnose(frames, reference=night))
    assert not found & {"too_dark", "color_cast", "ir_cut", "no_signal"}, found


def test_overexposed() -> None:
    picture = textured()
    bright = [np.clip(f.astype(np.float32) * 3 + 60, 0, 255).astype(np.uint8) for f in live(picture)]
    assert codes(diagnose(bright, reference=picture)) == {"overexposed"}


def test_fog_is_low_contrast() -> None:
    picture = textured()
    render = make_fault_renderer("low_contrast", strength=0.6)
    foggy = [render(f, i / 25) for i, f in enumerate(live(picture))]
    assert codes(diagnose(foggy, reference=picture)) == {"low_contrast"}


def test_a_faintly_overexposed_night_street_is_overexposed_not_glare() -> None:
    # At night the lifted picture clips little more than a quarter, in one region around the lamps; what
    # tells it from a light in the lens is that everything else is lifted too, far above the reference.
    frames = scene("street_night")
    found = codes(diagnose(with_fault(frames[-8:], "overexposed", 0.3), reference=frames[0]))
    assert found == {"overexposed"}


def test_a_clean_night_street_and_low_texture_scenes_are_healthy() -> None:
    for name in ("street_night", "asphalt", "white_wall"):
        frames = scene(name, count=40)
        for start in (8, 20, 32):
            assert codes(diagnose(frames[start : start + 8], reference=frames[0])) == set(), (name, start)


def test_fog_over_asphalt_and_a_white_wall_is_low_contrast_not_a_cover() -> None:
    # Featureless references have no contrast to lose: the veil shows as a grey lift of the black level,
    # with the veil's own uneven grime on top. Grey and bright, it is a veil, not a cover.
    for name in ("asphalt", "white_wall"):
        frames = scene(name)
        for strength in (0.3, 1.0):
            faulty = with_fault(frames[-8:], "low_contrast", strength, seed=2)
            assert codes(diagnose(faulty, reference=frames[0])) == {"low_contrast"}, (name, strength)
