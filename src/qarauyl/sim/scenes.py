"""Scenes the simulated cameras look at: procedural streets (day, infrared night), low-texture surfaces,
and any user video file.

Frames are numpy uint8 arrays, shape (height, width, 3), RGB. Procedural scenes are deterministic for a
seed: the same arguments always yield the same frames, so encoded variants can be cached by their key.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from qarauyl.errors import InputError, Problem

SCENES: tuple[str, ...] = ("street_day", "street_night", "asphalt", "white_wall")

# A handful of precomputed sensor-noise fields, cycled, keeps noise cheap at 1080p (no RNG per frame).
_NOISE_FIELDS = 6

_CAR_COLOURS = (
    (200, 30, 30),
    (30, 60, 170),
    (230, 230, 230),
    (20, 20, 20),
    (160, 160, 170),
    (220, 180, 40),
    (40, 120, 60),
    (120, 20, 90),
)
_CLOTHES = ((40, 40, 140), (150, 30, 30), (30, 30, 30), (200, 200, 200), (60, 120, 60), (180, 140, 60))


@dataclass(frozen=True)
class _Mover:
    """A vehicle or a person moving along a horizontal lane, wrapping around the picture."""

    kind: str  # "car" | "person"
    y: float  # baseline (feet, wheels) as a fraction of the height
    x0: float  # start position as a fraction of the width
    speed: float  # fractions of the width per second (negative: leftwards)
    size: float  # scale relative to the picture height
    colour: tuple[int, int, int]


def _check_geometry(width: int, height: int, fps: float, seconds: float) -> None:
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ValueError(f"width and height must be even and at least 16, got {width}x{height}")
    if not 0 < fps <= 120:
        raise ValueError(f"fps must be in (0, 120], got {fps}")
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")


def _frame_count(fps: float, seconds: float) -> int:
    return max(1, round(fps * seconds))


def _noise_fields(rng: np.random.Generator, height: int, width: int, sigma: float) -> list[np.ndarray]:
    """Signed noise as int16 fields; added with saturation per frame."""
    return [
        np.clip(rng.normal(0.0, sigma, size=(height, width, 1)), -127, 127).astype(np.int16)
        for _ in range(_NOISE_FIELDS)
    ]


def _add_noise(frame: np.ndarray, noise: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return out


def _street_background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Sky, a row of textured buildings with windows, a sidewalk, and a road with lane markings."""
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.42)
    # sky: vertical gradient
    ramp = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None]
    sky_top, sky_bottom = np.array([110, 160, 220], np.float32), np.array([200, 220, 240], np.float32)
    img[:horizon] = (sky_top * (1 - ramp[..., None]) + sky_bottom * ramp[..., None]).astype(np.uint8)
    # buildings
    x = 0
    while x < width:
        w = int(width * rng.uniform(0.08, 0.2))
        top = int(horizon * rng.uniform(0.05, 0.6))
        base = np.array(rng.integers(70, 200, size=3), np.int32)
        colour = tuple(int(c) for c in base)
        cv2.rectangle(img, (x, top), (x + w, horizon), colour, thickness=-1)
        # brick-like texture
        tex = rng.integers(-18, 18, size=(horizon - top, min(w, width - x) + 1, 1)).astype(np.int16)
        block = img[top:horizon, x : x + w + 1].astype(np.int16)
        img[top:horizon, x : x + w + 1] = np.clip(block + tex[:, : block.shape[1]], 0, 255).astype(np.uint8)
        # windows
        win_w, win_h = max(2, w // 8), max(2, height // 40)
        for wy in range(top + win_h, horizon - 2 * win_h, 2 * win_h):
            for wx in range(x + win_w, x + w - win_w, 2 * win_w):
                lit = rng.random() < 0.3
                wc = (230, 220, 150) if lit else (40, 50, 70)
                cv2.rectangle(img, (wx, wy), (wx + win_w - 1, wy + win_h - 1), wc, thickness=-1)
        x += w + int(width * rng.uniform(0.0, 0.02))
    # sidewalk
    walk_bottom = int(height * 0.55)
    img[horizon:walk_bottom] = (150, 145, 140)
    for sx in range(0, width, max(8, width // 24)):
        cv2.line(img, (sx, horizon), (sx - width // 40, walk_bottom), (120, 115, 110), 1)
    # road: asphalt grain and markings
    road = img[walk_bottom:]
    road[:] = (75, 75, 80)
    grain = rng.integers(-14, 14, size=(road.shape[0], width, 1)).astype(np.int16)
    img[walk_bottom:] = np.clip(road.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    cv2.line(img, (0, walk_bottom), (width, walk_bottom), (200, 200, 200), max(1, height // 180))
    mid = int(height * 0.78)
    dash = max(8, width // 16)
    for dx in range(0, width, 2 * dash):
        cv2.line(img, (dx, mid), (dx + dash, mid), (235, 235, 235), max(1, height // 120))
    return img


def _movers(rng: np.random.Generator) -> list[_Mover]:
    movers: list[_Mover] = []
    for lane_y, direction in ((0.70, 1.0), (0.90, -1.0)):
        for _ in range(int(rng.integers(2, 4))):
            movers.append(
                _Mover(
                    "car",
                    lane_y,
                    float(rng.random()),
                    direction * float(rng.uniform(0.08, 0.25)),
                    float(rng.uniform(0.12, 0.17)),
                    _CAR_COLOURS[int(rng.integers(len(_CAR_COLOURS)))],
                )
            )
    for _ in range(int(rng.integers(3, 6))):
        movers.append(
            _Mover(
                "person",
                float(rng.uniform(0.49, 0.55)),
                float(rng.random()),
                float(rng.choice([-1.0, 1.0]) * rng.uniform(0.02, 0.05)),
                float(rng.uniform(0.13, 0.17)),
                _CLOTHES[int(rng.integers(len(_CLOTHES)))],
            )
        )
    return movers


def _draw_mover(img: np.ndarray, m: _Mover, t: float) -> None:
    height, width = img.shape[:2]
    h = m.size * height
    span = 1.0 + 0.4  # wrap outside the picture so objects enter and leave
    x = ((m.x0 + m.speed * t) % span - 0.2) * width
    y = m.y * height
    if m.kind == "car":
        length = 2.3 * h
        x1, y1, x2, y2 = int(x), int(y - h * 0.75), int(x + length), int(y)
        cv2.rectangle(img, (x1, y1), (x2, y2), m.colour, thickness=-1)
        cabin = (int(x + length * 0.22), int(y - h * 1.15), int(x + length * 0.75), y1)
        cv2.rectangle(img, cabin[:2], cabin[2:], m.colour, thickness=-1)
        cv2.rectangle(img, (cabin[0] + 3, cabin[1] + 3), (cabin[2] - 3, y1), (60, 80, 100), thickness=-1)
        r = max(2, int(h * 0.22))
        for wx in (x + length * 0.2, x + length * 0.8):
            cv2.circle(img, (int(wx), int(y)), r, (15, 15, 15), thickness=-1)
            cv2.circle(img, (int(wx), int(y)), max(1, r // 2), (120, 120, 120), thickness=-1)
    else:
        body_w = max(2, int(h * 0.28))
        step = np.sin(t * 8.0 + m.x0 * 10.0)  # legs swing
        head = max(2, int(h * 0.1))
        cx = int(x)
        top = int(y - h)
        cv2.circle(img, (cx, top + head), head, (190, 150, 120), thickness=-1)
        cv2.rectangle(
            img,
            (cx - body_w // 2, top + 2 * head),
            (cx + body_w // 2, int(y - h * 0.45)),
            m.colour,
            thickness=-1,
        )
        hip = int(y - h * 0.45)
        leg = max(1, body_w // 3)
        cv2.line(img, (cx, hip), (int(cx + step * body_w * 0.6), int(y)), (40, 40, 60), leg)
        cv2.line(img, (cx, hip), (int(cx - step * body_w * 0.6), int(y)), (40, 40, 60), leg)


def _street(
    width: int, height: int, fps: float, seconds: float, seed: int, night: bool
) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    background = _street_background(rng, width, height)
    movers = _movers(rng)
    noise = _noise_fields(rng, height, width, 14.0 if night else 2.5)
    if night:
        # Infrared: greyscale, the IR illuminator lights the foreground more than the distance.
        grey: np.ndarray = cv2.cvtColor(background, cv2.COLOR_RGB2GRAY).astype(np.float32)
        falloff = np.linspace(0.35, 0.85, height, dtype=np.float32)[:, None]
        background = np.repeat((grey * falloff).clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
    for i in range(_frame_count(fps, seconds)):
        t = i / fps
        frame = background.copy()
        for m in movers:
            _draw_mover(frame, m, t)
        if night:
            g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            frame = np.repeat(g[..., None], 3, axis=2)
        yield _add_noise(frame, noise[i % _NOISE_FIELDS])


def _asphalt(width: int, height: int, fps: float, seconds: float, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    grain: np.ndarray = rng.normal(0.0, 6.0, size=(height, width)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 1.2)
    base = (np.full((height, width), 88.0, np.float32) + grain).clip(0, 255).astype(np.uint8)
    background = np.repeat(base[..., None], 3, axis=2)
    noise = _noise_fields(rng, height, width, 1.5)
    for i in range(_frame_count(fps, seconds)):
        yield _add_noise(background, noise[i % _NOISE_FIELDS])


def _white_wall(width: int, height: int, fps: float, seconds: float, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    # A gentle light fall-off across the wall; almost no texture.
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    ys = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    shade = 232.0 - 14.0 * (xs**2 + ys**2) / 2.0
    plaster = cv2.GaussianBlur(rng.normal(0.0, 2.0, size=(height, width)).astype(np.float32), (0, 0), 2.0)
    grey = (shade + plaster).clip(0, 255)
    background = np.stack([grey, grey * 0.99, grey * 0.96], axis=2).astype(np.uint8)
    noise = _noise_fields(rng, height, width, 1.5)
    for i in range(_frame_count(fps, seconds)):
        yield _add_noise(background, noise[i % _NOISE_FIELDS])


def generate_scene(
    name: str, *, width: int, height: int, fps: float, seconds: float, seed: int = 0
) -> Iterator[np.ndarray]:
    """Yields round(fps * seconds) RGB frames (height, width, 3) of the named scene; deterministic per seed.

    Raises ValueError naming the scene if it is unknown, or the bad geometry."""
    if name not in SCENES:
        raise ValueError(f"unknown scene {name!r}; known scenes: {', '.join(SCENES)}")
    _check_geometry(width, height, fps, seconds)
    if name == "street_day":
        return _street(width, height, fps, seconds, seed, night=False)
    if name == "street_night":
        return _street(width, height, fps, seconds, seed, night=True)
    if name == "asphalt":
        return _asphalt(width, height, fps, seconds, seed)
    return _white_wall(width, height, fps, seconds, seed)


def video_file_scene(
    path: Path, *, width: int, height: int, fps: float, seconds: float
) -> Iterator[np.ndarray]:
    """Yields round(fps * seconds) RGB frames of a user video, resized to width x height and resampled to
    fps (each output frame shows the latest source frame at its time); a video shorter than `seconds` loops.

    Frames are decoded as they are needed (a long 4K video costs one frame of memory, not the video). The
    file is opened and its first frame decoded before this returns, so an unreadable video raises
    InputError (naming the file) here and not later inside a server."""
    import av

    _check_geometry(width, height, fps, seconds)
    path = Path(path)

    def unreadable(reason: str) -> InputError:
        return InputError(f"Cannot use {path} as a scene: {reason}", [Problem(str(path), "scene", reason)])

    def decoded() -> Generator[tuple[float, Any], None, None]:
        """(seconds since the first frame, av.VideoFrame) for one pass over the file."""
        try:
            with av.open(str(path), timeout=10.0) as container:
                if not container.streams.video:
                    raise unreadable("the file has no video stream")
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                base = float(stream.time_base) if stream.time_base else 1.0 / 25.0
                first: float | None = None
                for n, frame in enumerate(container.decode(stream)):
                    t = float(frame.pts * base) if frame.pts is not None else n / 25.0
                    first = t if first is None else first
                    yield t - first, frame
        except InputError:
            raise
        except Exception as exc:  # PyAV raises its own hierarchy for bad files
            raise unreadable(f"{exc.__class__.__name__}: {exc}") from None

    if not path.is_file():
        raise unreadable("no such file")
    probe = decoded()
    try:
        next(probe)
    except StopIteration:
        raise unreadable("no frame could be decoded") from None
    finally:
        probe.close()

    def to_rgb(frame: Any) -> np.ndarray:
        rgb: np.ndarray = frame.to_ndarray(format="rgb24")
        if rgb.shape[:2] != (height, width):
            rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
        return rgb

    def resampled() -> Iterator[np.ndarray]:
        count = _frame_count(fps, seconds)
        i, offset = 0, 0.0
        while i < count:
            held: Any = None
            held_rgb: np.ndarray | None = None
            last_t, step = 0.0, 1.0 / fps
            for t, frame in decoded():
                t += offset
                while i < count and held is not None and i / fps < t:
                    if held_rgb is None:
                        held_rgb = to_rgb(held)
                    yield held_rgb
                    i += 1
                if i >= count:
                    return
                if held is not None and t > last_t:
                    step = t - last_t
                held, held_rgb, last_t = frame, None, t
            if held is None:
                raise unreadable("no frame could be decoded on a second pass")
            end = last_t + step  # the last source frame lasts one source frame interval
            while i < count and i / fps < end:
                if held_rgb is None:
                    held_rgb = to_rgb(held)
                yield held_rgb
                i += 1
            offset = end  # loop: the video starts again

    return resampled()
