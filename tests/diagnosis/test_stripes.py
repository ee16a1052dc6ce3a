"""stripes: rolling interference bands; regular things in the scene (a fence) are in the reference too."""

from __future__ import annotations

import cv2
import numpy as np
from diagnosis_pictures import codes, decode, live, scene, textured, with_fault

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.stripes import SIZE, added_energy
from qarauyl.sim.picture_faults import make_fault_renderer


def _bands(frame: np.ndarray, period: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    yy = np.arange(frame.shape[0], dtype=np.float32)[:, None, None]
    wave = amplitude * np.sin(2 * np.pi * (yy / period + phase))
    return np.clip(frame.astype(np.float32) + wave, 0, 255).astype(np.uint8)


def test_interference_bands_are_stripes() -> None:
    picture = textured()
    frames = [_bands(f, 14.0, 30.0, i * 0.05) for i, f in enumerate(live(picture))]
    assert codes(diagnose(frames, reference=picture)) == {"stripes"}


def test_a_fence_that_was_always_there_is_not_stripes() -> None:
    fenced = _bands(textured(), 14.0, 30.0)
    assert "stripes" not in codes(diagnose(live(fenced), reference=fenced))


def test_bands_at_the_pitch_of_a_slatted_wall_are_stripes() -> None:
    # The real corridor clip has a slatted wall whose pitch is that of these bands: the spectrum of the
    # picture alone peaks there every day, the picture minus its reference only when bands are added.
    reference = decode("one-by-one-person-detection.mp4", 0, 1)[0]
    frames = decode("one-by-one-person-detection.mp4", 300, 8)
    found = codes(diagnose(with_fault(frames, "stripes", 0.3, seed=501, fps=10.0), reference=reference))
    assert found == {"stripes"}


def test_a_white_car_on_empty_asphalt_is_not_stripes() -> None:
    # A big bright rectangle on a featureless lot puts a line of energy into the spectrum, not a point.
    reference = decode("car-detection.mp4", 0, 1)[0]
    assert codes(diagnose(decode("car-detection.mp4", 85, 8), reference=reference)) == set()


def test_a_turned_camera_is_not_stripes() -> None:
    # The new view's own row of lamp posts is regular, but only in part of the picture.
    frames = scene("street_day")
    for seed in (500, 507):
        found = codes(diagnose(with_fault(frames[-8:], "scene_changed", 1.0, seed), reference=frames[0]))
        assert "stripes" not in found, seed


def test_a_swaying_view_of_a_street_of_windows_is_shaking_not_stripes() -> None:
    # Moved against the reference, the facades' rows of windows do not cancel in the difference; moved
    # back onto the picture first, they do. (The simulator's slow 2 Hz sway, seed 0, through its phases.)
    frames = scene("street_day", count=48, seed=0)
    render = make_fault_renderer("shaking", strength=1.0, seed=0)
    for start in range(6, 42, 4):
        burst = [render(f, (start + i) / 12.5) for i, f in enumerate(frames[start : start + 6])]
        found = codes(diagnose(burst, reference=frames[0]))
        assert "stripes" not in found, (start, found)


def test_bands_add_energy_where_blur_takes_it_away() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0.0, 20.0, (SIZE, SIZE)).astype(np.float32)
    xx = np.arange(SIZE, dtype=np.float32)[None, :]
    wave = 15.0 * np.sin(2 * np.pi * xx * 20 / SIZE)
    assert added_energy(reference + wave, reference, 0, 20) > 2.0
    pattern = reference + wave
    blurred = cv2.GaussianBlur(pattern, (0, 0), 2.0)
    assert added_energy(blurred, pattern, 0, 20) < 1.0


def test_a_blurred_night_street_is_blur_not_stripes() -> None:
    # Its lit windows are a regular pattern: the blurred picture minus the sharp reference keeps it as one
    # sharp peak, but weakened, where bands would be stronger than the scene (simulator seed 100, 0.6).
    frames = scene("street_night", count=78, seed=100)
    found = codes(diagnose(with_fault(frames[69:77], "blur", 0.6), reference=frames[0]))
    assert found == {"blur"}
