"""Signal loss, brightness exceptions and contrast: `no_signal`, `too_dark`, `overexposed`, `low_contrast`.

Covers Hikvision's signal loss, brightness exception and protective-film checks. Night and IR pictures are
judged by what can be seen (bright detail exists, the black level is low), not by their mean.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import block_std, percentiles, score
from qarauyl.domain import FaultCode, Finding


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    key = ctx.view.key
    p1, p2, p5, p50, p95, p98, p99 = percentiles(key.grey, (1, 2, 5, 50, 95, 98, 99))
    mean = float(key.grey_f.mean())
    clipped = float(np.count_nonzero(key.grey >= 250)) / key.grey.size
    flat = float((block_std(key.grey_f, 8) < t.flat_block_std).mean())
    hsv = cv2.cvtColor(key.thumb_rgb.astype(np.uint8), cv2.COLOR_RGB2HSV)
    saturation = float(hsv[..., 1].mean()) / 255.0
    contrast_range = p98 - p2
    metrics = {
        "luma_mean": mean,
        "luma_p2": p2,
        "luma_p98": p98,
        "contrast_range": contrast_range,
        "clipped_fraction": clipped,
        "flat_fraction": flat,
        "saturation": saturation,
    }
    findings: list[Finding] = []

    black = mean < t.black_mean_luma and p99 < t.black_p99_luma
    screen = False
    if flat >= t.no_signal_flat_fraction and saturation >= t.no_signal_min_saturation:
        # A generated screen is a handful of exact colours; a real flat scene has noise and shading.
        packed = key.rgb[::2, ::2].astype(np.int32)
        packed = (packed[..., 0] << 16) | (packed[..., 1] << 8) | packed[..., 2]
        counts = np.sort(np.unique(packed, return_counts=True)[1])[::-1]
        top = float(counts[:8].sum()) / packed.size
        metrics["screen_colour_share"] = top
        screen = top >= t.no_signal_exact_colours
    if black or screen:
        findings.append(
            finding(
                FaultCode.NO_SIGNAL,
                True,
                1.0 if black else score(flat, 0.9, 1.0),
                luma_mean=mean,
                flat_fraction=flat,
                kind="black" if black else "screen",
            )
        )
        return findings, metrics

    dark_limit = t.too_dark_mean_luma
    learned = ctx.baseline.learned("luma_mean")
    if learned is not None:
        # A camera whose normal is dim (a tunnel, an unlit yard) gets a lower bar, never a higher one.
        dark_limit = min(dark_limit, max(12.0, learned.mean * 0.35))
    ref_mean = float(ctx.reference.grey_f.mean()) if ctx.reference is not None else None
    # Against its own reference, a picture that lost most of its light is too dark even if a bright
    # scene (a white wall) keeps it above the absolute bar; night IR keeps well over a third.
    relative_dark = ref_mean is not None and mean < t.too_dark_reference_ratio * ref_mean and mean < 80.0
    if (mean < dark_limit and p95 < t.too_dark_p95_luma) or relative_dark:
        findings.append(
            finding(
                FaultCode.TOO_DARK,
                mean < dark_limit * 0.5,
                score(mean, dark_limit, 0.0),
                luma_mean=mean,
                luma_p95=p95,
            )
        )
        return findings, metrics

    ref_clipped = 0.0
    lift = float("nan")
    if ctx.reference is not None:
        ref_clipped = float(np.count_nonzero(ctx.reference.grey >= 250)) / ctx.reference.grey.size
        # How much brighter the unclipped part of the picture is than the same pixels of the reference:
        # overexposure lifts everything (gain and offset), a light in the lens leaves the rest as it was.
        unclipped = key.thumb < 235.0
        if mean < 160.0:
            lift = 0.0  # no bar below needs it (a median costs 0.3 ms)
        elif np.count_nonzero(unclipped) >= 0.02 * unclipped.size:
            # The median pixel: a light's halo brightens a ring around it, not most of the picture.
            ratios = (key.thumb[unclipped] + 1.0) / (ctx.reference.thumb[unclipped] + 1.0)
            lift = float(np.median(ratios))
        else:
            lift = np.inf
        metrics["exposure_lift"] = lift
    overexposed = (clipped >= max(t.overexposed_clipped_fraction, ref_clipped + 0.25) and mean >= 160.0) or (
        mean >= t.overexposed_mean_luma and p5 > 170 and clipped > ref_clipped + 0.1
    )
    if ctx.reference is not None and not overexposed:
        # A dim scene (night) lifted far above its own normal and starting to clip is overexposed before
        # it reaches the absolute bars.
        overexposed = lift >= t.overexposed_lift and mean >= 200.0 and clipped >= ref_clipped + 0.1
    if overexposed and (clipped < 0.3 or ctx.reference is not None):
        # One compact clipped blob with unclipped picture around it is a light in the lens (glare.py).
        count, _, stats, _ = cv2.connectedComponentsWithStats(
            (key.grey >= 250).astype(np.uint8), connectivity=8
        )
        largest = int(stats[1:, cv2.CC_STAT_AREA].max()) if count > 1 else 0
        compact = largest >= 0.85 * clipped * key.grey.size
        if ctx.reference is not None:
            # Against the reference: a compact blob over an unlifted picture is glare, whatever the scene's
            # own brightness (the sun on a white wall).
            # Most of the picture clipped is no light with the scene around it, however compact: only its
            # darkest pixels are left unclipped, and their lift says little.
            overexposed = (
                not compact or lift >= t.overexposed_lift or clipped >= t.overexposed_compact_clipped
            )
        else:
            overexposed = not compact or p5 > 200
    if overexposed:
        findings.append(
            finding(
                FaultCode.OVEREXPOSED,
                clipped > 0.8,
                score(clipped, t.overexposed_clipped_fraction, 1.0),
                clipped_fraction=clipped,
                luma_mean=mean,
            )
        )
        return findings, metrics

    thumb_std = float(ctx.view.key.thumb.std())
    metrics["thumb_std"] = thumb_std
    if ctx.reference is not None:
        # Fog and film scale every contrast down and lift the black level; a passing dark car does the
        # opposite, and the scene's layout (the thumbnail) keeps its contrast under noise and blur.
        ref_std = float(ctx.reference.thumb.std())
        ref_grey = ctx.reference.grey
        ref_p2, ref_p98 = ctx.reference.cached("p2p98", lambda: percentiles(ref_grey, (2, 98)))
        ratio = thumb_std / max(ref_std, 0.5)
        metrics["contrast_ratio"] = ratio
        if ref_std >= t.low_contrast_featureless_std:
            veiled = ratio < t.low_contrast_range_ratio and p2 >= ref_p2 + t.low_contrast_black_lift
        else:
            # A featureless reference (asphalt, a wall) has no contrast to lose: a grey veil shows as its
            # black level moving while the picture stays as flat and turns greyer.
            veiled = (
                saturation < 0.2
                and abs(p2 - ref_p2) >= t.low_contrast_black_lift
                and contrast_range <= (ref_p98 - ref_p2) + 20.0
            )
    elif (learned_range := ctx.baseline.learned("contrast_range")) is not None and learned_range.mean >= 20.0:
        ratio = contrast_range / learned_range.mean
        metrics["contrast_ratio"] = ratio
        veiled = ratio < t.low_contrast_range_ratio and p2 > 0.5 * t.low_contrast_black_level
    else:
        ratio = contrast_range / max(1.0, t.low_contrast_range)
        veiled = contrast_range < t.low_contrast_range and p2 > t.low_contrast_black_level
    if veiled:
        findings.append(
            finding(
                FaultCode.LOW_CONTRAST,
                ratio < 0.3,
                score(ratio, t.low_contrast_range_ratio, 0.2),
                contrast_range=contrast_range,
                black_level=p2,
            )
        )
    del p1, p50
    return findings, metrics
