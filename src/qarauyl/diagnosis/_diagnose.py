"""`diagnose`: run every check of the registry over a burst of frames and keep the causes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qarauyl.diagnosis._context import Context
from qarauyl.diagnosis._view import Array, KeyView, check_frames, view_of
from qarauyl.diagnosis.baseline import Baseline
from qarauyl.diagnosis.registry import CHECKS, SUPPRESSES, arbitrate
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS, Thresholds
from qarauyl.diagnosis.types import Diagnosis, StreamFacts, StreamProfile
from qarauyl.domain import Finding
from qarauyl.errors import InputError


def diagnose(
    frames: Sequence[Array],
    *,
    reference: Array | None = None,
    stream: StreamFacts | None = None,
    profile: StreamProfile | None = None,
    baseline: Baseline | None = None,
    thresholds: Thresholds | None = None,
) -> Diagnosis:
    """Findings and metrics for consecutive RGB uint8 frames (H, W, 3) of one camera, oldest first.

    `reference` is a healthy picture of the same camera (any size; it is compared at coarse scale);
    without it, occlusion and scene change are not judged and other checks use absolute thresholds.
    Raises InputError for an empty burst or frames that are not same-sized RGB uint8 images.
    """
    view = view_of(frames)
    ref_view = None
    if reference is not None:
        check_frames([reference])
        if abs(reference.shape[1] / reference.shape[0] - view.native.shape[1] / view.native.shape[0]) > 0.05:
            raise InputError(
                f"the reference is {reference.shape[1]}x{reference.shape[0]}, the frames are "
                f"{view.native.shape[1]}x{view.native.shape[0]}: not the same view"
            )
        ref_view = KeyView.of(reference)
    ctx = Context(view, ref_view, baseline or Baseline(), thresholds or DEFAULT_THRESHOLDS, stream, profile)
    findings: list[Finding] = []
    metrics: dict[str, float] = {"frames": float(view.count)}
    for check in CHECKS:
        found, measured = check.run(ctx)
        findings.extend(found)
        metrics.update(measured)
    present = {f.code for f in findings}
    present -= arbitrate(present, metrics)
    suppressed = set().union(*(SUPPRESSES.get(code, frozenset()) for code in present))
    suppressed |= {f.code for f in findings} - present
    kept = tuple(f for f in findings if f.code not in suppressed)
    clean = {k: float(v) for k, v in metrics.items() if np.isfinite(v)}
    return Diagnosis(kept, clean)
