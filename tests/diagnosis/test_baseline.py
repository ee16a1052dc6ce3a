"""The per-camera baseline: JSON round trip, learning only from healthy probes, adaptive noise bar."""

from __future__ import annotations

import json

from diagnosis_pictures import codes, live, textured

from qarauyl.diagnosis import Baseline, diagnose, update_baseline
from qarauyl.diagnosis.baseline import MIN_SAMPLES


def test_round_trip_through_json() -> None:
    baseline = update_baseline(None, diagnose(live(textured())))
    again = Baseline.from_dict(json.loads(json.dumps(baseline.to_dict())))
    assert again == baseline


def test_faulty_probes_are_not_learned() -> None:
    base = update_baseline(None, diagnose(live(textured())))
    dark = update_baseline(base, diagnose([f // 20 for f in live(textured())]))
    assert dark.stats == base.stats


def test_a_camera_that_is_always_noisy_stops_being_reported() -> None:
    # Noise at sigma 20 is over the fixed bar; after the camera's history shows it is normal for this
    # camera, the bar moves up. Simulate history by learning from sigma 20 probes marked healthy.
    picture = textured()
    noisy = live(picture, sigma=20.0)
    assert "noise" in codes(diagnose(noisy))
    baseline = Baseline()
    for i in range(MIN_SAMPLES + 2):
        result = diagnose(live(picture, sigma=20.0, seed=i))
        healthy = type(result)((), result.metrics)  # the operator accepted this camera's noise as normal
        baseline = update_baseline(baseline, healthy)
    assert "noise" not in codes(diagnose(noisy, baseline=baseline))
