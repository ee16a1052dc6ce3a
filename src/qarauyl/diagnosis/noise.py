"""Image noise and snow: `noise` (Hikvision's image noise and snow interference).

Noise sigma is estimated at native resolution on the flattest blocks of the key frame (Immerkaer's
Laplacian-difference operator), so texture does not pass for noise; impulse "snow" is counted apart, and
only where it is new since the previous frame: snow falls anew in every picture, while a lamp or a thin
pole one or two pixels wide (common on a low-resolution stream) stays where it is.

An encoder short of bits smooths heavy noise away within each picture, but cannot keep it from changing
from frame to frame: what survives is flicker, blocks refreshed all over the picture. Flicker is the share
of the full-resolution samples (about 160 across) changing by FLICKER_LEVELS or more between frames, as
many up as down (noise goes both ways, a change of light one way), in the median cell of a 4x4 grid
(motion changes a few cells, noise all of them), for the burst's upper-quartile pair. Not its median pair:
an encoder held to its rate by a small buffer spends a second's bits on a noisy key frame and then sends
near-copies for a few frames, so over half of a 6-frame burst may show no change (the simulator's clip
does this at its first key frame, where the e2e test missed noise one run in six).

How much a scene flickers depends on the camera (an IR night flickers as much as a noisy day), so flicker
is judged only against the camera's learned baseline: `noise` when it rises well above its normal and its
spread (settings.py).
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
    # Area resizing by a whole factor is each block's mean, 4x faster than numpy's reshape and mean.
    tiles = response[: hb * block, : wb * block]
    per_block = cv2.resize(tiles, (wb, hb), interpolation=cv2.INTER_AREA).ravel()
    k = max(1, int(per_block.size * 0.2))
    flattest = np.partition(per_block, k - 1)[:k]
    return float(np.sqrt(np.pi / 2) / 6 * flattest.mean())


FLICKER_LEVELS = 6  # a change a viewer sees; a clean picture's codec drift stays under it
_GRID = 4
FLICKER_WIDTH = 160


def flicker(samples: tuple[Array, ...]) -> float:
    """Share of samples changing by FLICKER_LEVELS or more between two consecutive frames, counted both
    ways, in the median cell of a 4x4 grid, and the upper quartile over the burst's pairs.

    Both ways: noise brightens as many samples as it darkens, while a change of light (auto-exposure
    reacting to a car, a cloud) moves a cell one way; a cell's flicker is twice the smaller of its two
    shares. The upper quartile: an encoder short of bits sends near-copies after a key frame (pairs with no
    change, up to three of five), and a clip's loop or a cut jumps once (of five pairs, the second largest
    is kept). See the module docstring."""
    # About 160 samples across are plenty for a share (a 1080p burst's samples are strided 3x more).
    step = max(1, samples[0].shape[1] // FLICKER_WIDTH)
    stack = np.stack([s[::step, ::step] for s in samples])
    n, h, w = stack.shape
    ch, cw = h // _GRID, w // _GRID
    change = np.diff(stack[:, : ch * _GRID, : cw * _GRID], axis=0)

    def per_cell(mask: Array) -> Array:
        shares: Array = mask.reshape(n - 1, _GRID, ch, _GRID, cw).mean(axis=(2, 4))
        return shares.reshape(n - 1, -1)

    cells = 2 * np.minimum(per_cell(change >= FLICKER_LEVELS), per_cell(change <= -FLICKER_LEVELS))
    return float(np.percentile(np.median(cells, axis=1), 75))


IMPULSE_LEVELS = 90  # how far from its 3x3 median a pixel must be to count as snow


def impulses(grey: Array) -> Array:
    """Pixels far from their 3x3 median (uint8 luma in, bool out)."""
    return np.abs(grey.astype(np.int16) - cv2.medianBlur(grey, 3).astype(np.int16)) > IMPULSE_LEVELS


def impulse_fraction(grey: Array, previous: Array | None) -> float:
    """Share of the picture that is snow: impulses, less those already there in the previous frame."""
    found = impulses(grey)
    if previous is not None:
        found &= ~impulses(previous)
    return float(np.count_nonzero(found)) / found.size


def _crop(frame: Array) -> Array:
    h, w = frame.shape[:2]
    ch, cw = min(h, CROP), min(w, CROP)
    y, x = (h - ch) // 2, (w - cw) // 2
    return frame[y : y + ch, x : x + cw]


def _grey_crop(frame: Array) -> Array:
    return cv2.cvtColor(np.ascontiguousarray(_crop(frame)), cv2.COLOR_RGB2GRAY)


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    crop = _grey_crop(ctx.view.native)
    sigma = noise_sigma(crop.astype(np.float32))
    previous = None if ctx.view.previous is None else _grey_crop(ctx.view.previous)
    snow = impulse_fraction(crop, previous)
    metrics = {"noise_sigma": sigma, "impulse_fraction": snow}
    limit = t.noise_sigma
    learned = ctx.baseline.learned("noise_sigma")
    if learned is not None:
        limit = max(limit, learned.mean + t.noise_baseline_margin + 3 * learned.std)
    critical, confidence = sigma >= 2 * limit, score(sigma, limit, 2 * limit)
    flickering = False
    if ctx.view.count >= 3:
        metrics["noise_flicker"] = flick = flicker(ctx.view.samples)
        normal = ctx.baseline.learned("noise_flicker")
        if normal is not None:
            flicker_limit = max(
                t.noise_flicker_floor, t.noise_flicker_ratio * normal.mean, normal.mean + 4 * normal.std
            )
            flickering = flick >= flicker_limit
            if flickering and sigma < limit and snow <= 0.004:
                # Flicker is the only sign: say so, a moving view flickers too (see registry.arbitrate). It
                # says that noise is there, not how heavy it is: a warning, the same from probe to probe.
                metrics["noise_by_flicker"] = 1.0
                critical, confidence = False, score(flick, flicker_limit, 2 * flicker_limit)
    if sigma >= limit or snow > 0.004 or flickering:
        return [
            finding(
                FaultCode.NOISE,
                critical,
                confidence,
                noise_sigma=sigma,
                impulse_fraction=snow,
                noise_flicker=metrics.get("noise_flicker", 0.0),
            )
        ], metrics
    return [], metrics
