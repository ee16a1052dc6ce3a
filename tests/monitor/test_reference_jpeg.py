"""The worker's reading of a camera's reference JPEG: RGB in the diagnosis' channel order."""

from __future__ import annotations

import cv2
import numpy as np

from qarauyl.monitor.job import decode_jpeg
from qarauyl.probe.frames import encode_snapshot


def test_a_reference_comes_back_as_rgb_in_its_own_colours() -> None:
    rgb = np.zeros((360, 640, 3), np.uint8)
    rgb[:, :320] = (200, 30, 30)  # red on the left
    rgb[:, 320:] = (30, 30, 200)  # blue on the right
    decoded = decode_jpeg(encode_snapshot(rgb))
    assert decoded is not None and decoded.shape == (360, 640, 3) and decoded.flags["C_CONTIGUOUS"]
    assert np.abs(decoded[180, 100].astype(int) - (200, 30, 30)).max() <= 6
    assert np.abs(decoded[180, 540].astype(int) - (30, 30, 200)).max() <= 6


def test_bytes_that_are_no_picture_are_none() -> None:
    assert decode_jpeg(b"not a jpeg") is None
    ok, png = cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))
    assert ok and decode_jpeg(png.tobytes()) is not None  # any picture OpenCV reads will do
