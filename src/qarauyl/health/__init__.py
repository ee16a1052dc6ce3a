"""Health: per-camera state with confirmation, recovery and flapping; availability from its history."""

from qarauyl.health.availability import Availability, availability
from qarauyl.health.state_machine import (
    CameraHealth,
    HealthPolicy,
    Observation,
    Transition,
    classify,
    observe,
)

__all__ = [
    "Availability",
    "CameraHealth",
    "HealthPolicy",
    "Observation",
    "Transition",
    "availability",
    "classify",
    "observe",
]
