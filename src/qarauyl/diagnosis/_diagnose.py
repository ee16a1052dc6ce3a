"""`diagnose`: run every check of the registry over a burst of frames and keep the causes."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from qarauyl.diagnosis._context import Context
from qarauyl.diagnosis._view import THUMB_SIZE, Array, KeyView, check_frames, detail_of, view_of
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
    return _keeping(KeyView.of(reference), measurements)


def _keeping(view: KeyView, measurements: Mapping[str, Any] | None) -> KeyView:
    """`view` with the kept measurements of its picture already made."""
    if measurements:
        view.memo.update((key, value) for key, value in measurements.items() if key in KEPT_MEASUREMENTS)
    return view


# A reference's parts: "QRP1", then the luma's height and width and the frame's, then the luma and the RGB
# thumbnail as uint8 rows. Parts outlive the code that wrote them (files beside the reference): bump the
# version when `KeyView.of` makes its luma or thumbnail another way, and older parts are prepared again.
_PARTS_HEADER = struct.Struct("<4sHHHH")
_PARTS_MAGIC = b"QRP1"


@lru_cache(maxsize=16)
def _luma_shape(height: int, width: int) -> tuple[int, int]:
    """The shape of the luma `KeyView.of` makes of a frame of this size (a fleet has few sizes)."""
    shape: tuple[int, int] = KeyView.of(np.zeros((height, width, 3), np.uint8)).grey.shape
    return shape


def reference_parts(reference: KeyView) -> bytes:
    """What the checks read of a prepared reference when judging a picture that is fine: its luma at analysis
    size and its RGB thumbnail, with the frame's size (170 KB for a 640-px snapshot, against the 960 KB its
    JPEG decodes to). Kept beside the reference's JPEG, they spare every later probe of the camera decoding
    and preparing it again (`restore_reference`)."""
    grey = np.ascontiguousarray(reference.grey, dtype=np.uint8)
    thumb = np.ascontiguousarray(reference.thumb_rgb).astype(np.uint8)
    height, width = reference.native_shape
    header = _PARTS_HEADER.pack(_PARTS_MAGIC, grey.shape[0], grey.shape[1], height, width)
    return header + grey.tobytes() + thumb.tobytes()


def restore_reference(
    parts: bytes, pixels: Callable[[], Array], measurements: Mapping[str, Any] | None = None
) -> KeyView:
    """The prepared reference again from its `reference_parts`, the same numbers as `prepare_reference` of its
    picture gives. `pixels` returns the picture (its decoded JPEG) and is called only if a check needs it at
    full detail (a focus or screen comparison, on a picture that has lost focus or signal). ValueError if
    `parts` are not a reference's parts."""
    if len(parts) < _PARTS_HEADER.size:
        raise ValueError("not a reference's parts: too short")
    magic, grey_h, grey_w, height, width = _PARTS_HEADER.unpack_from(parts)
    thumb_w, thumb_h = THUMB_SIZE
    grey_size = grey_h * grey_w
    if magic != _PARTS_MAGIC or len(parts) != _PARTS_HEADER.size + grey_size + thumb_h * thumb_w * 3:
        raise ValueError("not a reference's parts: wrong header or size")
    if min(height, width) < 16 or _luma_shape(height, width) != (grey_h, grey_w):
        raise ValueError("not a reference's parts: the luma is not of the size this version makes")
    start = _PARTS_HEADER.size
    # Copies, not views of the bytes: the checks may take the reference's arrays as writable.
    grey = np.frombuffer(parts, np.uint8, grey_size, start).reshape(grey_h, grey_w).copy()
    thumb = np.frombuffer(parts, np.uint8, offset=start + grey_size).reshape(thumb_h, thumb_w, 3).copy()

    def detail() -> tuple[Array, Array]:
        frame = pixels()
        if frame.shape[:2] != (height, width):
            shown = f"{frame.shape[1]}x{frame.shape[0]}"
            raise ValueError(f"the reference's picture is {shown}, its parts say {width}x{height}")
        detail_rgb, detail_u8 = detail_of(frame)
        return detail_rgb, detail_u8.astype(np.float32)

    return _keeping(KeyView.of_parts(grey, thumb, (height, width), detail), measurements)


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
