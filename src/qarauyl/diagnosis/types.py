"""The data that crosses the diagnosis boundary: stream facts, the expected profile, the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from qarauyl.domain import Finding


@dataclass(frozen=True)
class StreamFacts:
    """What the probe measured about the stream itself (not the picture)."""

    codec: str
    width: int
    height: int
    fps: float | None
    bitrate_kbps: float | None
    decode_errors: int = 0
    frames_decoded: int = 0
    time_to_first_frame_ms: float | None = None


@dataclass(frozen=True)
class StreamProfile:
    """What the camera is supposed to deliver (from the inventory); any field left None is not checked."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    min_bitrate_kbps: float | None = None


@dataclass(frozen=True)
class Diagnosis:
    """Findings for one burst of frames, and the measurements they were decided on."""

    findings: tuple[Finding, ...]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.findings

    def codes(self) -> set[str]:
        return {str(f.code) for f in self.findings}
