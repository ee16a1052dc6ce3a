"""Pure helpers for decoded pictures: size caps, the JPEG snapshot, and reading a JPEG's size unseen."""

from __future__ import annotations

import cv2
import numpy as np

# Frames handed to diagnosis are capped to 1080p: every check works at that size, and a 4K or 8K
# camera would otherwise cost 4-16x the memory and CPU for no better verdict.
MAX_FRAME_WIDTH = 1920
MAX_FRAME_HEIGHT = 1080
# Snapshots are evidence for a person looking at a list of cameras, not forensic footage.
SNAPSHOT_MAX_WIDTH = 640
SNAPSHOT_QUALITY = 80


def fit_within(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest size within max_width x max_height with the aspect ratio of width x height.

    Returns the input unchanged when it already fits; otherwise even dimensions (what YUV 4:2:0
    scalers like), never below 2x2.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    if width <= max_width and height <= max_height:
        return width, height
    scale = min(max_width / width, max_height / height)
    new_width = max(2, int(width * scale) // 2 * 2)
    new_height = max(2, int(height * scale) // 2 * 2)
    return new_width, new_height


def snapshot_size(width: int, height: int, max_width: int = SNAPSHOT_MAX_WIDTH) -> tuple[int, int]:
    """The snapshot's size for a picture of width x height: at most `max_width` wide, same aspect."""
    return fit_within(width, height, max_width, max_width * 4)


def encode_jpeg(bgr: np.ndarray, quality: int = SNAPSHOT_QUALITY) -> bytes:
    """A JPEG of a BGR uint8 (H, W, 3) picture, as it is (no scaling)."""
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the JPEG encoder refused the frame")
    return encoded.tobytes()


def encode_snapshot(
    rgb: np.ndarray, *, max_width: int = SNAPSHOT_MAX_WIDTH, quality: int = SNAPSHOT_QUALITY
) -> bytes:
    """A JPEG of an RGB uint8 (H, W, 3) frame, downscaled to at most `max_width` pixels wide."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) frame, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    new_width, new_height = snapshot_size(width, height, max_width)
    if (new_width, new_height) != (width, height):
        # Scaled first, so that the channel swap below touches a ninth of a 1080p frame's pixels.
        rgb = cv2.resize(rgb, (new_width, new_height), interpolation=cv2.INTER_AREA)
    return encode_jpeg(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), quality)


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None if `data` is not a readable JPEG.

    Read before decoding so that a tiny file announcing a 60000x60000 picture (a decompression
    bomb) is refused instead of allocating gigabytes.
    """
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if pos + 9 > len(data):
                return None
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            return (width, height) if width and height else None
        if marker == 0xDA:  # start of scan before any frame header
            return None
        pos += 2 + length
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, which the format puts first, or None if `data` is not a
    PNG. A 1 MB PNG of one colour can announce 30000x30000, 2.7 GB once decoded."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return (width, height) if width and height else None


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a JPEG or a PNG read from its header, before anything is decoded; None for
    anything else."""
    return jpeg_dimensions(data) or png_dimensions(data)
