"""Image flutter: `shaking` — the whole view jumps between frames (a swaying pole, a loose bracket).

Global shift between consecutive frames by phase correlation on coarse thumbnails: moving people and cars
are a small part of the picture and barely move the peak; a shaking camera moves all of it.
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import THUMB_SIZE, Array, score
from qarauyl.domain import FaultCode

_WINDOW = cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F)


def shifts(thumbs: tuple[Array, ...]) -> list[tuple[float, float, float]]:
    """(dx, dy, response) between each consecutive pair of thumbnails, in thumbnail pixels."""
    out = []
    for a, b in pairwise(thumbs):
        (dx, dy), response = cv2.phaseCorrelate(a, b, _WINDOW)
        out.append((float(dx), float(dy), float(response)))
    return out


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    if ctx.view.count < 3:
        return [], {}
    moves = shifts(ctx.view.thumbs)
    width = THUMB_SIZE[0]
    magnitudes = [np.hypot(dx, dy) / width for dx, dy, r in moves if r >= t.shaking_min_response]
    if len(magnitudes) < max(2, len(moves) // 2):
        return [], {"shake_shift": 0.0}
    shift = float(np.median(magnitudes))
    metrics = {"shake_shift": shift}
    if shift >= t.shaking_shift:
        return [
            finding(
                FaultCode.SHAKING,
                shift >= 3 * t.shaking_shift,
                score(shift, t.shaking_shift, 3 * t.shaking_shift),
                median_shift_fraction=shift,
            )
        ], metrics
    return [], metrics
