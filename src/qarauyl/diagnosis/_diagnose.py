"""`diagnose`: run every check of the registry over a burst of frames and keep the causes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qarauyl.diagnosis._context import Context
from qarauyl.diagnosis._view import Array, KeyView, check_frames, view_of
from qarauyl.diagnosis.baseline import Baseline
from qarauyl.diagnosis.registry import CHECKS, PRIORITY, SUPPRESSES, arbitrate
from qarauyl.diagnosis.registry import measured as is_measured
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS, Thresholds
from qarauyl.diagnosis.types import Diagnosis, StreamFacts, StreamProfile
from qarauyl.domain import FaultCode, Finding
from qarauyl.errors import InputError

# The reference's measurements worth keeping between probes of a camera: a few hundred bytes each, and dear
# to redo on every probe (the reference's sharpness alone is 2 ms of a 360p diagnosis, finding its features
# to count them 3 ms). The larger ones (the stripe spectrum's input is 256 KB) cost less to redo than to
# keep for a whole fleet.
KEPT_MEASUREMENTS = ("sharpness", "p2p98", "cell_detail", "textured_cells", "cast", "orb_count")


def prepare_reference(reference: Array, measurements: Mapping[str, Any] | None = None) -> KeyView:
    """The reference's downscaled copies and, as the checks ask, its cached measurements. Keep it and pass
    it to `diagnose` instead of the raw frame when diagnosing the same camera repeatedly: it saves the
    reference's half of the work. `measurements` are those `reference_measurements` returned for this same
    reference picture, so that they are not computed again."""
    check_frames([reference])
    view = KeyView.of(reference)
    if measurements:
        view.memo.update((key, value) for key, value in measurements.items() if key in KEPT_MEASUREMENTS)
    return view


def reference_measurements(reference: KeyView) -> dict[str, Any]:
    """The measurements of a prepared reference, among KEPT_MEASUREMENTS, that the checks have made so far:
    small, picklable, and valid for this reference picture only."""
    return {key: reference.memo[key] for key in KEPT_MEASUREMENTS if key in reference.memo}


def diagnose(
    frames: Sequence[Array],
    *,
    reference: Array | KeyView | None = None,
    stream: StreamFacts | None = None,
    profile: StreamProfile | None = None,
    baseline: Baseline | None = None,
    thresholds: Thresholds | None = None,
) -> Diagnosis:
    """Findings and metrics for consecutive RGB uint8 frames (H, W, 3) of one camera, oldest first.

    `reference` is a healthy picture of the same camera (any size with the same aspect ratio), raw or from
    `prepare_reference`;
    without it, occlusion and scene change are not judged and other checks use absolute thresholds.
    Raises InputError for an empty burst or frames that are not same-sized RGB uint8 images.
    """
    view = view_of(frames)
    ref_view = prepare_reference(reference) if isinstance(reference, np.ndarray) else reference
    if ref_view is not None:
        (rh, rw), (h, w) = ref_view.native_shape, view.native.shape[:2]
        if abs(rw / rh - w / h) > 0.05:
            raise InputError(f"the reference is {rw}x{rh}, the frames are {w}x{h}: not the same view")
    ctx = Context(view, ref_view, baseline or Baseline(), thresholds or DEFAULT_THRESHOLDS, stream, profile)
    findings: list[Finding] = []
    metrics: dict[str, float] = {"frames": float(view.count)}
    for check in CHECKS:
        found, measured = check.run(ctx)
        findings.extend(found)
        metrics.update(measured)
    present = {f.code for f in findings}
    present -= arbitrate(present, metrics, ctx.thresholds)
    # Causes first: a code survives unless a code kept before it explains it away.
    survivors: set[FaultCode] = set()
    for code in sorted(present, key=lambda c: PRIORITY.index(c) if c in PRIORITY else len(PRIORITY)):
        if is_measured(code, metrics) or not any(
            code in SUPPRESSES.get(cause, frozenset()) for cause in survivors
        ):
            survivors.add(code)
    kept = tuple(f for f in findings if f.code in survivors)
    clean = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
    return Diagnosis(kept, clean)
