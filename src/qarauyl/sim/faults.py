"""The simulator's fault vocabulary: which faults exist, how each is injected, and their validation.

Three families, by where they act:
- picture faults are painted on the frames before encoding (qarauyl.sim.picture_faults renders them);
- encoded faults change the encoded stream itself: `corrupted` (slices dropped from the encoded stream, so
  decoders show real artefacts), `low_resolution`, `low_fps`, `low_bitrate` (encoded below the profile);
- stream faults change how the RTSP server behaves for that camera (offline, never answering, 401, 503,
  stalling, slow start, flapping, refusing RTP over TCP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# Kept here as well as in picture_faults so the simulator can validate names without importing OpenCV code;
# test_faults checks that both lists agree.
PICTURE_FAULTS: tuple[str, ...] = (
    "no_signal", "too_dark", "overexposed", "frozen", "blur", "occluded", "scene_changed",
    "low_contrast", "noise", "color_cast", "stripes", "shaking", "glare", "ir_cut",
)  # fmt: skip
ENCODED_FAULTS: tuple[str, ...] = ("corrupted", "low_resolution", "low_fps", "low_bitrate")
STREAM_FAULTS: tuple[str, ...] = (
    "offline", "no_answer", "auth_failed", "unavailable", "stall", "slow_start", "flapping", "udp_only",
)  # fmt: skip
ALL_FAULTS: tuple[str, ...] = PICTURE_FAULTS + ENCODED_FAULTS + STREAM_FAULTS

# Parameters a fault accepts, with defaults; anything else is an error naming the parameter.
FAULT_PARAMS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "stall": MappingProxyType({"after_frames": 25.0}),
        "slow_start": MappingProxyType({"delay_s": 4.0}),
        "flapping": MappingProxyType({"period_s": 20.0, "down_fraction": 0.5}),
    }
)

FAULT_HELP: MappingProxyType[str, str] = MappingProxyType(
    {
        "corrupted": "slices dropped from the encoded stream (more with strength): real decoder artefacts",
        "low_resolution": "encoded at (1 - strength/2) of the profile's width and height",
        "low_fps": "encoded at (1 - 0.8 strength) of the profile's frame rate",
        "low_bitrate": "encoded at (1 - 0.9 strength) of the profile's bitrate",
        "offline": "the TCP connection is reset (RST) as soon as a request names this camera",
        "no_answer": "requests for this camera are read and never answered",
        "auth_failed": "every credential is refused with 401, as after a password change",
        "unavailable": "DESCRIBE, SETUP and PLAY answer 503 Service Unavailable",
        "stall": "the stream stops after `after_frames` frames; the session stays open",
        "slow_start": "DESCRIBE is answered after `delay_s` seconds",
        "flapping": "offline for `down_fraction` of every `period_s` seconds, up otherwise",
        "udp_only": "SETUP of RTP over TCP (interleaved) answers 461 Unsupported Transport: only UDP works",
    }
)


def fault_family(name: str) -> str:
    if name in PICTURE_FAULTS:
        return "picture"
    if name in ENCODED_FAULTS:
        return "encoded"
    if name in STREAM_FAULTS:
        return "stream"
    raise ValueError(f"unknown fault {name!r}; known faults: {', '.join(ALL_FAULTS)}")


@dataclass(frozen=True)
class FaultSpec:
    """One active fault on one camera."""

    name: str
    strength: float = 1.0
    params: MappingProxyType[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def family(self) -> str:
        return fault_family(self.name)

    def param(self, key: str) -> float:
        return self.params.get(key, FAULT_PARAMS[self.name][key])

    def to_dict(self) -> dict[str, Any]:
        return {"fault": self.name, "strength": self.strength, "params": dict(self.params)}


def make_fault(name: str, strength: float = 1.0, params: dict[str, Any] | None = None) -> FaultSpec:
    """Validates and builds a FaultSpec; ValueError messages name the fault, the field and the bad value."""
    fault_family(name)
    try:
        strength = float(strength)
    except (TypeError, ValueError):
        raise ValueError(f"fault {name!r}: strength must be a number, got {strength!r}") from None
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"fault {name!r}: strength must be in (0, 1], got {strength}")
    allowed = FAULT_PARAMS.get(name, MappingProxyType({}))
    clean: dict[str, float] = {}
    for key, value in (params or {}).items():
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise ValueError(f"fault {name!r}: unknown parameter {key!r} (parameters: {known})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(
                f"fault {name!r}: parameter {key!r} must be a non-negative number, got {value!r}"
            )
        clean[key] = float(value)
    return FaultSpec(name, strength, MappingProxyType(clean))
