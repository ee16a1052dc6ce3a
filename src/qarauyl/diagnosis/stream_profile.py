"""Stream against the camera's profile: `low_resolution`, `low_fps`, `low_bitrate`.

A camera quietly reset to factory settings often streams CIF at a low frame rate: the picture looks fine on a
wall monitor and is useless for identification, so it is checked against what the inventory expects.
"""

from __future__ import annotations

from qarauyl.diagnosis._context import CheckResult, Context, finding
from qarauyl.diagnosis._view import score
from qarauyl.domain import FaultCode, Finding


def check(ctx: Context) -> CheckResult:
    t = ctx.thresholds
    stream, profile = ctx.stream, ctx.profile
    if stream is None or profile is None:
        return [], {}
    findings: list[Finding] = []
    metrics: dict[str, float] = {}
    if profile.width and profile.height and stream.width and stream.height:
        ratio = (stream.width * stream.height) / (profile.width * profile.height)
        metrics["resolution_ratio"] = ratio
        if ratio < 1.0:
            findings.append(
                finding(
                    FaultCode.LOW_RESOLUTION,
                    ratio <= 0.25,
                    score(ratio, 1.0, 0.25),
                    width=stream.width,
                    height=stream.height,
                    expected=f"{profile.width}x{profile.height}",
                )
            )
    if profile.fps and stream.fps:
        ratio = stream.fps / profile.fps
        metrics["fps_ratio"] = ratio
        if ratio < t.fps_tolerance:
            findings.append(
                finding(
                    FaultCode.LOW_FPS,
                    ratio < 0.4,
                    score(ratio, t.fps_tolerance, 0.2),
                    fps=stream.fps,
                    expected=profile.fps,
                )
            )
    if profile.min_bitrate_kbps and stream.bitrate_kbps is not None:
        ratio = stream.bitrate_kbps / profile.min_bitrate_kbps
        metrics["bitrate_ratio"] = ratio
        if ratio < t.bitrate_tolerance:
            findings.append(
                finding(
                    FaultCode.LOW_BITRATE,
                    ratio < 0.3,
                    score(ratio, t.bitrate_tolerance, 0.2),
                    bitrate_kbps=stream.bitrate_kbps,
                    expected_min=profile.min_bitrate_kbps,
                )
            )
    return findings, metrics
