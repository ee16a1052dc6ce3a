"""Video tampering by covering: `occluded` — a hand, a bag, paint or foliage over part or all of the view.

The view is cut into an 8x6 grid. A cell is covered when its content no longer matches the reference and it
lost its texture (something smooth and out of focus sits in front of the lens), or, where the reference cell
was flat already, its brightness jumped, or it took on a colour the reference shows nowhere (leaves over
the lens keep the scene's texture between them, but tint it). Only cells covered in the first AND the last
frame of the burst count: a bus that drives through is a different set of cells a moment later, a hand is
not.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.diagnosis.settings import Thresholds
from qarauyl.domain import FaultCode

GRID = (8, 6)


def cell_means(image: Array) -> Array:
    """Per grid cell of a thumbnail (luma or RGB): its mean, (rows, cols[, 3]). Area resizing by whole
    factors averages each cell exactly, several times faster than numpy's mean over a view of the cells."""
    gw, gh = GRID
    h, w = image.shape[:2]
    whole = image[: h // gh * gh, : w // gw * gw]
    means: Array = cv2.resize(whole, GRID, interpolation=cv2.INTER_AREA)
    return means


def cell_moments(luma: Array) -> tuple[Array, Array]:
    """Per grid cell of a luma image: (mean, standard deviation), from the cells' first two moments in
    float64 (E[x^2] - E[x]^2 cancels), one pass each and no copy of the cells."""
    x = luma.astype(np.float64)
    mean = cell_means(x)
    std: Array = np.sqrt(np.maximum(cell_means(x * x) - mean * mean, 0.0))
    return mean, std


def cell_match(ref: Array, cur: Array) -> tuple[Array, Array, Array, Array, Array]:
    """Per grid cell of two luma thumbnails: (correlation, reference std, current std, reference mean,
    current mean), each (rows, cols)."""
    (ref_mean, ref_std), (cur_mean, cur_std) = cell_moments(ref), cell_moments(cur)
    cross = cell_means(ref.astype(np.float64) * cur.astype(np.float64))
    ncc = (cross - ref_mean * cur_mean) / (ref_std * cur_std + 1e-3)
    return ncc, ref_std, cur_std, ref_mean, cur_mean


def cell_detail(thumb: Array) -> Array:
    """Per grid cell of a luma thumbnail: the standard deviation of its fine detail (the thumbnail minus
    a smoothed copy), which shading and soft edges do not have."""
    return cell_moments(thumb - cv2.GaussianBlur(thumb, (0, 0), 1.5))[1]


def _foreign(colours: Array, ref_colour: Array) -> Array:
    """For N RGB colours (N, 3): the distance to the nearest cell colour of the reference anywhere in the
    view."""
    diff = colours[:, None, :] - ref_colour.reshape(1, -1, 3)
    return np.sqrt((diff * diff).sum(axis=-1)).min(axis=1)  # type: ignore[no-any-return]


PALETTE_GRID = (32, 18)


def palette(ref_rgb: Array) -> Array:
    """The colours a reference RGB thumbnail shows: its means over a grid four times as fine as the
    cells', so that a cell of a shifted or zoomed view (a mix of neighbouring areas, or a small object filling
    it) finds its colour among them."""
    return cv2.resize(ref_rgb, PALETTE_GRID, interpolation=cv2.INTER_AREA).reshape(-1, 3)


def lit_like(known: Array, ref_colour: Array, cur_colour: Array, matched: Array) -> Array:
    """The colours `known` of the reference as the current light, cast or veil shows them: per channel, the
    gain and offset that take the reference's colours to the current ones in the cells that still match.
    Only where that one transform explains those cells (within 6 levels): a colour cast or fog changes every
    cell alike, while leaves tint some of the cells that still match and not others. Otherwise unchanged,
    as when fewer than 6 cells match."""
    if np.count_nonzero(matched) < 6:
        return known
    ref_m, cur_m = ref_colour[matched], cur_colour[matched]
    ref_c, cur_c = ref_m - ref_m.mean(axis=0), cur_m - cur_m.mean(axis=0)
    gain = np.clip((ref_c * cur_c).mean(axis=0) / np.maximum((ref_c * ref_c).mean(axis=0), 16.0), 0.25, 4.0)
    offset = cur_m.mean(axis=0) - gain * ref_m.mean(axis=0)
    residual = float(np.sqrt(((ref_m * gain + offset - cur_m) ** 2).mean()))
    return known if residual > 6.0 else known * gain + offset


def covered_cells(
    ref: Array,
    ref_rgb: Array,
    cur: Array,
    cur_rgb: Array,
    t: Thresholds,
    ref_detail: Array | None = None,
    ref_palette: Array | None = None,
) -> tuple[Array, Array]:
    """(boolean (rows, cols) grid of covered cells, per-cell correlation with the reference), from luma and
    RGB thumbnails of reference and frame (and the reference's `cell_detail` and `palette`, if already
    known)."""
    ncc, ref_std, cur_std, ref_mean, cur_mean = cell_match(ref, cur)
    cur_colour, ref_colour = cell_means(cur_rgb), cell_means(ref_rgb)
    colour_jump = np.linalg.norm(cur_colour - ref_colour, axis=-1)
    # The change against the picture's typical cell: a change of light (or of gain) scales every cell
    # alike, a cover brings its own colour. In log ratios, so that a darkened picture is uniform too.
    change = np.log((cur_colour + 8.0) / (ref_colour + 8.0))
    local_change = np.linalg.norm(change - np.median(change.reshape(-1, 3), axis=0), axis=-1)
    mismatch = ncc < t.occluded_cell_ncc
    # Texture is lost in contrast (a cover's light is even) or in fine detail: a cover far out of focus
    # keeps only its smooth shading, which can be as strong as a dark scene's contrast (a hand over a
    # street at night) but has no detail at all.
    lost = mismatch & (
        (cur_std < t.occluded_texture_ratio * ref_std)
        | (
            cell_detail(cur)
            < t.occluded_detail_ratio * (cell_detail(ref) if ref_detail is None else ref_detail)
        )
    )
    # A flat cover over a flat reference cell (asphalt, a wall) shows only as a colour jump. There the
    # correlation means little (both cells are noise over a shallow ramp): a jump of its own suffices.
    flat_cover = (
        (cur_std < 8.0)
        & (ref_std < 6.0)
        & (colour_jump > t.occluded_flat_delta)
        & (mismatch | (local_change > 0.3))
    )
    if flat_cover.any():
        # The cover's colour is its own: a turned view of the same flat ground (an empty lot turned away)
        # reshuffles colours the reference had elsewhere, which is no cover.
        flat_cover[flat_cover] = _foreign(cur_colour[flat_cover], ref_colour) > 0.5 * t.occluded_flat_delta
    # Leaves over the lens let the scene show through between them, so their cells keep some texture; but
    # they tint what they cover with a colour the reference shows nowhere, where a turned camera only
    # shows colours of the same world moved about.
    # A light in the lens (glare) also brings a colour of its own, but adds to every channel: something in
    # front of the lens only takes light away or tints.
    lit_up = (cur_colour - ref_colour).min(axis=-1) > 10.0
    foreign_cover = mismatch & ~lost & ~lit_up
    if foreign_cover.any():
        known = palette(ref_rgb) if ref_palette is None else ref_palette
        known = lit_like(known, ref_colour.reshape(-1, 3), cur_colour.reshape(-1, 3), (~mismatch).ravel())
        foreign_cover[foreign_cover] = _foreign(cur_colour[foreign_cover], known) > t.occluded_foreign_delta
    # Something in front of the lens is not a light source: a cell turned clipped white is glare or
    # overexposure (their own checks), never a cover.
    blinded = (cur_mean >= 235.0) & (cur_mean > ref_mean)
    return (lost | flat_cover | foreign_cover) & ~blinded, ncc


def textured(ref: Array) -> Array:
    """Which grid cells of a reference thumbnail have texture to compare (std >= 6 levels)."""
    textured_cells: Array = cell_moments(ref)[1] >= 6.0
    return textured_cells


def _judged_rest(textured_ref: Array, covered: Array) -> Array:
    """The reference's textured cells that can say whether the view stayed in place: not covered, nor next
    to a covered cell (or, for scattered patches, just not covered)."""
    # A cover's edge is soft (it is far out of focus): the cells around it are partly covered too.
    near = covered.copy()
    near[1:] |= covered[:-1]
    near[:-1] |= covered[1:]
    near[:, 1:] |= near[:, :-1].copy()
    near[:, :-1] |= near[:, 1:].copy()
    rest = textured_ref & ~near
    if np.count_nonzero(rest) < 4:
        rest = textured_ref & ~covered  # scattered patches: their edges are all there is
    return rest


def judged_in_place(textured_ref: Array, ncc: Array, covered: Array) -> float | None:
    """Of the reference's textured cells that are not covered nor next to a covered cell, the share that
    still show the same thing in the same place (correlation >= 0.5); None when fewer than 4 are left to
    judge by. A cover hides part of a scene that stays where it was; a turned camera leaves nothing in
    place."""
    rest = _judged_rest(textured_ref, covered)
    judged = int(np.count_nonzero(rest))
    if judged < 4:
        return None
    return float(np.count_nonzero(rest & (ncc >= 0.5))) / float(judged)


def in_place_share(textured_ref: Array, ncc: Array, covered: Array) -> float:
    """`judged_in_place`, 1.0 when there are no cells to judge by."""
    share = judged_in_place(textured_ref, ncc, covered)
    return 1.0 if share is None else share


def own_colour(
    ref_rgb: Array, cur_rgb: Array, covered: Array, ncc: Array, t: Thresholds, known: Array
) -> float:
    """How far the covered cells' colours are from every colour of the reference (`known`, its palette), as
    the current light shows them: the median RGB distance over the covered cells (0.0 when none).

    A cover brings a colour of its own (skin, cloth, paint, leaves: > 35 levels on the parking lot); a
    turned camera shows the ground, walls and cars the reference shows elsewhere (< 5 levels mostly)."""
    if not covered.any():
        return 0.0
    cur_colour, ref_colour = cell_means(cur_rgb), cell_means(ref_rgb)
    matched = (ncc >= t.occluded_cell_ncc).ravel()
    lit = lit_like(known, ref_colour.reshape(-1, 3), cur_colour.reshape(-1, 3), matched)
    return float(np.median(_foreign(cur_colour[covered], lit)))


def darkening_spread(ref: Array, cur: Array) -> float:
    """How unevenly the light changed across the grid: the median absolute deviation of the cells' log
    brightness ratios. A closed iris scales every cell alike (< 0.06 even at the sensor's noise floor); a
    cover brings its own shading (> 0.08). The median ignores a car that parked meanwhile (a few cells)."""
    ref_cells, cur_cells = cell_means(ref), cell_means(cur)
    logs = np.log((cur_cells + 2.0) / (ref_cells + 2.0))
    return float(np.median(np.abs(logs - np.median(logs))))


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    if ctx.reference is None:
        return [], {}
    ref, ref_rgb = ctx.reference.thumb, ctx.reference.thumb_rgb
    view = ctx.view
    detail = ctx.reference.cached("cell_detail", lambda: cell_detail(ref))
    colours = ctx.reference.cached("palette", lambda: palette(ref_rgb))
    last, last_ncc = covered_cells(ref, ref_rgb, view.thumbs[-1], view.thumbs_rgb[-1], t, detail, colours)
    both = (
        last & covered_cells(ref, ref_rgb, view.thumbs[0], view.thumbs_rgb[0], t, detail, colours)[0]
        if view.count > 1
        else last
    )
    fraction = float(both.mean())
    metrics = {
        "occluded_fraction": fraction,
        "occluded_fraction_last": float(last.mean()),
        "darkening_spread": darkening_spread(ref, view.thumbs[-1]),
    }
    textured_ref = ctx.reference.cached("textured_cells", lambda: textured(ref))
    in_place = judged_in_place(textured_ref, last_ncc, last)
    if in_place is not None:
        metrics["occluded_in_place"] = in_place
        rest_kept = in_place >= t.occluded_in_place
    else:
        # Nothing textured is left outside the covered cells to show the view in place (the reference's
        # detail was all where the cells changed: a car in an empty lot). A turned camera does that too:
        # there, the cover must bring a colour of its own.
        own = own_colour(ref_rgb, view.thumbs_rgb[-1], last, last_ncc, t, colours) if last.any() else 0.0
        metrics["occluded_own_colour"] = own
        rest_kept = own >= t.occluded_own_colour
    if fraction >= t.occluded_fraction and (fraction >= t.occluded_sure_fraction or rest_kept):
        return [
            finding(
                FaultCode.OCCLUDED,
                fraction >= t.occluded_critical_fraction,
                score(fraction, t.occluded_fraction, 1.0),
                covered_fraction=fraction,
            )
        ], metrics
    return [], metrics
