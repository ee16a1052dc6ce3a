"""The downscaled copies every check works on, computed once per diagnosis (this is what keeps it fast)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import scipy.sparse

from qarauyl.errors import InputError

Array = npt.NDArray[Any]

ANALYSIS_WIDTH = 480  # colour, brightness, spectrum: fine detail does not matter, < 1 ms per check
DETAIL_WIDTH = 960  # focus needs fine detail: at most a 2x reduction of the native picture
MIN_SIDE = 16  # pixels a picture needs on each side to be diagnosed (and at the analysis size, in rows)
THUMB_SIZE = (160, 90)  # coarse structure for motion, occlusion and scene change; vibration-tolerant
SAMPLE_STRIDE = 4  # full-resolution pixels, one in 4x4, un-averaged so that sensor noise survives


def _resize(image: Array, width: int, interpolation: int = cv2.INTER_AREA) -> Array:
    h, w = image.shape[:2]
    if w <= width:
        return image
    height = max(1, round(h * width / w))
    return cv2.resize(image, (width, height), interpolation=interpolation)


@lru_cache(maxsize=32)
def _area_weights(size_in: int, size_out: int) -> scipy.sparse.csr_array:
    """(size_out x size_in) weights of area averaging along one axis (size_out <= size_in): output pixel o is
    the mean of the input over [o * r, (o + 1) * r), r = size_in / size_out, partly covered pixels in part."""
    ratio = size_in / size_out
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for out in range(size_out):
        start, end = out * ratio, (out + 1) * ratio
        for pixel in range(int(start), min(size_in, int(np.ceil(end)))):
            covered = min(end, pixel + 1) - max(start, pixel)
            if covered > 1e-9:
                rows.append(out)
                cols.append(pixel)
                weights.append(covered / ratio)
    matrix = scipy.sparse.csr_array(
        (np.array(weights, np.float32), (rows, cols)), shape=(size_out, size_in), dtype=np.float32
    )
    return matrix


def area_resize(image: Array, size: tuple[int, int]) -> Array:
    """A float32 2-D image area-averaged to `size` (width, height): OpenCV's INTER_AREA, as two products
    with sparse weight matrices. Where the ratio is a fraction both ways (480x270 -> 256x256 for the stripe
    spectrum) that is 0.08 ms against OpenCV's 0.30, and 640x360 -> 480x270 (the usual sub-stream's luma)
    0.14 against 0.34; the same numbers to float32 rounding, bit for bit on those sizes. Growing along an
    axis is left to OpenCV (its INTER_AREA is bilinear there)."""
    width, height = size
    h, w = image.shape
    if width > w or height > h:
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    # Columns first, as OpenCV sums (so the numbers are its own), on transposed copies: OpenCV transposes
    # in 0.02 ms, where SciPy would copy a transposed view element by element.
    across = _area_weights(w, width) @ cv2.transpose(image)  # (width, h)
    resized: Array = _area_weights(h, height) @ cv2.transpose(across)
    return resized


def thumbnail(frame: Array) -> Array:
    """THUMB_SIZE RGB uint8: a strided copy about twice the thumbnail's width, then area-averaged. The same
    recipe at every resolution, so a 640-wide and a 1920-wide camera get equally clean thumbnails."""
    stride = max(1, frame.shape[1] // (2 * THUMB_SIZE[0]))
    height, width = frame.shape[:2]
    if height % stride == 0 and width % stride == 0:
        # Nearest-neighbour resizing by a whole factor picks exactly frame[::stride, ::stride], 4x faster
        # than numpy copying the strided view (every common camera size divides evenly).
        size = (width // stride, height // stride)
        sample = cv2.resize(frame, size, interpolation=cv2.INTER_NEAREST)
    else:
        sample = np.ascontiguousarray(frame[::stride, ::stride])
    return cv2.resize(sample, THUMB_SIZE, interpolation=cv2.INTER_AREA)


def detail_of(frame: Array) -> tuple[Array, Array]:
    """(RGB at most DETAIL_WIDTH wide, its uint8 luma): the picture focus is judged on."""
    detail_rgb = _resize(frame, DETAIL_WIDTH)
    return detail_rgb, cv2.cvtColor(detail_rgb, cv2.COLOR_RGB2GRAY)


@dataclass(frozen=True)
class KeyView:
    """One frame at analysis size: luma (uint8 and float), RGB on demand, and its coarse thumbnail."""

    grey: Array
    grey_f: Array
    thumb: Array
    thumb_rgb: Array
    native_shape: tuple[int, int]
    # The picture at detail size, (RGB, float luma), or what makes it when first asked: a reference restored
    # from its kept parts (`restore_reference`) decodes its JPEG only for the rare check that reads it.
    source: tuple[Array, Array] | Callable[[], tuple[Array, Array]] = field(compare=False, repr=False)
    # Derived values the checks compute once per picture (a reference is compared against many bursts).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def _detail(self) -> tuple[Array, Array]:
        source = self.source
        detail: tuple[Array, Array] = source if isinstance(source, tuple) else self.cached("detail", source)
        return detail

    @property
    def detail_rgb(self) -> Array:
        """RGB at most DETAIL_WIDTH wide (the frame itself when it is no wider)."""
        return self._detail()[0]

    @property
    def detail(self) -> Array:
        """Float luma at most DETAIL_WIDTH wide."""
        return self._detail()[1]

    @property
    def rgb(self) -> Array:
        """RGB uint8 at analysis size. Only a rare path needs it (telling a generated screen from a flat
        scene), so it is made when asked: 0.4 ms of every 360p diagnosis otherwise."""
        rgb: Array = self.cached("rgb", self._analysis_rgb)
        return rgb

    def _analysis_rgb(self) -> Array:
        # Colour statistics only: where the ratio is a fraction (640 -> 480) OpenCV's area path is slow,
        # and bilinear does for counting colours.
        detail_rgb = self.detail_rgb
        whole = detail_rgb.shape[1] % ANALYSIS_WIDTH == 0
        return _resize(detail_rgb, ANALYSIS_WIDTH, cv2.INTER_AREA if whole else cv2.INTER_LINEAR)

    @staticmethod
    def of(frame: Array) -> KeyView:
        detail_rgb, detail_u8 = detail_of(frame)
        detail = detail_u8.astype(np.float32)
        # Luma is area-averaged from one channel instead of three (the spectrum and edge checks need clean
        # pixels).
        if detail.shape[1] % ANALYSIS_WIDTH == 0:
            grey = _resize(detail_u8, ANALYSIS_WIDTH)
        elif detail.shape[1] * 3 == ANALYSIS_WIDTH * 4 and detail.shape[0] % 4 == 0:
            # 640 -> 480, the usual sub-stream: OpenCV's numbers exactly, at a third of its cost.
            size = (ANALYSIS_WIDTH, detail.shape[0] * 3 // 4)
            grey = np.rint(area_resize(detail, size)).astype(np.uint8)
        else:
            # OpenCV's area resizing by a fraction is twice as fast on float as on uint8.
            grey = np.rint(_resize(detail, ANALYSIS_WIDTH)).astype(np.uint8)
        native = (frame.shape[0], frame.shape[1])
        return KeyView.of_parts(grey, thumbnail(frame), native, (detail_rgb, detail))

    @staticmethod
    def of_parts(
        grey: Array,
        thumb_rgb_u8: Array,
        native_shape: tuple[int, int],
        source: tuple[Array, Array] | Callable[[], tuple[Array, Array]],
    ) -> KeyView:
        """The view from its uint8 luma at analysis size and its RGB thumbnail (what `KeyView.of` makes of a
        frame, and what a restored reference keeps)."""
        thumb = cv2.cvtColor(thumb_rgb_u8, cv2.COLOR_RGB2GRAY).astype(np.float32)
        thumb_rgb = thumb_rgb_u8.astype(np.float32)
        return KeyView(grey, grey.astype(np.float32), thumb, thumb_rgb, native_shape, source)


@dataclass(frozen=True)
class FrameView:
    """A burst of frames prepared for the checks. The key frame is the last one (the newest picture)."""

    key: KeyView
    native: Array  # the key frame itself, for the few checks that need native pixels (noise, blockiness)
    previous: Array | None  # the frame before it (native, not copied), None for a single frame
    samples: tuple[Array, ...]  # per frame: green channel, one pixel in SAMPLE_STRIDE^2, int16
    thumbs: tuple[Array, ...]  # per frame: THUMB_SIZE luma, float32
    thumbs_rgb: tuple[Array, ...]  # first and last frame: THUMB_SIZE RGB, float32

    @property
    def count(self) -> int:
        return len(self.samples)


def check_frames(frames: Sequence[Array]) -> None:
    """Raise InputError unless `frames` is a non-empty run of same-sized RGB uint8 images."""
    if len(frames) == 0:
        raise InputError("diagnosis needs at least one frame")
    shape = frames[0].shape
    for i, frame in enumerate(frames):
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise InputError(
                f"frame {i} is not an RGB uint8 image (shape {frame.shape}, dtype {frame.dtype})"
            )
        if frame.shape != shape:
            raise InputError(
                f"frame {i} is {frame.shape[1]}x{frame.shape[0]}, frame 0 is {shape[1]}x{shape[0]}"
            )
        if shape[0] < MIN_SIDE or shape[1] < MIN_SIDE:
            raise InputError(f"frame {i} is too small to diagnose ({shape[1]}x{shape[0]})")
        if shape[0] * ANALYSIS_WIDTH < MIN_SIDE * shape[1]:
            # The colour and brightness checks work at ANALYSIS_WIDTH: a strip wider than 30:1 (no camera's
            # picture; a panorama is 4:1) would leave them fewer than MIN_SIDE rows.
            raise InputError(
                f"frame {i} is {shape[1]}x{shape[0]}, too wide for its height to diagnose (at most 30:1)"
            )


def view_of(frames: Sequence[Array]) -> FrameView:
    check_frames(frames)
    key_frame = frames[-1]
    key = KeyView.of(key_frame)
    samples: list[Array] = []
    thumbs: list[Array] = []
    thumbs_rgb: list[Array] = []
    if len(frames) == 1:
        # Nothing to compare within the burst: the key view's own thumbnails will do.
        sample = key_frame[::SAMPLE_STRIDE, ::SAMPLE_STRIDE, 1].astype(np.int16)
        return FrameView(key, key_frame, None, (sample,), (key.thumb,), (key.thumb_rgb, key.thumb_rgb))
    for i, frame in enumerate(frames):
        # Every thumbnail (the reference's too) is made the same way, so shifts and noise compare.
        samples.append(frame[::SAMPLE_STRIDE, ::SAMPLE_STRIDE, 1].astype(np.int16))
        small_rgb = key.thumb_rgb.astype(np.uint8) if i == len(frames) - 1 else thumbnail(frame)
        thumbs.append(cv2.cvtColor(small_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32))
        if i == 0 or i == len(frames) - 1:
            thumbs_rgb.append(small_rgb.astype(np.float32))
    if len(thumbs_rgb) == 1:
        thumbs_rgb.append(thumbs_rgb[0])
    return FrameView(key, key_frame, frames[-2], tuple(samples), tuple(thumbs), tuple(thumbs_rgb))


def percentiles(grey_u8: Array, qs: Sequence[float]) -> list[float]:
    """Percentiles of a uint8 image from its histogram (np.percentile is 50x slower on a frame)."""
    hist = cv2.calcHist([grey_u8], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist) / max(1.0, float(hist.sum()))
    return [float(np.searchsorted(cdf, q / 100.0)) for q in qs]


def block_std(grey_f: Array, block: int) -> Array:
    """Standard deviation of each block x block tile (tiles that do not fit are dropped)."""
    h, w = grey_f.shape
    hb, wb = h // block, w // block
    tiles = grey_f[: hb * block, : wb * block]
    # Area resizing averages each tile exactly; E[x^2] - E[x]^2 is the variance (10x faster than numpy's std).
    mean = cv2.resize(tiles, (wb, hb), interpolation=cv2.INTER_AREA)
    mean_sq = cv2.resize(tiles * tiles, (wb, hb), interpolation=cv2.INTER_AREA)
    return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))


def score(value: float, threshold: float, full: float) -> float:
    """Confidence 0.5 at the threshold rising linearly to 1.0 at `full` (either direction)."""
    if full == threshold:
        return 1.0
    frac = (value - threshold) / (full - threshold)
    return float(np.clip(0.5 + 0.5 * frac, 0.5, 1.0))


def phase_correlate(a: Array, b: Array, window: Array) -> tuple[tuple[float, float], float]:
    """cv2.phaseCorrelate on copies: OpenCV 5 applies the window to its inputs in place."""
    (dx, dy), response = cv2.phaseCorrelate(a.copy(), b.copy(), window)
    return (float(dx), float(dy)), float(response)
