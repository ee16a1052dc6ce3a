"""Colour: `color_cast` (wrong white balance, purple fringing) and `ir_cut` (the day/night filter stuck).

The cast is measured on what should be grey: the least saturated fifth of the well-exposed pixels. A
greyscale IR picture has no cast by construction, so night is never a colour fault. IR leaking through a
stuck filter shows as magenta (red and blue both above green, close to each other); any other direction is a
white-balance cast. With a reference, only the change against the camera's own normal counts, and it is
measured pixel by pixel: a wrong white balance multiplies each channel by a gain, so the median change of
log(R/G) and log(B/G) over the pixels well exposed in both pictures is that gain, whatever the scene's
colours (the least saturated fifth of a cast picture is the part the cast turned grey, so its cast vector
alone understates the shift).
"""

from __future__ import annotations

import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode


def cast_vector(rgb: Array) -> tuple[float, float, float]:
    """(r - g, b - g, chroma) of the least saturated fifth of mid-tone pixels, as shares of their luma."""
    # Channel by channel: numpy's reductions over a last axis of 3 are several times slower than
    # element-wise operations on three planes.
    planes = rgb[::2, ::2].astype(np.float32)
    red, green, blue = (planes[..., c].ravel() for c in range(3))
    luma = (red + green + blue) / np.float32(3.0)
    keep = (luma > 25) & (luma < 245)
    if np.count_nonzero(keep) < 50:
        return 0.0, 0.0, 0.0
    red, green, blue, luma = red[keep], green[keep], blue[keep], luma[keep]
    chroma = (np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)) / luma
    k = max(10, chroma.size // 5)
    idx = np.argpartition(chroma, k - 1)[:k]
    r, g, b = (float(channel[idx].mean()) for channel in (red, green, blue))
    lum = float(luma[idx].mean())
    rg, bg = (r - g) / lum, (b - g) / lum
    return float(rg), float(bg), float(np.hypot(rg, bg))


CAST_SPREAD = 0.75


# The thumbnails hold whole levels: a table lookup is much cheaper than a logarithm per pixel.
_LOG = np.log(np.arange(256, dtype=np.float32) + 1.0)


def log_chroma(rgb: Array) -> tuple[Array, Array, Array]:
    """Per pixel of a 2x-strided copy: log(R/G), log(B/G), and whether all channels are well exposed."""
    pixels = rgb[::2, ::2].astype(np.uint8)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    ok = (np.minimum(np.minimum(r, g), b) > 20) & (np.maximum(np.maximum(r, g), b) < 245)
    log_r, log_g, log_b = _LOG[r], _LOG[g], _LOG[b]
    return log_r - log_g, log_b - log_g, ok


def gain_shift(rgb: Array, ref: tuple[Array, Array, Array], grey: float) -> tuple[float, float]:
    """Median change of log(R/G) and log(B/G) against the reference's, on pixels well exposed in both:
    a white-balance gain moves every pixel alike, a passing car only the few it covers. (0, 0) for a picture
    whose median pixel is within `grey` of neutral (an IR night is grey, a cast is not), and unless
    CAST_SPREAD of the pixels moved at least half as far in the median's direction."""
    rg, bg, ok = log_chroma(rgb)
    ref_rg, ref_bg, ref_ok = ref
    both = ok & ref_ok
    if np.count_nonzero(both) < 100:
        return 0.0, 0.0
    rg, bg = rg[both], bg[both]
    if float(np.median(np.abs(rg) + np.abs(bg))) < grey:
        return 0.0, 0.0
    d_rg, d_bg = rg - ref_rg[both], bg - ref_bg[both]
    shift_rg, shift_bg = float(np.median(d_rg)), float(np.median(d_bg))
    size = float(np.hypot(shift_rg, shift_bg))
    if size == 0.0:
        return 0.0, 0.0
    # A gain moves (nearly) all pixels; a coloured cover over half the view moves only those it covers.
    along = (d_rg * shift_rg + d_bg * shift_bg) / size
    if float(np.percentile(along, 100 * (1 - CAST_SPREAD))) < 0.5 * size:
        return 0.0, 0.0
    return shift_rg, shift_bg


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
        ref_logs = ctx.reference.cached("log_chroma", lambda: log_chroma(ref_thumb))
        shift_rg, shift_bg = gain_shift(ctx.view.key.thumb_rgb, ref_logs, t.color_cast_grey)
        shift = float(np.hypot(shift_rg, shift_bg))
        metrics["cast_shift"] = shift
        if shift >= t.color_cast_shift:
            # The gains' cast on the cast vector's scale (a share of luma), so one limit and score serve both.
            delta = max(delta, limit * shift / t.color_cast_shift)
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
