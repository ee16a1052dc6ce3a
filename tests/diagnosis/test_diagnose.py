"""The `diagnose` entry point: input checks, the registry, suppression of symptoms, metrics."""

from __future__ import annotations

import numpy as np
import pytest
from diagnosis_pictures import codes, live, textured
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import CHECKS, Diagnosis, diagnose, prepare_reference
from qarauyl.domain import FaultCode
from qarauyl.errors import InputError


def test_every_fault_code_of_the_product_has_a_check() -> None:
    covered = {code for check in CHECKS for code in check.codes}
    expected = set(FaultCode) - {
        FaultCode.OFFLINE,
        FaultCode.AUTH_FAILED,
        FaultCode.STREAM_ERROR,
        FaultCode.TIME_DRIFT,
    }
    assert covered == expected


def test_findings_are_well_formed() -> None:
    picture = textured()
    result = diagnose([np.zeros_like(picture)] * 3, reference=picture)
    assert isinstance(result, Diagnosis)
    for finding in result.findings:
        assert 0.0 <= finding.score <= 1.0
        assert finding.severity in ("warning", "critical")
    assert all(np.isfinite(v) for v in result.metrics.values())


def test_no_signal_explains_everything_else() -> None:
    # A black frame repeated is also "frozen" and "too dark"; only the cause is reported.
    assert codes(diagnose([np.zeros((270, 480, 3), np.uint8)] * 8)) == {"no_signal"}


@pytest.mark.parametrize(
    "frames",
    [
        [],
        [np.zeros((270, 480), np.uint8)],
        [np.zeros((270, 480, 3), np.float32)],
        [np.zeros((270, 480, 3), np.uint8), np.zeros((100, 480, 3), np.uint8)],
        [np.zeros((8, 8, 3), np.uint8)],
    ],
)
def test_bad_input_is_an_input_error(frames: list[np.ndarray]) -> None:
    with pytest.raises(InputError):
        diagnose(frames)


def test_a_reference_of_another_shape_is_refused() -> None:
    with pytest.raises(InputError, match="not the same view"):
        diagnose([textured(270, 480)], reference=textured(480, 480))


def test_a_prepared_reference_gives_the_same_answer() -> None:
    picture = textured()
    frames = live(picture)
    raw, prepared = (
        diagnose(frames, reference=picture),
        diagnose(frames, reference=prepare_reference(picture)),
    )
    assert raw.findings == prepared.findings
    assert raw.metrics == pytest.approx(prepared.metrics, rel=1e-5, abs=1e-6)


def test_a_reference_of_another_size_with_the_same_aspect_is_fine() -> None:
    picture = textured(270, 480)
    large = np.repeat(np.repeat(picture, 2, axis=0), 2, axis=1)  # the same view at twice the size
    assert "scene_changed" not in codes(diagnose(live(picture), reference=large))


def test_diagnose_never_changes_its_inputs() -> None:
    # OpenCV 5's phaseCorrelate windows its inputs in place; the checks must work on copies.
    picture = textured()
    frames = live(picture)
    before = [f.copy() for f in frames]
    diagnose(frames, reference=picture)
    assert all(np.array_equal(a, b) for a, b in zip(frames, before, strict=True))


def test_in_a_near_empty_view_its_few_edges_decide_cover_against_turned_camera() -> None:
    from qarauyl.diagnosis.registry import arbitrate

    both = {FaultCode.OCCLUDED, FaultCode.SCENE_CHANGED}
    # Too few textured cells: the cells' "in place" share is 1.0 by default and says nothing.
    base = {"occluded_in_place": 1.0, "occluded_fraction": 0.35, "scene_structure_ratio": 2.0}
    assert arbitrate(both, {**base, "scene_structure_kept": 0.2}) == {FaultCode.OCCLUDED}
    assert arbitrate(both, {**base, "scene_structure_kept": 0.8}) == {FaultCode.SCENE_CHANGED}
    # Over half the view covered, the cover is the finding whatever is left to see.
    assert arbitrate(both, {**base, "occluded_fraction": 0.6, "scene_structure_kept": 0.2}) == {
        FaultCode.SCENE_CHANGED
    }


