"""Image-quality diagnosis: pure checks over decoded frames (+ reference, + baseline) that return findings."""

from qarauyl.diagnosis._diagnose import (
    diagnose,
    prepare_reference,
    reference_measurements,
    reference_parts,
    restore_reference,
)
from qarauyl.diagnosis._view import MIN_SIDE, KeyView
from qarauyl.diagnosis.baseline import Baseline, update_baseline, without_signature
from qarauyl.diagnosis.reference import Candidate, pick_reference
from qarauyl.diagnosis.registry import CHECKS
from qarauyl.diagnosis.settings import DEFAULT_THRESHOLDS, Thresholds
from qarauyl.diagnosis.types import Diagnosis, StreamFacts, StreamProfile

__all__ = [
    "CHECKS",
    "DEFAULT_THRESHOLDS",
    "MIN_SIDE",
    "Baseline",
    "Candidate",
    "Diagnosis",
    "KeyView",
    "StreamFacts",
    "StreamProfile",
    "Thresholds",
    "diagnose",
    "pick_reference",
    "prepare_reference",
    "reference_measurements",
    "reference_parts",
    "restore_reference",
    "update_baseline",
    "without_signature",
]
