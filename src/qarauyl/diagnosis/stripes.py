"""Stripe interference: `stripes` — periodic bands from a bad ground or an analogue link.

A sinusoidal band is one sharp peak in the 2-D spectrum; natural scenes spread their energy smoothly over
each frequency ring. Regular things in the scene (a fence, floorboards) also peak, so with a reference the
peak must be new.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode

SIZE = 256  # vertical bands 10 px apart at 1080p must stay above 2 px per period
_WINDOW = cv2.createHanningWindow((SIZE, SIZE), cv2.CV_32F)
_FY = np.fft.fftfreq(SIZE)[:, None] * SIZE
_FX = np.fft.rfftfreq(SIZE)[None, :] * SIZE
_RADIUS = np.sqrt(_FX**2 + _FY**2)
_RING = np.clip(np.round(_RADIUS).astype(np.int32), 0, SIZE)
# Periods from 2.5 pixels of the grid to a third of the frame: fine moiré to a few bands per frame.
_BAND = (_RADIUS >= 3.2) & (_RADIUS <= SIZE / 2.5)


def spectrum(grey_f: Array) -> Array:
    small = cv2.resize(grey_f, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    small = (small - small.mean()) * _WINDOW
    return np.abs(np.fft.rfft2(small))


_RING_BAND = _RING[_BAND]
_RING_COUNT = np.maximum(np.bincount(_RING_BAND, minlength=SIZE + 1), 1)


def peak(mag: Array) -> tuple[float, int]:
    """(prominence, flat index) of the strongest in-band peak against the typical level of its frequency
    ring (the geometric mean: like a median, one peak barely moves it)."""
    logs = np.log(mag[_BAND] + 1e-3)
    ring_level = np.exp(np.bincount(_RING_BAND, weights=logs, minlength=SIZE + 1) / _RING_COUNT)
    ratio = np.where(_BAND, mag / (ring_level[_RING] + 1e-3), 0.0)
    index = int(np.argmax(ratio))
    return float(ratio.flat[index]), index


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    mag = spectrum(ctx.view.key.grey_f)
    prominence, index = peak(mag)
    metrics = {"stripes_prominence": prominence}
    # With a reference, regular things in the scene are known and a lower peak is already news.
    limit = t.stripes_prominence if ctx.reference is None else t.stripes_prominence_with_reference
    if prominence < limit:
        return [], metrics
    if ctx.reference is not None:
        ref_grey = ctx.reference.grey_f
        ref = ctx.reference.cached("spectrum", lambda: spectrum(ref_grey))
        # Compare the same bin and its neighbours (a little vibration moves nothing in frequency).
        iy, ix = np.unravel_index(index, mag.shape)
        window = ref[max(0, iy - 1) : iy + 2, max(0, ix - 1) : ix + 2].max()
        relative = float(mag.flat[index] / (window * (mag.sum() / max(1e-3, ref.sum())) + 1e-3))
        metrics["stripes_new_ratio"] = relative
        if relative < t.stripes_new_ratio:
            return [], metrics
    return [
        finding(
            FaultCode.STRIPES,
            prominence > 3 * limit,
            score(prominence, limit, 3 * limit),
            prominence=prominence,
        )
    ], metrics
