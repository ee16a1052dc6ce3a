"""Decoder corruption and compression artefacts: `corrupted`.

Two sources: the decoder's own error count from the probe (StreamFacts), and the picture itself, where lost
packets and starved encoders leave an 8-pixel block grid: luma steps on block borders much larger than
steps inside blocks.

A JPEG picture (an HTTP snapshot, a camera streaming MJPEG, a .jpg given to `qarauyl diagnose`) has that grid
by construction: JPEG codes every 8x8 block on its own, and at the quality cameras use for snapshots (75) a
textured street reaches 2.7-3.0, over the threshold, with nothing wrong. There only the decoder's word counts.
"""

from __future__ import annotations

import numpy as np

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import Array, score
from qarauyl.domain import FaultCode


def blockiness(green: Array) -> float:
    """Mean |step| across columns on the 8-pixel grid over the mean |step| elsewhere (1.0 = no grid)."""
    rows = green[::8].astype(np.int16)
    steps = np.abs(np.diff(rows, axis=1)).mean(axis=0)  # steps[i] is between column i and i+1
    n = steps.size // 8 * 8
    if n < 16:
        return 1.0
    per_phase = steps[:n].reshape(-1, 8).mean(axis=0)
    on_grid = float(per_phase[7])
    off_grid = float(np.delete(per_phase, 7).mean())
    # Flat pictures have no steps at all: their ratio means nothing. Blocks that are flat inside (a frozen
    # macroblock, concealment) have no off-grid steps, so the denominator has a floor.
    return on_grid / max(off_grid, 0.5) if on_grid >= 1.0 else 1.0


# Codecs whose every picture is a grid of independently coded 8x8 blocks (FFmpeg's names).
JPEG_CODECS = frozenset({"mjpeg", "jpeg", "jpegls"})


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    block = blockiness(ctx.view.native[..., 1])
    metrics = {"blockiness": block}
    stream = ctx.stream
    if stream is not None and stream.decode_errors > 0:
        rate = stream.decode_errors / max(1, stream.frames_decoded)
        metrics["decode_error_rate"] = rate
        if rate >= t.corrupted_error_rate:
            # The decoder's word, not a reading of the picture: the registry lets it win over the picture
            # symptoms that concealment produces (grey smears that look like a cover, repeated frames).
            metrics["corrupted_by_decoder"] = 1.0
            return [
                finding(
                    FaultCode.CORRUPTED,
                    rate >= 0.3,
                    score(rate, t.corrupted_error_rate, 0.5),
                    decode_errors=stream.decode_errors,
                    frames_decoded=stream.frames_decoded,
                    blockiness=block,
                )
            ], metrics
    if block >= t.blockiness and not (stream is not None and stream.codec in JPEG_CODECS):
        return [
            finding(
                FaultCode.CORRUPTED, False, score(block, t.blockiness, 2 * t.blockiness), blockiness=block
            )
        ], metrics
    return [], metrics
