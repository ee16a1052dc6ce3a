"""Light spot: `glare` — the sun or a lamp shining into the lens: one big clipped blob with a halo.

Overexposure clips the whole picture and is decided first (brightness.py); here the clipped area is one
compact region, and with a reference it must be new (lamps in a night scene are the camera's normal). It also
stays put through the burst: a white car in the sun is a clipped blob too, but it drives on.
"""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import THUMB_SIZE, score
from qarauyl.domain import FaultCode


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    grey = ctx.view.key.grey
    bright = (grey >= 245).astype(np.uint8)
    total = int(np.count_nonzero(bright))
    fraction = total / grey.size
    metrics = {"bright_fraction": fraction}
    if fraction < t.glare_blob_fraction:
        return [], metrics
    count, stats_labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    if count < 2:
        return [], metrics
    index = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    largest = int(stats[index, cv2.CC_STAT_AREA])
    box_w, box_h = int(stats[index, cv2.CC_STAT_WIDTH]), int(stats[index, cv2.CC_STAT_HEIGHT])
    # A light's image is a round, filled spot; bright lines and lettering are thin and sparse.
    fill = largest / max(1, box_w * box_h)
    metrics["glare_fill"] = fill
    if fill < 0.4 or min(box_w, box_h) < 0.04 * grey.shape[1]:
        return [], metrics
    blob = largest / grey.size
    concentration = largest / max(1, total)
    metrics.update(glare_blob_fraction=blob, glare_concentration=concentration)
    if blob < t.glare_blob_fraction or concentration < t.glare_concentration:
        return [], metrics
    if ctx.reference is not None:
        ref_fraction = float(np.count_nonzero(ctx.reference.grey >= 245)) / ctx.reference.grey.size
        if blob < t.glare_new_ratio * ref_fraction:
            return [], metrics
    if ctx.view.count > 1:
        # A light in the lens stays where it is for the burst; a white car in the sun drives on. The blob,
        # at thumbnail size, must have been bright in the first frame too.
        labels = (stats_labels == index).astype(np.float32)
        spot = cv2.resize(labels, THUMB_SIZE, interpolation=cv2.INTER_AREA) > 0.5
        if np.any(spot):
            persistence = float(np.count_nonzero(ctx.view.thumbs[0][spot] >= 230.0)) / np.count_nonzero(spot)
            metrics["glare_persistence"] = persistence
            if persistence < t.glare_persistence:
                return [], metrics
    return [
        finding(FaultCode.GLARE, blob > 0.1, score(blob, t.glare_blob_fraction, 0.1), blob_fraction=blob)
    ], metrics
