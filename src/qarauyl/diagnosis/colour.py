"""Colour: `color_cast` (wrong white balance, purple fringing) and `ir_cut` (the day/night filter stuck).

The cast is measured on what should be grey: the least saturated fifth of the well-exposed pixels. A
greyscale IR picture has no cast by construction, so night is never a colour fault. IR leaking through a
stuck filter shows as magenta (red and blue both above green, close to each other); any other direction is a
white-balance cast. With a reference, only the change against the camera's own normal counts.
"""

from __future__ import annotations

import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode


def cast_vector(rgb: Array) -> tuple[float, float, float]:
    """(r - g, b - g, chroma) of the least saturated fifth of mid-tone pixels, as shares of their luma."""
    pixels = rgb[::2, ::2].reshape(-1, 3).astype(np.float32)
    luma = pixels.mean(axis=1)
    keep = (luma > 25) & (luma < 245)
    if np.count_nonzero(keep) < 50:
        return 0.0, 0.0, 0.0
    pixels, luma = pixels[keep], luma[keep]
    chroma = (pixels.max(axis=1) - pixels.min(axis=1)) / luma
    k = max(10, chroma.size // 5)
    idx = np.argpartition(chroma, k - 1)[:k]
    r, g, b = pixels[idx].mean(axis=0)
    lum = float(luma[idx].mean())
    rg, bg = (r - g) / lum, (b - g) / lum
    return float(rg), float(bg), float(np.hypot(rg, bg))


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    # The thumbnail is enough for a cast (it is a property of the whole picture) and 9x cheaper.
    rg, bg, cast = cast_vector(ctx.view.key.thumb_rgb)
    metrics = {"cast_rg": rg, "cast_bg": bg, "color_cast": cast}
    if ctx.reference is not None:
        ref_thumb = ctx.reference.thumb_rgb
        ref_rg, ref_bg, _ = ctx.reference.cached("cast", lambda: cast_vector(ref_thumb))
        drg, dbg = rg - ref_rg, bg - ref_bg
        delta = float(np.hypot(drg, dbg))
        metrics["cast_delta"] = delta
        limit = t.color_cast_delta
    else:
        drg, dbg, delta, limit = rg, bg, cast, t.color_cast
    magenta = min(drg, dbg)
    if magenta >= t.ir_cut_magenta and abs(drg - dbg) < 0.6 * max(drg, dbg):
        return [
            finding(
                FaultCode.IR_CUT,
                False,
                score(magenta, t.ir_cut_magenta, 3 * t.ir_cut_magenta),
                red_minus_green=rg,
                blue_minus_green=bg,
            )
        ], metrics
    if delta >= limit:
        return [
            finding(
                FaultCode.COLOR_CAST,
                delta >= 3 * limit,
                score(delta, limit, 3 * limit),
                red_minus_green=rg,
                blue_minus_green=bg,
            )
        ], metrics
    return [], metrics
