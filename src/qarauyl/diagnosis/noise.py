"""Image noise and snow: `noise` (Hikvision's image noise and snow interference).

Noise sigma is estimated at native resolution on the flattest blocks of the key frame (Immerkaer's
Laplacian-difference operator), so texture does not pass for noise; impulse "snow" is counted apart.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode

_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
CROP = 384  # a native-resolution window in the middle of the frame: enough flat blocks, < 1 ms


def noise_sigma(grey_f: Array, block: int = 16) -> float:
    """Gaussian noise sigma (levels) from the 20 % flattest blocks; ~0 on a clean synthetic image."""
    response = np.abs(cv2.filter2D(grey_f, cv2.CV_32F, _KERNEL))[1:-1, 1:-1]
    h, w = response.shape
    hb, wb = h // block, w // block
    if hb == 0 or wb == 0:
        return float(np.sqrt(np.pi / 2) / 6 * response.mean())
    per_block = response[: hb * block, : wb * block].reshape(hb, block, wb, block).mean(axis=(1, 3)).ravel()
    k = max(1, int(per_block.size * 0.2))
    flattest = np.partition(per_block, k - 1)[:k]
    return float(np.sqrt(np.pi / 2) / 6 * flattest.mean())


def _crop(frame: Array) -> Array:
    h, w = frame.shape[:2]
    ch, cw = min(h, CROP), min(w, CROP)
    y, x = (h - ch) // 2, (w - cw) // 2
    return frame[y : y + ch, x : x + cw]


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    crop = cv2.cvtColor(np.ascontiguousarray(_crop(ctx.view.native)), cv2.COLOR_RGB2GRAY)
    crop_f = crop.astype(np.float32)
    sigma = noise_sigma(crop_f)
    # Snow: isolated pixels far from their 3x3 median.
    impulses = (
        float(np.count_nonzero(np.abs(crop_f - cv2.medianBlur(crop, 3).astype(np.float32)) > 90)) / crop.size
    )
    metrics = {"noise_sigma": sigma, "impulse_fraction": impulses}
    limit = t.noise_sigma
    learned = ctx.baseline.learned("noise_sigma")
    if learned is not None:
        limit = max(limit, learned.mean + t.noise_baseline_margin + 3 * learned.std)
    if sigma >= limit or impulses > 0.004:
        return [
            finding(
                FaultCode.NOISE,
                sigma >= 2 * limit,
                score(sigma, limit, 2 * limit),
                noise_sigma=sigma,
                impulse_fraction=impulses,
            )
        ], metrics
    return [], metrics
