"""noise: heavy sensor noise and snow; normal noise and texture are not noise."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, live, textured
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import diagnose
from qarauyl.diagnosis.noise import noise_sigma


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
