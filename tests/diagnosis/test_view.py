"""The downscaled copies the checks share: the thumbnail recipe is exactly "every stride-th pixel, then
area-averaged", whatever the frame's size (the fast path must not change what the checks see)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis._view import THUMB_SIZE, KeyView, area_resize, thumbnail


@settings(max_examples=40, deadline=None)
@given(width=st.integers(16, 2600), height=st.integers(16, 1500), seed=st.integers(0, 2**16))
def test_thumbnail_is_the_strided_sample_area_averaged(width: int, height: int, seed: int) -> None:
    frame = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    stride = max(1, width // (2 * THUMB_SIZE[0]))
    expected = cv2.resize(
        np.ascontiguousarray(frame[::stride, ::stride]), THUMB_SIZE, interpolation=cv2.INTER_AREA
    )
    assert np.array_equal(thumbnail(frame), expected)


@pytest.mark.parametrize(
    "size", [(640, 360), (704, 576), (1280, 720), (1920, 1080), (2560, 1440), (2688, 1520)]
)
def test_thumbnail_of_common_camera_sizes_is_the_strided_sample_area_averaged(size: tuple[int, int]) -> None:
    width, height = size
    frame = np.random.default_rng(width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    stride = max(1, width // (2 * THUMB_SIZE[0]))
    assert width % stride == 0 and height % stride == 0  # the fast path is the one taken
    expected = cv2.resize(
        np.ascontiguousarray(frame[::stride, ::stride]), THUMB_SIZE, interpolation=cv2.INTER_AREA
    )
    assert np.array_equal(thumbnail(frame), expected)


@settings(max_examples=40, deadline=None)
@given(quarters_wide=st.integers(1, 400), quarters_high=st.integers(1, 300), seed=st.integers(0, 2**16))
def test_three_quarters_is_opencvs_area_resize(quarters_wide: int, quarters_high: int, seed: int) -> None:
    """The 640 -> 480 fast path must give the numbers OpenCV's area resize gives (the checks' thresholds
    were tuned on those)."""
    width, height = 4 * quarters_wide, 4 * quarters_high
    image = np.random.default_rng(seed).integers(0, 256, (height, width)).astype(np.float32)
    expected = cv2.resize(image, (width * 3 // 4, height * 3 // 4), interpolation=cv2.INTER_AREA)
    assert np.array_equal(area_resize(image, (width * 3 // 4, height * 3 // 4)), expected)


@settings(max_examples=60, deadline=None)
@given(
    size_in=st.tuples(st.integers(1, 700), st.integers(1, 500)),
    size_out=st.tuples(st.integers(1, 700), st.integers(1, 500)),
    seed=st.integers(0, 2**16),
)
def test_area_resize_is_opencvs_area_resize(
    size_in: tuple[int, int], size_out: tuple[int, int], seed: int
) -> None:
    """The sparse products give OpenCV's INTER_AREA numbers (the stripe thresholds were tuned on those), for
    any ratio, including growing along one axis."""
    (width, height), size = size_in, size_out
    image = np.random.default_rng(seed).integers(0, 256, (height, width)).astype(np.float32)
    expected = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    resized = area_resize(image, size)
    assert resized.shape == expected.shape and resized.dtype == np.float32
    np.testing.assert_allclose(resized, expected, rtol=0, atol=1e-3)


def test_the_stripe_spectrums_input_is_opencvs_area_resize_exactly() -> None:
    image = np.random.default_rng(3).integers(0, 256, (270, 480)).astype(np.float32)
    expected = cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA)
    assert np.array_equal(area_resize(image, (256, 256)), expected)


def test_a_640_wide_frames_luma_is_the_area_averaged_detail() -> None:
    frame = np.random.default_rng(7).integers(0, 256, (360, 640, 3), dtype=np.uint8)
    key = KeyView.of(frame)
    detail = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    expected = np.rint(cv2.resize(detail, (480, 270), interpolation=cv2.INTER_AREA)).astype(np.uint8)
    assert key.grey.shape == (270, 480)
    assert np.abs(key.grey.astype(int) - expected.astype(int)).max() <= 1  # a rounding tie at most


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080), (400, 300)])
def test_the_rgb_copy_is_made_on_demand_at_analysis_size(size: tuple[int, int]) -> None:
    width, height = size
    frame = np.random.default_rng(width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    key = KeyView.of(frame)
    assert "rgb" not in key.memo
    rgb = key.rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (*key.grey.shape, 3)
    assert key.rgb is rgb  # made once
    # It is the same picture: its luma matches the analysis luma within resampling error.
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(float)
    assert np.abs(luma.mean() - key.grey_f.mean()) < 1.0
