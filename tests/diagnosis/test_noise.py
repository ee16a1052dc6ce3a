"""noise: heavy sensor noise and snow; normal noise and texture are not noise."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, live, textured
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import Baseline, diagnose, update_baseline
from qarauyl.diagnosis.baseline import MIN_SAMPLES
from qarauyl.diagnosis.noise import flicker, noise_sigma
from qarauyl.diagnosis.settings import Thresholds
from qarauyl.domain import Severity


@settings(max_examples=12, deadline=None)
@given(sigma=st.floats(2.0, 30.0))
def test_noise_sigma_is_estimated_within_a_quarter(sigma: float) -> None:
    flat = np.full((256, 256), 128.0, np.float32)
    noisy = flat + np.random.default_rng(0).normal(0, sigma, flat.shape).astype(np.float32)
    assert noise_sigma(noisy) == pytest.approx(sigma, rel=0.25)


def test_texture_is_not_mistaken_for_noise() -> None:
    assert noise_sigma(textured().mean(axis=2).astype(np.float32)) < 3.0


def test_heavy_noise_is_found() -> None:
    picture = textured()
    assert codes(diagnose(live(picture, sigma=25.0), reference=picture)) == {"noise"}


def test_ordinary_sensor_noise_is_fine() -> None:
    picture = textured()
    assert "noise" not in codes(diagnose(live(picture, sigma=4.0), reference=picture))


def _learned(picture: np.ndarray, sigma: float) -> Baseline:
    """The baseline of a camera whose healthy probes show sensor noise of `sigma`."""
    baseline = Baseline()
    for i in range(MIN_SAMPLES):
        baseline = update_baseline(baseline, diagnose(live(picture, sigma=sigma, seed=i), reference=picture))
    return baseline


def test_flicker_is_the_share_of_samples_that_change_visibly() -> None:
    still = [np.full((90, 160), 100, np.int16)] * 3
    # Half of the picture changes by 10 levels from frame to frame, a quarter up and a quarter down, in
    # every cell (it is no moving object).
    column = np.arange(160) % 4
    changing = [np.select([column == 0, column == 2], [100 + 10 * k, 100 - 10 * k], 100).astype(np.int16)
                [None, :].repeat(90, 0) for k in range(3)]  # fmt: skip
    assert flicker(tuple(still)) == 0.0
    assert flicker(tuple(changing)) == pytest.approx(0.5)


def test_flicker_survives_an_encoder_that_sends_near_copies_after_its_key_frame() -> None:
    # A rate-limited encoder spends its buffer on a noisy key frame, then sends copies for three frames:
    # three of the five pairs show no change. The two coded pairs still tell a flickering picture.
    rng = np.random.default_rng(5)
    noisy = [rng.integers(0, 255, (90, 160)).astype(np.int16) for _ in range(3)]
    starved = (noisy[0], noisy[0], noisy[0], noisy[0], noisy[1], noisy[2])
    assert flicker(starved) > 0.9
    # One jump in a still picture (a clip's loop, a cut) is not flicker.
    still = np.full((90, 160), 100, np.int16)
    assert flicker((still, still, still, still + 50, still + 50, still + 50)) == 0.0


def test_a_change_of_light_is_not_flicker() -> None:
    # Auto-exposure reacting to a car brightens the whole picture, more each frame: one way only.
    rng = np.random.default_rng(6)
    scene = rng.integers(40, 200, (90, 160)).astype(np.int16)
    brightening = tuple(scene + 12 * k for k in range(6))
    assert flicker(brightening) == 0.0
    # Noise during that change of light still flickers, well above the floor of the check (if less: the
    # light pushes most of the noise's changes one way).
    noisy = tuple(f + rng.normal(0, 12, f.shape).astype(np.int16) for f in brightening)
    assert flicker(noisy) > 2 * Thresholds().noise_flicker_floor


def test_a_camera_whose_flicker_rises_far_above_its_normal_is_noise() -> None:
    # Sigma 5 is under the spatial bar (a clean camera without history is fine with it), but against a
    # camera that learned sigma 2 its frame-to-frame flicker is ten times the normal: what an encoder
    # leaves of heavy noise.
    picture = textured()
    noisy = live(picture, sigma=5.0, seed=99)
    assert "noise" not in codes(diagnose(noisy, reference=picture))
    found = diagnose(noisy, reference=picture, baseline=_learned(picture, 2.0))
    assert codes(found) == {"noise"} and found.metrics["noise_by_flicker"] == 1.0
    # How heavy cannot be told from flicker: always a warning, so two probes in a row agree on it.
    assert [f.severity for f in found.findings] == [Severity.WARNING]


def test_a_camera_that_always_flickers_this_much_is_not_noise() -> None:
    # A night camera with its own high flicker: the same sigma 5 is its normal.
    picture = textured()
    baseline = _learned(picture, 5.0)
    assert baseline.learned("noise_flicker") is not None
    burst = live(picture, sigma=5.0, seed=99)
    assert "noise" not in codes(diagnose(burst, reference=picture, baseline=baseline))


def _lamps(seed: int = 3) -> np.ndarray:
    """A low-resolution night street: small lamps and thin poles one or two pixels wide, far brighter than
    their surroundings, which a 3x3 median removes just as it removes snow."""
    rng = np.random.default_rng(seed)
    picture = np.full((180, 320, 3), 40, np.uint8)
    ys, xs = rng.integers(2, 178, 300), rng.integers(2, 318, 300)
    picture[ys, xs] = 250  # 300 lamps: 0.5 % of the pixels
    picture[20:160, [57, 131, 262]] = 230  # poles, one pixel wide (irregular: a row of them is stripes)
    return picture


def _snow(picture: np.ndarray, share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = picture.copy()
    flakes = rng.random(picture.shape[:2]) < share
    out[flakes] = rng.choice([0, 255], size=(int(flakes.sum()), 1)).astype(np.uint8)
    return out


def test_small_bright_details_that_stay_put_are_not_snow() -> None:
    picture = _lamps()
    frames = [np.clip(f, 0, 255).astype(np.uint8) for f in live(picture, sigma=1.0)]
    diagnosis = diagnose(frames)
    assert diagnosis.metrics["impulse_fraction"] < 0.001
    assert "noise" not in codes(diagnosis)


def test_snow_that_falls_anew_in_every_frame_is_noise() -> None:
    picture = _lamps()
    frames = [_snow(picture, 0.01, seed) for seed in range(8)]
    diagnosis = diagnose(frames)
    # Half the flakes are white, far above the dark street; the black ones are within 40 levels of it.
    assert diagnosis.metrics["impulse_fraction"] == pytest.approx(0.005, rel=0.2)
    assert "noise" in codes(diagnosis)
