"""Image freeze: `frozen` — the picture does not change while time runs, its sensor noise included.

A static scene is not frozen: its noise and the codec's drift still change pixels somewhere in a burst.
Compression can repeat a frame exactly for a frame or two, so the whole burst must be unchanged. Across
probes, the baseline's signature of the previous picture catches a camera that froze minutes ago.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.domain import FaultCode

SIGNATURE_GRID = (8, 6)


def signature(thumb: np.ndarray) -> tuple[float, ...]:
    """Mean luma of an 8x6 grid of the thumbnail to 0.01: identical only for an identical picture."""
    gw, gh = SIGNATURE_GRID
    h, w = thumb.shape
    cells = thumb[: h // gh * gh, : w // gw * gw].reshape(gh, h // gh, gw, w // gw).mean(axis=(1, 3))
    return tuple(round(float(v), 2) for v in cells.ravel())


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    samples = ctx.view.samples
    sig = signature(ctx.view.key.thumb)
    metrics: dict[str, float] = {f"sig_{i}": v for i, v in enumerate(sig)}
    # Only pixels that can change count: where a channel is clipped (a colour cast driving a white wall's
    # green to 255) a live picture repeats exactly, its noise clipped away.
    first = samples[0].ravel()
    dead = np.flatnonzero((first <= 3) | (first >= 252))
    live_count = first.size - dead.size
    judged = live_count >= 0.05 * first.size  # else all clipped or black: other checks own it
    changes = []
    for a, b in pairwise(samples):
        if not judged:
            changes.append(0.0)
            continue
        # Mean over live pixels = (all - dead) / live: indexing the few dead ones is cheaper than a mask.
        step = np.abs(b - a).ravel()
        dead_sum = float(step[dead].sum()) if dead.size else 0.0
        changes.append((float(step.sum()) - dead_sum) / live_count)
    if changes:
        metrics["frame_change_max"] = max(changes)
        metrics["frame_change_mean"] = float(np.mean(changes))
    if judged and len(samples) >= t.frozen_min_frames and max(changes) <= t.frozen_max_change:
        return [
            finding(
                FaultCode.FROZEN,
                True,
                1.0 if max(changes) == 0 else 0.8,
                frames=len(samples),
                max_change=max(changes),
            )
        ], metrics
    previous = ctx.baseline.signature
    if (
        previous
        and len(previous) == len(sig)
        and max(abs(a - b) for a, b in zip(previous, sig, strict=True)) == 0
    ):
        # A live picture never reproduces 48 cell means to 0.01 minutes later; a frozen encoder does.
        std = float(np.std(sig))
        if std > 1.0:  # a flat picture (black, a test screen) repeats legitimately; other checks own it
            return [finding(FaultCode.FROZEN, True, 0.9, since="previous probe")], metrics
    return [], metrics
