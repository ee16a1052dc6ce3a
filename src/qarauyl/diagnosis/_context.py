"""What every check receives: the prepared burst, the prepared reference, the baseline and the thresholds."""

from __future__ import annotations

from dataclasses import dataclass

from qarauyl.diagnosis._view import FrameView, KeyView
from qarauyl.diagnosis.baseline import Baseline
from qarauyl.diagnosis.settings import Thresholds
from qarauyl.diagnosis.types import StreamFacts, StreamProfile
from qarauyl.domain import FaultCode, Finding, Severity


@dataclass(frozen=True)
class Context:
    view: FrameView
    reference: KeyView | None
    baseline: Baseline
    thresholds: Thresholds
    stream: StreamFacts | None
    profile: StreamProfile | None


Metrics = dict[str, float]
CheckResult = tuple[list[Finding], Metrics]


def finding(code: FaultCode, critical: bool, score: float, **detail: float | int | str) -> Finding:
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in detail.items()}
    return Finding(code, Severity.CRITICAL if critical else Severity.WARNING, round(score, 3), rounded)
