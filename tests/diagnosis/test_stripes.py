"""stripes: rolling interference bands; regular things in the scene (a fence) are in the reference too."""

from __future__ import annotations

import numpy as np
from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import diagnose


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
