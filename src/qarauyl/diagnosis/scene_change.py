"""Video tampering by turning: `scene_changed` — the camera no longer looks where its reference looked.

Structure (gradient magnitude of a coarse thumbnail, normalised) is compared after aligning by phase
correlation, so vibration and small shifts are forgiven and day/night lighting changes matter little:
edges stay where they were even when their brightness changes.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import THUMB_SIZE, Array, score
from qarauyl.domain import FaultCode

_WINDOW = cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F)


def structure(thumb: Array) -> Array:
    smooth = cv2.GaussianBlur(thumb, (0, 0), 1.2)
    return cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))


def _ncc(a: Array, b: Array) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


def compare(reference: Array, current: Array) -> tuple[float, float, float, float]:
    """(aligned structure NCC, shift as share of width, correlation response, reference structure level)."""
    ref_s, cur_s = structure(reference), structure(current)
    (dx, dy), response = cv2.phaseCorrelate(ref_s, cur_s, _WINDOW)
    h, w = ref_s.shape
    ix, iy = round(dx), round(dy)
    if abs(ix) >= w // 3 or abs(iy) >= h // 3:
        ncc = _ncc(ref_s, cur_s)
    else:
        # Overlap of the two after undoing the shift, minus a margin for the blur border.
        ref_part = ref_s[max(0, iy) + 2 : h + min(0, iy) - 2, max(0, ix) + 2 : w + min(0, ix) - 2]
        cur_part = cur_s[max(0, -iy) + 2 : h + min(0, -iy) - 2, max(0, -ix) + 2 : w + min(0, -ix) - 2]
        ncc = max(_ncc(ref_part, cur_part), _ncc(ref_s, cur_s))
    return ncc, float(np.hypot(dx, dy) / w), float(response), float(ref_s.mean())


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    if ctx.reference is None:
        return [], {}
    current = ctx.view.thumbs[-1]
    ncc, shift, response, ref_level = compare(ctx.reference.thumb, current)
    if ctx.view.count > 1 and ncc < t.scene_ncc:
        # A truck filling the view for a moment is not a turned camera: the first frame must agree.
        first_ncc, _, _, _ = compare(ctx.reference.thumb, ctx.view.thumbs[0])
        ncc = max(ncc, first_ncc)
    cur_level = float(structure(current).mean())
    metrics = {
        "scene_ncc": ncc,
        "scene_shift": shift,
        "scene_response": response,
        "scene_structure_ratio": cur_level / max(ref_level, 1e-3),
    }
    # A reference with almost no structure (an empty road, a wall) cannot tell a turned camera from noise,
    # and a picture that lost its structure is blur, fog or a cover: other checks own those.
    if ref_level < 3.0 or cur_level < 0.4 * ref_level:
        return [], metrics
    if ncc < t.scene_ncc:
        return [
            finding(
                FaultCode.SCENE_CHANGED,
                True,
                score(ncc, t.scene_ncc, 0.0),
                structure_similarity=ncc,
                shift_fraction=shift,
            )
        ], metrics
    if shift >= t.scene_shift and response >= 0.15:
        return [
            finding(
                FaultCode.SCENE_CHANGED,
                False,
                score(shift, t.scene_shift, 3 * t.scene_shift),
                structure_similarity=ncc,
                shift_fraction=shift,
            )
        ], metrics
    return [], metrics
