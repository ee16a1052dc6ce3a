"""The camera view model: pixel-density ranges, focal length, wedges across north."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarauyl.errors import InputError
from qarauyl.planning.camera import (
    DEFAULT_TIERS,
    CameraModel,
    angle_off,
    bearing_deg,
    ground_range_m,
    hfov_from_focal,
    in_wedge,
    range_table,
    slant_range_m,
    wedge_outline,
)


def test_range_follows_the_pixel_density_formula() -> None:
    # 1920 px over a 90° view: 2·tan(45°) = 2, so 25 px/m is reached at 1920 / 50 = 38.4 m.
    assert slant_range_m(1920, 90.0, 25.0) == pytest.approx(38.4)
    assert slant_range_m(1920, 90.0, 250.0) == pytest.approx(3.84)
    # Identify needs ten times the density of detect: a tenth of the range.
    assert slant_range_m(3840, 30.0, 250.0) == pytest.approx(slant_range_m(3840, 30.0, 25.0) / 10)


def test_ground_range_accounts_for_mount_height_and_cap() -> None:
    slant = slant_range_m(1920, 90.0, 62.5)  # 15.36 m
    ground = ground_range_m(1920, 90.0, 62.5, mount_height_m=6.0)
    assert ground == pytest.approx(math.sqrt(slant**2 - 4.5**2))
    # Too close to reach the density at all from a tall mast: no ground range.
    assert ground_range_m(1920, 90.0, 250.0, mount_height_m=10.0) == 0.0
    assert ground_range_m(3840, 10.0, 25.0, max_range_m=150.0) == 150.0


def test_range_table_in_tier_order_and_decreasing() -> None:
    table = range_table(CameraModel("m", 60.0, 2560), DEFAULT_TIERS)
    assert [t.name for t in DEFAULT_TIERS] == ["detect", "observe", "recognise", "identify"]
    assert np.all(np.diff(table) < 0)


def test_hfov_from_focal_length() -> None:
    # A 4 mm lens on a 1/2.8" sensor (5.37 mm wide) sees about 67°.
    assert hfov_from_focal(4.0, 5.37) == pytest.approx(67.75, abs=0.05)
    with pytest.raises(InputError):
        hfov_from_focal(0.0, 5.37)
    with pytest.raises(InputError):
        slant_range_m(1920, 180.0, 25.0)


def test_wedge_across_north_examples() -> None:
    b = np.array([350.0, 359.9, 0.0, 5.0, 14.9, 15.1, 344.9, 180.0])
    # Heading 0°, 30° wide: 345°..15°.
    assert in_wedge(b, 0.0, 30.0).tolist() == [True, True, True, True, True, False, False, False]
    # Heading 350°, 40° wide: 330°..10°.
    assert in_wedge(np.array([331.0, 0.0, 9.0, 11.0, 329.0]), 350.0, 40.0).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_bearings_are_compass_bearings() -> None:
    got = bearing_deg(np.array([0.0, 1.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0, 0.0]))
    assert got.tolist() == [0.0, 90.0, 180.0, 270.0]


@given(
    heading=st.floats(0, 360, allow_nan=False, exclude_max=True),
    hfov=st.floats(1, 179, allow_nan=False),
    bearing=st.floats(0, 360, allow_nan=False, exclude_max=True),
)
def test_wedge_membership_matches_rotated_frame(heading: float, hfov: float, bearing: float) -> None:
    """A bearing is in the wedge iff, measured from the heading in (-180, 180], it is within hfov/2;
    checked through unit vectors so north (0/360) has no special case."""
    h, b = math.radians(heading), math.radians(bearing)
    cross = math.sin(b - h)
    dot = math.cos(b - h)
    off = abs(math.degrees(math.atan2(cross, dot)))
    expected = off <= hfov / 2
    if abs(off - hfov / 2) > 1e-6:  # away from the boundary, where rounding may go either way
        assert bool(in_wedge(np.array([bearing]), heading, hfov)[0]) == expected
    assert 0.0 <= float(angle_off(np.array([bearing]), heading)[0]) <= 180.0


@given(heading=st.floats(0, 360, allow_nan=False, exclude_max=True), hfov=st.floats(5, 170))
def test_wedge_outline_points_lie_in_the_wedge(heading: float, hfov: float) -> None:
    ring = wedge_outline(0.0, 0.0, heading, hfov, 100.0)
    arc = np.array(ring[1:-1])
    b = bearing_deg(arc[:, 0], arc[:, 1])
    assert np.all(angle_off(b, heading) <= hfov / 2 + 1e-6)
    assert np.allclose(np.hypot(arc[:, 0], arc[:, 1]), 100.0)