def test_arbitration_follows_the_thresholds_diagnosis_was_given() -> None:
    from dataclasses import replace

    from qarauyl.diagnosis import DEFAULT_THRESHOLDS
    from qarauyl.diagnosis.registry import arbitrate

    both = {FaultCode.OCCLUDED, FaultCode.SCENE_CHANGED}
    # Nothing textured left to judge in place: the changed cells' own colour decides.
    metrics = {"occluded_own_colour": 20.0, "occluded_fraction": 0.3, "scene_structure_ratio": 1.0}
    assert arbitrate(both, metrics) == {FaultCode.SCENE_CHANGED}  # 20 >= 15: a cover, turned is dropped
    stricter = replace(DEFAULT_THRESHOLDS, occluded_own_colour=25.0)
    assert arbitrate(both, metrics, stricter) == {FaultCode.OCCLUDED}  # 20 < 25: a turned view


_ARBITRATED = [
    FaultCode.OCCLUDED, FaultCode.LOW_CONTRAST, FaultCode.TOO_DARK, FaultCode.SCENE_CHANGED, FaultCode.BLUR,
    FaultCode.FROZEN, FaultCode.GLARE, FaultCode.NOISE, FaultCode.SHAKING, FaultCode.LOW_FPS,
    FaultCode.CORRUPTED,
]  # fmt: skip
_METRIC_NAMES = [
    "saturation", "luma_mean", "scene_ncc", "darkening_spread", "occluded_in_place", "occluded_own_colour",
    "scene_structure_kept", "occluded_fraction", "scene_structure_ratio", "scene_in_place",
    "noise_by_flicker",
    "shake_steadiness", "shake_shift", "sharpness_ratio", "corrupted_by_decoder",
]  # fmt: skip
_SPAN = {"luma_mean": 255.0, "occluded_own_colour": 60.0, "scene_structure_ratio": 3.0}  # the rest: 0..1


@settings(max_examples=400, deadline=None)
@given(
    found=st.sets(st.sampled_from(_ARBITRATED), min_size=1),
    metrics=st.fixed_dictionaries(
        {}, optional={name: st.floats(0.0, _SPAN.get(name, 1.0)) for name in _METRIC_NAMES}
    ),
)
# Found by a CI run: noise dropped as the flicker of a shaking view, then the shaking dropped as not the
# usual scene, and nothing was left.
@example(found={FaultCode.NOISE, FaultCode.SHAKING}, metrics={"noise_by_flicker": 0.5, "scene_ncc": 0.0})
def test_arbitration_drops_one_of_two_rivals_never_every_finding(
    found: set[FaultCode], metrics: dict[str, float]
) -> None:
    """Rivals explain each other away one pair at a time; findings must never cancel out to "healthy". Only
    shaking is dropped on its own (a moving view that is not the usual scene says nothing of the mount)."""
    from qarauyl.diagnosis.registry import arbitrate

    dropped = arbitrate(found, metrics)
    assert dropped <= found
    if found - {FaultCode.SHAKING}:
        assert found - dropped


def test_three_rivals_that_explain_each_other_away_leave_one() -> None:
    """A view of another scene read at once as a veil (grey), a cover and a turn: each pair's rule drops one
    of its two, and judged against the original set they dropped all three."""
    from qarauyl.diagnosis.registry import arbitrate

    three = {FaultCode.OCCLUDED, FaultCode.LOW_CONTRAST, FaultCode.SCENE_CHANGED}
    grey_elsewhere = {
        "saturation": 0.1, "luma_mean": 120.0, "occluded_in_place": 0.9, "scene_in_place": 0.03,
        "occluded_fraction": 0.54, "scene_ncc": 0.16,
    }  # fmt: skip
    assert three - arbitrate(three, grey_elsewhere) == {FaultCode.SCENE_CHANGED}


@settings(max_examples=60, deadline=None)
@given(width=st.integers(16, 4000), height=st.integers(16, 600), seed=st.integers(0, 2**16))
def test_any_picture_shape_is_diagnosed_or_refused_in_words(width: int, height: int, seed: int) -> None:
    """A strip 1920x16 crashed OpenCV inside the brightness check instead of being refused."""
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(2)]
    try:
        diagnose(frames, reference=frames[0])
    except InputError as exc:
        assert "too wide for its height" in str(exc)
        assert width > 30 * height
