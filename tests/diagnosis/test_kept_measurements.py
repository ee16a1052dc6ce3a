"""A reference's measurements kept from an earlier probe of the camera: the verdicts are the same as when
they are measured afresh, and what is kept is really used."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import scene, with_fault

from qarauyl.diagnosis import diagnose, prepare_reference, reference_measurements
from qarauyl.diagnosis import sharpness as sharpness_module
from qarauyl.diagnosis._diagnose import KEPT_MEASUREMENTS


@pytest.mark.parametrize(
    ("name", "fault"),
    [("street_day", None), ("street_day", "blur"), ("asphalt", "occluded"), ("street_night", "color_cast")],
)
def test_kept_measurements_give_the_verdict_measured_afresh(name: str, fault: str | None) -> None:
    frames = scene(name, count=12)
    reference, burst = frames[0], frames[-6:]
    if fault is not None:
        burst = with_fault(burst, fault, 1.0)
    first = prepare_reference(reference)
    diagnose(frames[-6:], reference=first)  # an earlier, healthy probe measures the reference
    kept = reference_measurements(first)
    # The kinds every healthy probe against a reference measures (the feature count only where the coarse
    # structure does not settle the scene on its own).
    always = {"sharpness", "p2p98", "cell_detail", "textured_cells", "cast"}
    assert always <= set(kept) <= set(KEPT_MEASUREMENTS)
    fresh = diagnose(burst, reference=prepare_reference(reference))
    reused = diagnose(burst, reference=prepare_reference(reference, kept))
    assert reused.findings == fresh.findings
    assert reused.metrics.keys() == fresh.metrics.keys()
    for key, value in fresh.metrics.items():
        assert reused.metrics[key] == pytest.approx(value, nan_ok=True), key


def test_a_kept_measurement_is_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = scene("street_day", count=8)
    first = prepare_reference(frames[0])
    diagnose(frames[-4:], reference=first)
    kept = reference_measurements(first)

    def measured_again(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the reference's sharpness was measured again")

    monkeypatch.setattr(sharpness_module, "regional_sharpness", measured_again)
    blurred = with_fault(frames[-4:], "blur", 1.0)
    found = diagnose(blurred, reference=prepare_reference(frames[0], kept)).findings
    assert "blur" in {f.code for f in found}
    with pytest.raises(AssertionError, match="measured again"):
        diagnose(blurred, reference=prepare_reference(frames[0]))


def test_the_reference_feature_count_is_kept_and_spares_finding_its_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qarauyl.diagnosis import scene_change

    frames = scene("street_day", count=12)
    first = prepare_reference(frames[0])
    # A view that lines up with the reference, though not closely enough to settle it without features.
    shifted = [np.roll(frame, 3, axis=1) for frame in frames[-4:]]
    diagnose(shifted, reference=first)
    kept = reference_measurements(first)
    assert kept.get("orb_count", 0) > 0 and "orb" in first.memo  # measured the first time

    def found_again(*_args: object) -> object:
        raise AssertionError("the reference's features were found again")

    monkeypatch.setattr(scene_change, "features", found_again)
    again = diagnose(shifted, reference=prepare_reference(frames[0], kept))
    assert "scene_changed" not in {f.code for f in again.findings}


def test_only_the_kept_kinds_are_taken_in() -> None:
    frames = scene("street_day", count=4)
    view = prepare_reference(frames[0], {"stripes_small": np.zeros((4, 4)), "cast": (0.0, 0.0, 0.0)})
    assert set(view.memo) == {"cast"}
