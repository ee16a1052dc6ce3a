"""The downscaled copies the checks share: the thumbnail recipe is exactly "every stride-th pixel, then
area-averaged", whatever the frame's size (the fast path must not change what the checks see)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis._view import THUMB_SIZE, thumbnail


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
