"""Health states, fault codes and the finding a check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class FaultCode(StrEnum):
    """Stable codes; the CLI's JSON, the API and the event log use them."""

    # stream access
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"
    STREAM_ERROR = "stream_error"
    # picture
    NO_SIGNAL = "no_signal"
    TOO_DARK = "too_dark"
    OVEREXPOSED = "overexposed"
    FROZEN = "frozen"
    BLUR = "blur"
    OCCLUDED = "occluded"
    SCENE_CHANGED = "scene_changed"
    LOW_CONTRAST = "low_contrast"
    NOISE = "noise"
    COLOR_CAST = "color_cast"
    STRIPES = "stripes"
    SHAKING = "shaking"
    GLARE = "glare"
    IR_CUT = "ir_cut"
    CORRUPTED = "corrupted"
    # stream profile
    LOW_RESOLUTION = "low_resolution"
    LOW_FPS = "low_fps"
    LOW_BITRATE = "low_bitrate"
    TIME_DRIFT = "time_drift"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a camera, with how sure we are (score 0..1) and the measurements behind it."""

    code: FaultCode
    severity: Severity
    score: float
    detail: dict[str, float | int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within 0..1, got {self.score}")
