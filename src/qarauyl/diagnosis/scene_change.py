"""Video tampering by turning: `scene_changed` — the camera no longer looks where its reference looked.

Two measures. Feature matching (ORB keypoints, RANSAC similarity transform) finds the reference's scene in
the picture even under day/night lighting, and says how far it moved: a small shift is vibration, a large
shift, turn or zoom is a moved camera, no consistent match at all is a camera looking elsewhere. Where there
are too few keypoints (low-texture scenes), structure (gradient magnitude of a coarse thumbnail) is
compared after aligning by phase correlation. Both must agree before a camera is called turned.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis import occlusion
from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import THUMB_SIZE, Array, phase_correlate, score
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


_LIGHT_HALO = np.ones((7, 7), np.uint8)


def _not_lights(reference: Array, current: Array) -> Array:
    """1.0 except around small bright light sources (lamps, headlights) in either thumbnail, 0.0 there.

    At night the strongest edges are lights: they move with the cars, flare and switch, and would decide
    the comparison alone. Only dark pictures are masked: in daylight, bright areas (white walls, lines,
    cars) are the scene."""
    bright = ((reference >= 180) | (current >= 180)).astype(np.uint8)
    if np.count_nonzero(bright) > 0.1 * bright.size or float(current.mean()) >= 100.0:
        return np.ones(reference.shape, np.float32)
    keep: Array = (cv2.dilate(bright, _LIGHT_HALO) == 0).astype(np.float32)
    return keep


def compare(reference: Array, current: Array) -> tuple[float, float, float, float]:
    """(aligned structure NCC, shift as share of width, correlation response, reference structure level)."""
    ref_s, cur_s = structure(reference), structure(current)
    keep = _not_lights(reference, current)
    ref_s, cur_s = ref_s * keep, cur_s * keep
    (dx, dy), response = phase_correlate(ref_s, cur_s, _WINDOW)
    h, w = ref_s.shape
    ix, iy = round(dx), round(dy)
    if abs(ix) >= w // 3 or abs(iy) >= h // 3:
        ncc = _ncc(ref_s, cur_s)
    else:
        # Overlap of the two after undoing the shift, minus a margin for the blur border.
        # current(x) = reference(x - shift): reference pixel x pairs with current pixel x + shift.
        ref_part = ref_s[max(0, -iy) + 2 : h + min(0, -iy) - 2, max(0, -ix) + 2 : w + min(0, -ix) - 2]
        cur_part = cur_s[max(0, iy) + 2 : h + min(0, iy) - 2, max(0, ix) + 2 : w + min(0, ix) - 2]
        ncc = max(_ncc(ref_part, cur_part), _ncc(ref_s, cur_s))
    return ncc, float(np.hypot(dx, dy) / w), float(response), float(ref_s.mean())


_NEAR = np.ones((5, 5), np.uint8)


def structure_kept(reference: Array, current: Array) -> float:
    """Of the reference thumbnail's strongest structure (its top tenth), the share (weighted by strength)
    that the current thumbnail still shows in place: at least half as strong within 2 pixels.

    What is added to a view (a car parking in an empty lot) leaves this at 1; only what moved or went away
    lowers it. A turned camera keeps its reference's edges only where its new view has edges by chance."""
    ref_s = structure(reference)
    flat = ref_s.ravel()
    k = int(flat.size * 0.9)
    floor = max(float(np.partition(flat, k)[k]), 2.0)
    strong = ref_s >= floor
    weights = ref_s[strong]
    if weights.size == 0:
        return 1.0
    near = cv2.dilate(structure(current), _NEAR)[strong]
    return float(weights[near >= 0.5 * weights].sum() / weights.sum())


_ORB = cv2.ORB.create(nfeatures=120, nlevels=3, fastThreshold=20)
_MATCHER = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
MIN_KEYPOINTS = 25  # fewer and matching is luck: fall back to structure


def features(grey: Array) -> tuple[Array, Array | None]:
    """(N x 2 keypoint positions, descriptors or None) of a uint8 luma image."""
    # A light blur keeps sensor noise (night IR, gain) from passing for corners.
    keypoints, descriptors = _ORB.detectAndCompute(cv2.GaussianBlur(grey, (0, 0), 1.0), None)
    return np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2), descriptors


def match(ref: tuple[Array, Array | None], cur: tuple[Array, Array | None]) -> tuple[int, Array | None]:
    """(RANSAC inliers, 2x3 similarity transform reference -> current or None)."""
    (ref_pts, ref_desc), (cur_pts, cur_desc) = ref, cur
    if ref_desc is None or cur_desc is None:
        return 0, None
    pairs = _MATCHER.match(ref_desc, cur_desc)
    if len(pairs) < 8:
        return 0, None
    src = ref_pts[[p.queryIdx for p in pairs]]
    dst = cur_pts[[p.trainIdx for p in pairs]]
    transform, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if transform is None or mask is None:
        return 0, None
    return int(mask.sum()), transform


