"""Learning a camera's reference picture from its first healthy probes, and re-taking it on request.

The reference is the frame the scene-change and occlusion checks compare against. It should be a healthy,
well-exposed, sharp picture: among candidates whose diagnosis found nothing, the sharpest with the most
structure wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from qarauyl.diagnosis._view import Array
from qarauyl.diagnosis.types import Diagnosis

# Probes to wait for before settling on a reference: a camera seen once could be having a bad moment.
MIN_HEALTHY_PROBES = 3


@dataclass(frozen=True)
class Candidate:
    frame: Array
    diagnosis: Diagnosis


def candidate_quality(diagnosis: Diagnosis) -> float:
    """Higher is a better reference: sharp, with edges, well exposed. -inf for an unhealthy probe."""
    if not diagnosis.healthy:
        return -math.inf
    m = diagnosis.metrics
    sharp = m.get("sharpness", 0.0)
    edges = min(m.get("edge_fraction", 0.0), 0.03) / 0.03
    exposure = 1.0 - abs(m.get("luma_mean", 128.0) - 120.0) / 120.0
    return (0.0 if math.isnan(sharp) else sharp) + edges + exposure


def pick_reference(candidates: Sequence[Candidate]) -> Array | None:
    """The best healthy frame once MIN_HEALTHY_PROBES healthy probes exist; None until then."""
    healthy = [c for c in candidates if c.diagnosis.healthy]
    if len(healthy) < MIN_HEALTHY_PROBES:
        return None
    return max(healthy, key=lambda c: candidate_quality(c.diagnosis)).frame
