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
    assert set(kept) == set(KEPT_MEASUREMENTS)  # every kept measurement is one the checks make
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


def test_only_the_kept_kinds_are_taken_in() -> None:
    frames = scene("street_day", count=4)
    view = prepare_reference(frames[0], {"stripes_small": np.zeros((4, 4)), "cast": (0.0, 0.0, 0.0)})
    assert set(view.memo) == {"cast"}