def _warped_ncc(reference: Array, current: Array, transform: Array, width: int) -> float:
    """Structure NCC of `current` against `reference` moved by `transform` (given in `width`-wide pixels)."""
    h, w = reference.shape
    m = transform.astype(np.float32).copy()
    m[:, 2] *= w / width
    keep = _not_lights(reference, current)
    ref_s, cur_s = structure(reference) * keep, structure(current) * keep
    moved = cv2.warpAffine(ref_s, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=-1.0)
    valid = cv2.warpAffine(np.ones_like(ref_s), m, (w, h), flags=cv2.INTER_NEAREST) > 0.5
    valid[:3], valid[-3:], valid[:, :3], valid[:, -3:] = False, False, False, False
    if np.count_nonzero(valid) < 0.15 * valid.size:
        return 0.0
    return _ncc(moved[valid], cur_s[valid])


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
    if ncc >= t.scene_fast_accept and shift < t.scene_shift / 2:
        # The coarse structure lines up with the reference almost exactly: the common case, decided
        # without the cost of feature matching.
        return [], metrics
    ref_thumb = ctx.reference.thumb
    textured = ctx.reference.cached("textured_cells", lambda: occlusion.textured(ref_thumb))
    if np.count_nonzero(textured) >= t.scene_min_textured_cells:
        # Cell by cell: does any of the reference's textured view remain where it was? A cover leaves the
        # rest in place and vibration most of it; a turned camera nothing, in the first frame and the last.
        nothing = np.zeros(textured.shape, bool)
        kept = max(
            occlusion.in_place_share(textured, occlusion.cell_match(ref_thumb, thumb)[0], nothing)
            for thumb in (ctx.view.thumbs[-1], ctx.view.thumbs[0])
        )
        metrics["scene_in_place"] = kept
        if kept <= t.scene_in_place:
            return [
                finding(
                    FaultCode.SCENE_CHANGED,
                    True,
                    score(kept, t.scene_in_place, 0.0),
                    structure_similarity=ncc,
                    in_place_share=kept,
                )
            ], metrics
    ref_grey = ctx.reference.grey
    reference = ctx.reference

    def ref_features() -> tuple[Array, Array | None]:
        found: tuple[Array, Array | None] = reference.cached("orb", lambda: features(ref_grey))
        return found

    # The count alone is kept between probes (diagnosis.KEPT_MEASUREMENTS): finding the reference's
    # features takes 3 ms, and most probes need only to know there are enough of them.
    n_ref = int(reference.cached("orb_count", lambda: len(ref_features()[0])))
    if n_ref >= MIN_KEYPOINTS and ncc >= t.scene_ncc_confirm:
        # Whatever the features say below, a textured view whose coarse structure still agrees this well is
        # not called turned: skip matching (2-3 ms, every probe of a busy street).
        return [], metrics
    cur_features = features(ctx.view.key.grey)
    n_cur = len(cur_features[0])
    width = ctx.view.key.grey.shape[1]
    if n_ref >= MIN_KEYPOINTS:
        if n_cur < MIN_KEYPOINTS:
            return [], metrics  # the picture lost its detail: blur, fog or a cover, not a turned camera
        inliers, transform = match(ref_features(), cur_features)
        metrics["scene_inliers"] = float(inliers)
        if (
            inliers >= max(t.scene_min_inliers, t.scene_inlier_share * min(n_ref, n_cur))
            and transform is not None
        ):
            moved = float(np.hypot(transform[0, 2], transform[1, 2])) / width
            scale = float(np.sqrt(abs(np.linalg.det(transform[:, :2]))))
            angle = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
            metrics.update(scene_moved=moved, scene_scale=scale, scene_angle=angle)
            big = moved >= t.scene_shift or abs(angle) >= t.scene_angle or abs(np.log(scale)) >= t.scene_zoom
            # The transform must explain the whole picture, not one car driving through: undoing it must
            # line the coarse structure up better than leaving it.
            warped_ncc = _warped_ncc(ctx.reference.thumb, current, transform, width) if big else ncc
            metrics["scene_warped_ncc"] = warped_ncc
            # Periodic scenes (lamp posts, windows) also match shifted by a period: the coarse structure
            # must disagree with the reference as well.
            # Phase correlation of the whole structure finding no shift (with a real peak) outvotes the
            # features: in a periodic scene they can lock onto the next lamp post.
            unmoved = shift < t.scene_shift / 2 and response >= 0.1
            if (
                big
                and not unmoved
                and warped_ncc >= ncc + 0.1
                and warped_ncc >= 0.4
                and ncc < t.scene_ncc_confirm
            ):
                return [
                    finding(
                        FaultCode.SCENE_CHANGED,
                        moved >= 2 * t.scene_shift,
                        score(moved, t.scene_shift, 0.3),
                        shift_fraction=moved,
                        angle_degrees=angle,
                        scale=scale,
                    )
                ], metrics
            return [], metrics
        # No consistent match. The structure must agree that this is not the reference's view, and the
        # reference's textured cells must not still be in place (a car that left the lot takes the features
        # away, the lot's own markings stay where they were).
        kept_cells = metrics.get("scene_in_place", 0.0)
        if ncc < t.scene_ncc_confirm and kept_cells < t.scene_in_place_kept:
            return [
                finding(
                    FaultCode.SCENE_CHANGED,
                    True,
                    score(ncc, t.scene_ncc_confirm, 0.0),
                    structure_similarity=ncc,
                    matched_features=inliers,
                )
            ], metrics
        return [], metrics
    # Too little texture for features: structure alone, with its own gates.
    if ref_level < 3.0 or cur_level < 0.4 * ref_level:
        return [], metrics
    # In a near-empty view a single new object (a car parking in an empty lot) is most of the structure
    # and alone drags the correlation down; a turned camera also moved the few edges the reference had.
    kept = max(structure_kept(ref_thumb, thumb) for thumb in (ctx.view.thumbs[-1], ctx.view.thumbs[0]))
    metrics["scene_structure_kept"] = kept
    if kept >= t.scene_structure_kept:
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
