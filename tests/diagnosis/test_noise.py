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
    # Half of the picture changes by 10 levels from frame to frame (every cell: it is no moving object).
    changing = [np.where(np.arange(160) % 2 == 0, 100 + 10 * k, 100).astype(np.int16)[None, :].repeat(90, 0)
                for k in range(3)]  # fmt: skip
    assert flicker(tuple(still)) == 0.0
    assert flicker(tuple(changing)) == pytest.approx(0.5)


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
