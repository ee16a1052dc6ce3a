"""Focus: `blur` (Hikvision's clarity exception and blurred screen).

Sharpness is the ratio of fine-scale to coarse-scale gradient on the strongest edges. It does not depend on
contrast or on how much texture there is, only on how wide the edges are. Where there are not enough edges to
judge (an empty road, a white wall) nothing is said, unless the reference shows edges that have gone.
Against a reference, the edges that must have widened are the reference's own: a veil or a cover can lower
the picture's figure by hiding those and bringing faint or soft edges of its own, but widens none.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode

_CELL = np.ones((2, 2), np.uint8)
_NEAR = np.ones((3, 3), np.uint8)


REGIONS = 3  # a 3x3 grid: defocus softens every part of the view, a thing close to the lens only its own
_MIN_REGION_EDGES = 40  # edge pixels for a region's sharpness to count
NOISE_FLOOR = 4.0  # coarse gradient (levels per pixel) under which nothing counts as an edge


def _gradients(grey_f: Array) -> tuple[Array, Array]:
    """(coarse, fine) gradient magnitude of a float luma image on the same half-resolution grid, both per
    full-resolution pixel."""
    # Coarse scale: half resolution, smoothed (pyrDown is a 5-tap Gaussian and 10x cheaper than a wide blur
    # at full size). Gradients are per full-resolution pixel on both scales (hence the 0.5).
    h, w = grey_f.shape
    half = cv2.GaussianBlur(cv2.pyrDown(grey_f), (0, 0), 1.0)
    gc = 0.5 * cv2.magnitude(cv2.Sobel(half, cv2.CV_32F, 1, 0), cv2.Sobel(half, cv2.CV_32F, 0, 1))[2:-2, 2:-2]
    fine = cv2.magnitude(cv2.Sobel(grey_f, cv2.CV_32F, 1, 0), cv2.Sobel(grey_f, cv2.CV_32F, 0, 1))
    # The fine gradient's strongest response within each 2x2 cell, aligned with the coarse grid.
    hh, ww = h // 2, w // 2
    gf = cv2.dilate(fine, _CELL, anchor=(0, 0))[: hh * 2 : 2, : ww * 2 : 2][2:-2, 2:-2]
    return gc[: gf.shape[0], : gf.shape[1]], gf


def _edges(gc: Array, noise_floor: float) -> Array:
    """The top 3 % of coarse gradient, where it clears `noise_floor` (levels per pixel): noise alone never
    counts as an edge."""
    sample = gc[::2, ::2].ravel()  # the quantile of a 1-in-4 sample is as good and cheaper
    k = int(sample.size * 0.97)
    threshold = max(float(np.partition(sample, k)[k]), noise_floor * 4)
    edges: Array = gc >= threshold
    return edges


def regional_sharpness(
    grey_f: Array, noise_floor: float = NOISE_FLOOR, by_region: bool = True
) -> tuple[float, float, Array]:
    """(sharpness, edge fraction, per-region sharpness on a REGIONS x REGIONS grid) of a float luma image.

    Sharpness is NaN when there are too few edges (a region's when it has under _MIN_REGION_EDGES). Edges
    are the top 3 % of coarse gradient, and only where the coarse gradient clears `noise_floor` (levels per
    pixel) so that noise alone never counts as an edge.
    """
    return _regional(*_gradients(grey_f), noise_floor, by_region)


def _regional(gc: Array, gf: Array, noise_floor: float, by_region: bool) -> tuple[float, float, Array]:
    """`regional_sharpness` from the gradients `_gradients` made."""
    edges = _edges(gc, noise_floor)
    count = int(np.count_nonzero(edges))
    fraction = float(count) / gc.size
    regions = np.full(REGIONS * REGIONS, np.nan)
    if count == 0:
        return float("nan"), 0.0, regions
    if not by_region:  # the global figure only (regions cost a third more)
        return float(gf[edges].mean() / gc[edges].mean()), fraction, regions
    ys, xs = np.nonzero(edges)
    region = (ys * REGIONS // gc.shape[0]) * REGIONS + xs * REGIONS // gc.shape[1]
    fine_sum = np.bincount(region, weights=gf[edges], minlength=REGIONS * REGIONS)
    coarse_sum = np.bincount(region, weights=gc[edges], minlength=REGIONS * REGIONS)
    counts = np.bincount(region, minlength=REGIONS * REGIONS)
    enough = counts >= _MIN_REGION_EDGES
    regions[enough] = fine_sum[enough] / coarse_sum[enough]
    return float(fine_sum.sum() / coarse_sum.sum()), fraction, regions


def edge_map(grey_f: Array, noise_floor: float = NOISE_FLOOR) -> Array:
    """Where a float luma image has its edges (see `regional_sharpness`), on the half-resolution grid that
    `sharpness_at` reads."""
    return _edges(_gradients(grey_f)[0], noise_floor)


def sharpness_at(grey_f: Array, edges: Array) -> float:
    """Sharpness of a float luma image at given edge pixels (a boolean map from `edge_map` of a picture of
    the same view, any size): whatever is there now, weighted by its coarse gradient. NaN where none."""
    return _at_edges(*_gradients(grey_f), edges)


def _at_edges(gc: Array, gf: Array, edges: Array) -> float:
    """`sharpness_at` from the gradients `_gradients` made."""
    # Each pixel's strongest response within a pixel of it: a vibrating mount moves the edges a little.
    gc, gf = cv2.dilate(gc, _NEAR), cv2.dilate(gf, _NEAR)
    if edges.shape != gc.shape:
        edges = (
            cv2.resize(edges.astype(np.uint8), (gc.shape[1], gc.shape[0]), interpolation=cv2.INTER_NEAREST)
            > 0
        )
    coarse = float(gc[edges].sum())
    return float(gf[edges].sum()) / coarse if coarse > 0.0 else float("nan")


def _own_edges(grey_f: Array) -> tuple[Array, float]:
    """A picture's edge map and its sharpness there, as `sharpness_at` measures it."""
    gc, gf = _gradients(grey_f)
    edges = _edges(gc, NOISE_FLOOR)
    return edges, _at_edges(gc, gf, edges)


def edge_sharpness(grey_f: Array, noise_floor: float = NOISE_FLOOR) -> tuple[float, float]:
    """(sharpness, edge fraction) of a float luma image; see `regional_sharpness`."""
    sharp, fraction, _ = regional_sharpness(grey_f, noise_floor)
    return sharp, fraction


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    # The picture's gradients serve every measurement below. Regions are only looked at once the whole
    # picture has lost sharpness (rare): computed then.
    gradients = _gradients(ctx.view.key.detail)
    sharp, edges, regions = _regional(*gradients, NOISE_FLOOR, by_region=False)
    metrics = {"sharpness": sharp, "edge_fraction": edges}
    ref_sharp = float("nan")
    ref_edges = 0.0
    ref_regions = None
    reference = ctx.reference
    if reference is not None:
        # The reference's detail is read only to measure it: a restored reference decodes its JPEG for that.
        ref_sharp, ref_edges, ref_regions = reference.cached(
            "sharpness", lambda: regional_sharpness(reference.detail)
        )
        if ref_edges < t.blur_min_edge_fraction:
            # Defocus cannot make edges: those of a picture whose reference had none belong to something new
            # in front of the camera (leaves, a hand), not to the scene, and say nothing about focus.
            return [], metrics
    elif (learned := ctx.baseline.learned("sharpness")) is not None:
        ref_sharp, ref_edges = learned.mean, 1.0
    if ref_edges >= t.blur_min_edge_fraction and np.isfinite(ref_sharp):
        if edges < t.blur_min_edge_fraction * 0.25:
            # The reference had edges and almost none are left: badly out of focus (or covered, which the
            # occlusion check decides first).
            return [finding(FaultCode.BLUR, True, 0.9, sharpness_ratio=0.0, edge_fraction=edges)], metrics
        if edges >= t.blur_min_edge_fraction:
            ratio = sharp / ref_sharp
            metrics["sharpness_ratio"] = ratio
            softened = 1.0
            widened = True
            if reference is not None and ref_regions is not None and ratio < t.blur_sharpness_ratio:
                regions = _regional(*gradients, NOISE_FLOOR, by_region=True)[2]
                # Defocus softens the whole view; a thing close to the lens (a hand, leaves, a smudge) only
                # the part it covers, while the rest stays as sharp as in the reference.
                judged = np.isfinite(regions) & np.isfinite(ref_regions)
                if np.count_nonzero(judged) >= 3:
                    lost = regions[judged] / ref_regions[judged] < t.blur_sharpness_ratio
                    softened = float(np.count_nonzero(lost)) / float(np.count_nonzero(judged))
                metrics["blur_spread"] = softened
                # Defocus widens the reference's own edges, so there fine detail falls faster than coarse
                # contrast. A veil scales both alike, and a cover hides the edges (what is left there is
                # sensor noise): then the picture's figure fell because its strongest edges are new ones,
                # the soft rims of something close to the lens, or faint ones that were no edges before.
                ref_map, ref_at_edges = reference.cached("edge_map", lambda: _own_edges(reference.detail))
                if ref_at_edges > 0.0:  # else (NaN, no fine detail at all) there is nothing to compare with
                    at_edges = _at_edges(*gradients, ref_map) / ref_at_edges
                    metrics["sharpness_at_reference_edges"] = at_edges
                    widened = at_edges < t.blur_reference_edge_ratio
            if ratio < t.blur_sharpness_ratio and softened >= t.blur_spread and widened:
                return [
                    finding(
                        FaultCode.BLUR,
                        ratio < 0.65,
                        score(ratio, t.blur_sharpness_ratio, 0.55),
                        sharpness=sharp,
                        sharpness_ratio=ratio,
                    )
                ], metrics
        return [], metrics
    if edges >= t.blur_min_edge_fraction and sharp < t.blur_sharpness:
        return [
            finding(FaultCode.BLUR, sharp < 1.25, score(sharp, t.blur_sharpness, 1.15), sharpness=sharp)
        ], metrics
    return [], metrics
