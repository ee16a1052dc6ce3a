"""Image flutter: `shaking` — the whole view jumps between frames (a swaying pole, a loose bracket).

Global shift between consecutive frames by phase correlation on coarse thumbnails. A shaking camera moves
all of the picture; a car moves part of it, and in an empty low-texture scene that part can dominate the
global estimate. So the halves of the picture must agree: the shift counted is the smaller of the left and
right halves' shifts, and a move that only one half can see does not count.
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import THUMB_SIZE, Array, phase_correlate, score
from qarauyl.domain import FaultCode

_WINDOW = cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F)
_HALF = (THUMB_SIZE[0] // 2, THUMB_SIZE[1])
_HALF_WINDOW = cv2.createHanningWindow(_HALF, cv2.CV_32F)


def half_shifts(a: Array, b: Array, min_response: float) -> float | None:
    """The smaller shift (thumbnail pixels) of the two halves, or None unless both halves correlate."""
    w = _HALF[0]
    found = []
    for x0 in (0, w):
        (dx, dy), response = phase_correlate(
            np.ascontiguousarray(a[:, x0 : x0 + w]), np.ascontiguousarray(b[:, x0 : x0 + w]), _HALF_WINDOW
        )
        if response < min_response:
            return None
        found.append(float(np.hypot(dx, dy)))
    return min(found)


def shifts(thumbs: tuple[Array, ...]) -> list[tuple[float, float, float]]:
    """(dx, dy, response) between each consecutive pair of thumbnails, in thumbnail pixels."""
    out = []
    for a, b in pairwise(thumbs):
        (dx, dy), response = phase_correlate(a, b, _WINDOW)
        out.append((float(dx), float(dy), float(response)))
    return out


def moving_share(a: Array, b: Array) -> float:
    """Share of the textured cells of an 8x6 grid that changed between two thumbnails (1.0 if none are
    textured). A shaking camera changes every cell with detail; a passing car only those it covers."""
    h, w = a.shape
    ch, cw = h // 6, w // 8
    cells_a = a[: ch * 6, : cw * 8].reshape(6, ch, 8, cw)
    cells_b = b[: ch * 6, : cw * 8].reshape(6, ch, 8, cw)
    textured = cells_a.std(axis=(1, 3)) >= 2.0
    if np.count_nonzero(textured) < 4:
        return 1.0
    changed = np.abs(cells_b - cells_a).mean(axis=(1, 3)) >= 1.0
    return float(np.count_nonzero(changed & textured)) / float(np.count_nonzero(textured))


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    if ctx.view.count < 3:
        return [], {}
    moves = shifts(ctx.view.thumbs)
    width = THUMB_SIZE[0]
    magnitudes = []
    valid = [(dx, dy) for dx, dy, r in moves if r >= t.shaking_min_response]
    path = sum(float(np.hypot(dx, dy)) for dx, dy in valid)
    net = float(np.hypot(sum(dx for dx, _ in valid), sum(dy for _, dy in valid)))
    # Shaking goes back and forth; a camera panning or tilting on purpose keeps one direction.
    steady = path > 0 and net / path >= t.shaking_max_steadiness
    for (dx, dy, r), (a, b) in zip(moves, pairwise(ctx.view.thumbs), strict=True):
        if r < t.shaking_min_response:
            continue
        magnitude = float(np.hypot(dx, dy))
        if magnitude >= t.shaking_shift * width:
            # Moved as a whole? Only then does it count as moved (see the module docstring).
            halves = half_shifts(a, b, t.shaking_min_response)
            magnitude = 0.0 if halves is None else min(magnitude, halves)
            if moving_share(a, b) < 0.7:
                magnitude = 0.0
        magnitudes.append(magnitude / width)
    if len(magnitudes) < max(2, len(moves) // 2):
        return [], {"shake_shift": 0.0}
    shift = float(np.median(magnitudes))
    metrics = {"shake_shift": shift, "shake_steadiness": net / path if path > 0 else 0.0}
    if shift >= t.shaking_shift and not steady:
        return [
            finding(
                FaultCode.SHAKING,
                shift >= 3 * t.shaking_shift,
                score(shift, t.shaking_shift, 3 * t.shaking_shift),
                median_shift_fraction=shift,
            )
        ], metrics
    return [], metrics
