"""A camera's learned normal: running statistics of its healthy measurements (adaptive thresholds).

Pure and JSON-serialisable: the monitor stores `to_dict()` per camera and passes `Baseline.from_dict(...)`
back to `diagnose`; `update_baseline` folds in one more diagnosis (healthy ones only, so a fault never becomes
the normal).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qarauyl.diagnosis.types import Diagnosis

# The measurements worth learning: those whose normal level differs a lot from camera to camera.
LEARNED_METRICS: tuple[str, ...] = (
    "luma_mean",
    "contrast_range",
    "sharpness",
    "noise_sigma",
    "noise_flicker",
    "color_cast",
    "clipped_fraction",
    "stripes_prominence",
)
# Enough probes to trust a mean; before that the fixed thresholds alone decide.
MIN_SAMPLES = 5
# Exponential forgetting over about this many probes, so seasons and re-focusing are followed.
HORIZON = 200


@dataclass(frozen=True)
class MetricStats:
    count: int = 0
    mean: float = 0.0
    var: float = 0.0

    @property
    def std(self) -> float:
        return math.sqrt(max(0.0, self.var))

    def add(self, value: float) -> MetricStats:
        n = self.count + 1
        alpha = 1.0 / min(n, HORIZON)
        delta = value - self.mean
        mean = self.mean + alpha * delta
        var = (1.0 - alpha) * (self.var + alpha * delta * delta)
        return MetricStats(n, mean, var)


@dataclass(frozen=True)
class Baseline:
    """Per-camera running statistics, plus the last picture's signature (a frozen picture across probes)."""

    stats: dict[str, MetricStats] = field(default_factory=dict)
    signature: tuple[float, ...] = ()

    def learned(self, metric: str) -> MetricStats | None:
        stats = self.stats.get(metric)
        return stats if stats is not None and stats.count >= MIN_SAMPLES else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stats": {k: {"count": v.count, "mean": v.mean, "var": v.var} for k, v in self.stats.items()},
            "signature": list(self.signature),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Baseline:
        stats = {
            str(k): MetricStats(int(v["count"]), float(v["mean"]), float(v["var"]))
            for k, v in dict(data.get("stats", {})).items()
        }
        return Baseline(stats, tuple(float(x) for x in data.get("signature", [])))


SIGNATURE_PREFIX = "sig_"


def signature_of(diagnosis: Diagnosis) -> tuple[float, ...]:
    """The thumbnail signature `diagnose` leaves in its metrics (sig_0..sig_N)."""
    keys = sorted(
        (k for k in diagnosis.metrics if k.startswith(SIGNATURE_PREFIX)),
        key=lambda k: int(k.removeprefix(SIGNATURE_PREFIX)),
    )
    return tuple(diagnosis.metrics[k] for k in keys)


def without_signature(metrics: Mapping[str, float]) -> dict[str, float]:
    """The measurements worth showing and storing: all but the signature's 48 numbers, which only the
    next probe's freeze check reads, from the baseline."""
    return {k: v for k, v in metrics.items() if not k.startswith(SIGNATURE_PREFIX)}


def update_baseline(baseline: Baseline | None, diagnosis: Diagnosis) -> Baseline:
    """The baseline with one more probe folded in; an unhealthy probe only refreshes the signature."""
    base = baseline or Baseline()
    signature = signature_of(diagnosis) or base.signature
    if not diagnosis.healthy:
        return Baseline(dict(base.stats), signature)
    stats = dict(base.stats)
    for metric in LEARNED_METRICS:
        value = diagnosis.metrics.get(metric)
        if value is not None and math.isfinite(value):
            stats[metric] = stats.get(metric, MetricStats()).add(value)
    return Baseline(stats, signature)
