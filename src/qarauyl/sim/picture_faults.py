"""Renderers that turn a healthy camera picture into a faulty one, for the simulator and the benchmarks.

Every renderer is a pure numpy/OpenCV function of an RGB uint8 frame (H, W, 3) and the time in seconds,
made by `make_fault_renderer(fault, strength=..., seed=...)`. `strength` runs from a barely-there fault
(about 0.3) to a blatant one (1.0); the weakest strength is still a fault an operator would want to hear
about. Sizes scale with the frame so a fault looks the same at 640x360 and at 1920x1080. Renderers are
deterministic for a seed and a time: noise is drawn from a generator seeded by (seed, frame time), so a
frozen picture repeats its noise and a live one does not.

`corrupted` is not here: the simulator makes it by dropping packets of the encoded stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
Renderer = Callable[[Frame, float], Frame]

PICTURE_FAULTS: tuple[str, ...] = (
    "no_signal",
    "too_dark",
    "overexposed",
    "frozen",
    "blur",
    "occluded",
    "scene_changed",
    "low_contrast",
    "noise",
    "color_cast",
    "stripes",
    "shaking",
    "glare",
    "ir_cut",
)


def make_fault_renderer(fault: str, *, strength: float = 1.0, seed: int = 0) -> Renderer:
    """A `(frame, t_seconds) -> faulty frame` function for one picture fault.

    `strength` is clipped to 0.1..1.0. Raises ValueError naming the fault if it is not in PICTURE_FAULTS.
    The returned callable is stateful only for `frozen` (it keeps the first frame it is given).
    """
    factory = _FACTORIES.get(fault)
    if factory is None:
        raise ValueError(f"unknown picture fault {fault!r}; known: {', '.join(PICTURE_FAULTS)}")
    return factory(float(np.clip(strength, 0.1, 1.0)), seed)


# --- helpers ---------------------------------------------------------------------------------------------


def _rng(seed: int, t: float) -> np.random.Generator:
    # The frame time in milliseconds keys the noise: the same instant renders the same noise.
    return np.random.default_rng([seed & 0xFFFFFFFF, round(t * 1000) & 0xFFFFFFFF])


def _to_u8(image: npt.NDArray[Any]) -> Frame:
    out: Frame = np.clip(image, 0, 255).astype(np.uint8)
    return out


def _scale(frame: Frame) -> float:
    """Frame size relative to 1080p, so pixel sizes (blur radius, shake) follow the resolution."""
    return float(max(frame.shape[0], frame.shape[1]) / 1920.0)


def _luma(frame: Frame) -> npt.NDArray[Any]:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _soft_mask(mask: npt.NDArray[np.uint8], feather: int) -> npt.NDArray[Any]:
    """A 0..1 float mask with soft edges: things on the lens are far out of focus."""
    k = max(3, feather | 1)
    out: npt.NDArray[Any] = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (k, k), 0)
    return out


# --- the faults ------------------------------------------------------------------------------------------


def _no_signal(strength: float, seed: int) -> Renderer:
    variant = seed % 3  # black, a vendor's blue "NO VIDEO" screen, colour bars with a caption

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        if variant == 0:
            # A dead sensor or a cut cable: black with a trace of electrical noise.
            noise = _rng(seed, t).normal(0.0, 0.8, (h, w, 1))
            return _to_u8(np.repeat(2.0 + noise, 3, axis=2))
        if variant == 1:
            out = np.empty((h, w, 3), np.uint8)
            out[:] = (16, 40, 160)
        else:
            bars = [
                (192, 192, 192),
                (192, 192, 0),
                (0, 192, 192),
                (0, 192, 0),
                (192, 0, 192),
                (192, 0, 0),
                (0, 0, 192),
            ]
            out = np.empty((h, w, 3), np.uint8)
            for i, colour in enumerate(bars):
                out[:, i * w // len(bars) : (i + 1) * w // len(bars)] = colour
        scale = max(0.6, h / 360)
        text = "NO VIDEO" if variant == 1 else "NO SIGNAL"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        cv2.putText(
            out,
            text,
            ((w - tw) // 2, (h + th) // 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (255, 255, 255),
            max(1, int(2 * scale)),
            cv2.LINE_AA,
        )
        return out

    return render


def _too_dark(strength: float, seed: int) -> Renderer:
    # An iris stuck closed or a failed day/night switch: the gain falls to a few percent, the
    # sensor's read noise stays. Even at 1.0 lamps and the brightest things stay faintly visible (a dead
    # sensor is `no_signal`); at 0.1 the mean luma of a typical scene ends below ~35 of 255.
    gain = 0.28 - 0.16 * strength

    def render(frame: Frame, t: float) -> Frame:
        dark = frame.astype(np.float32) * gain
        noise = _rng(seed, t).normal(0.0, 1.5, (*frame.shape[:2], 1))
        return _to_u8(dark + noise)

    return render


def _overexposed(strength: float, seed: int) -> Renderer:
    # Auto-exposure gone wrong or a missing ND filter: everything clips towards white.
    gain = 2.2 + 2.5 * strength
    offset = 40.0 + 60.0 * strength

    def render(frame: Frame, t: float) -> Frame:
        return _to_u8(frame.astype(np.float32) * gain + offset)

    return render


def _frozen(strength: float, seed: int) -> Renderer:
    held: list[Frame] = []

    def render(frame: Frame, t: float) -> Frame:
        # The encoder keeps sending the same picture, its noise included.
        if not held or held[0].shape != frame.shape:
            held[:] = [frame.copy()]
        return held[0].copy()

    return render


def _disk_kernel(radius: float) -> npt.NDArray[Any]:
    """Defocus is a disk (the aperture's image), not a Gaussian."""
    r = max(1.0, radius)
    size = int(np.ceil(r)) * 2 + 1
    yy, xx = np.mgrid[:size, :size] - size // 2
    kernel: npt.NDArray[Any] = np.clip(r + 0.5 - np.sqrt(xx * xx + yy * yy), 0.0, 1.0).astype(np.float32)
    kernel /= kernel.sum()
    return kernel


def _blur(strength: float, seed: int) -> Renderer:
    # Defocus radius at 1080p: 4 px (a slightly soft lens) to 16 px (badly out of focus).
    def render(frame: Frame, t: float) -> Frame:
        radius = (4.0 + 12.0 * strength) * _scale(frame)
        return _to_u8(cv2.filter2D(frame, -1, _disk_kernel(radius), borderType=cv2.BORDER_REFLECT))

    return render


def _occluder_mask(h: int, w: int, kind: int, cover: float, rng: np.random.Generator) -> npt.NDArray[Any]:
    """A 0/255 mask covering about `cover` of the frame, shaped like a hand, a bag, paint or foliage."""
    mask: npt.NDArray[Any] = np.zeros((h, w), np.uint8)
    if cover >= 0.97:
        mask[:] = 255
        return mask
    side = int(rng.integers(0, 4))  # which edge the thing comes from
    if kind == 0:  # a hand: a palm blob with fingers, reaching in from an edge
        cx = w * (0.15 if side % 2 == 0 else 0.85)
        radius = np.sqrt(cover * h * w / np.pi) * 1.05
        axes = (int(radius * 1.1), int(radius * 1.3))
        cv2.ellipse(mask, (int(cx), int(h * 0.55)), axes, 0, 0, 360, 255, -1)
        for i in range(4):
            angle = -60 + 30 * i
            x2 = cx + np.cos(np.radians(angle - 90)) * radius * 2.0
            y2 = h * 0.55 + np.sin(np.radians(angle - 90)) * radius * 2.0
            cv2.line(mask, (int(cx), int(h * 0.55)), (int(x2), int(y2)), 255, max(3, int(radius * 0.35)))
    elif kind == 1:  # a bag or cloth: a big blob hanging over the top/side
        pts = []
        for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
            r = np.sqrt(cover * h * w / np.pi) * (1.0 + 0.25 * rng.uniform(-1, 1)) * 1.2
            top = h * (0.1 if side < 2 else 0.9)
            pts.append((w * 0.5 + np.cos(angle) * r * 1.3, top + np.sin(angle) * r))
        cv2.fillPoly(mask, [np.array(pts, np.int32)], 255)
    elif kind == 2:  # spray paint: a splotch with drips
        r0 = np.sqrt(cover * h * w / np.pi) * 1.15
        cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65)
        for _ in range(40):
            dx, dy = rng.normal(0, r0 * 0.3, 2)
            cv2.circle(mask, (int(cx + dx), int(cy + dy)), int(r0 * rng.uniform(0.45, 0.8)), 255, -1)
    else:  # foliage: many leaf ellipses growing in from a side
        n = int(30 + 200 * cover)
        for _ in range(n):
            x = rng.uniform(0, w) if side < 2 else rng.beta(1.0, 2.5 - cover * 1.5) * w
            y = rng.beta(1.0, 2.5 - cover * 1.5) * h if side < 2 else rng.uniform(0, h)
            if side % 2 == 1:
                x, y = (w - x if side >= 2 else x), (h - y if side < 2 else y)
            axes = (int(w * rng.uniform(0.04, 0.09)), int(w * rng.uniform(0.015, 0.035)))
            cv2.ellipse(mask, (int(x), int(y)), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
    # Grow or shrink towards the requested cover so strengths are comparable across shapes.
    for _ in range(12):
        frac = float(np.count_nonzero(mask)) / mask.size
        if abs(frac - cover) < 0.05:
            break
        k = max(3, int(min(h, w) * 0.04) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        mask = cv2.dilate(mask, kernel) if frac < cover else cv2.erode(mask, kernel)
    return mask


def _occluded(strength: float, seed: int) -> Renderer:
    kind = seed % 4
    cover = 0.35 + 0.65 * strength  # at 1.0 the whole view is covered (a bag over the dome)
    colours = {0: (205, 150, 125), 1: (40, 38, 45), 2: (30, 60, 170), 3: (40, 90, 35)}
    cache: dict[tuple[int, int], tuple[npt.NDArray[Any], npt.NDArray[Any]]] = {}

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        if (h, w) not in cache:
            rng = np.random.default_rng(seed)
            mask = _occluder_mask(h, w, kind, cover, rng)
            alpha = _soft_mask(mask, int(min(h, w) * 0.06))[..., None]
            # The occluder is close to the lens: out of focus, lit unevenly, barely textured.
            base = np.empty((h, w, 3), np.float32)
            base[:] = colours[kind]
            # Lit unevenly, but smoothly: at the lens everything is a blur of light.
            shade: npt.NDArray[Any] = rng.normal(1.0, 0.12, (6, 10)).astype(np.float32)
            shade = cv2.resize(shade, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
            yy = np.linspace(0.75, 1.1, h, dtype=np.float32)[:, None, None]
            cache[(h, w)] = (alpha, base * shade * yy)
        alpha, cover_img = cache[(h, w)]
        # A hand trembles a little; nothing else moves.
        noise = _rng(seed, t).normal(0.0, 1.5, (h, w, 1)).astype(np.float32)
        return _to_u8(frame.astype(np.float32) * (1.0 - alpha) + (cover_img + noise) * alpha)

    return render


def _scene_changed(strength: float, seed: int) -> Renderer:
    # The camera was turned or knocked: the view pans and tilts far enough that most of what the
    # reference showed is gone. Content that pans in is the scene mirrored, so it is real-looking
    # texture, not a blank edge.
    rng = np.random.default_rng(seed)
    pan = (0.25 + 0.3 * strength) * (1 if rng.random() < 0.5 else -1)
    tilt = (0.1 + 0.15 * strength) * (1 if rng.random() < 0.5 else -1)
    angle = float(rng.uniform(-8, 8) * strength)
    zoom = 1.0 + 0.3 * strength * float(rng.random())

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
        matrix[0, 2] += pan * w
        matrix[1, 2] += tilt * h
        moved = cv2.warpAffine(frame, matrix, (w, h), borderMode=cv2.BORDER_REFLECT_101)
        return _to_u8(moved[:, ::-1] if seed % 2 else moved)

    return render


def _low_contrast(strength: float, seed: int) -> Renderer:
    # Fog, a dirty or scratched dome, or the protective film left on: a veil of scattered light
    # over a slightly softened picture.
    veil = 0.55 + 0.35 * strength
    tone = (200.0, 200.0, 200.0) if seed % 2 == 0 else (170.0, 165.0, 150.0)

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        rng = np.random.default_rng(seed)
        grime = cv2.resize(
            rng.uniform(0.93, 1.0, (6, 10)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
        )[..., None]
        soft = cv2.GaussianBlur(frame, (0, 0), 1.0 + 2.0 * _scale(frame) * strength).astype(np.float32)
        haze = np.array(tone, np.float32) * grime
        alpha = veil * grime
        # The sensor's own noise comes after the veil: fog does not make a picture noise-free.
        noise = _rng(seed, t).normal(0.0, 1.5, (h, w, 1)).astype(np.float32)
        return _to_u8(soft * (1.0 - alpha) + haze * alpha + noise)

    return render


def _noise(strength: float, seed: int) -> Renderer:
    # Sensor noise turned up by gain, and "snow" (impulse noise) from a failing analogue link.
    sigma = 14.0 + 26.0 * strength
    snow = 0.01 * strength

    def render(frame: Frame, t: float) -> Frame:
        rng = _rng(seed, t)
        h, w = frame.shape[:2]
        # Chroma noise is weaker than luma noise on real sensors.
        luma_noise = rng.normal(0.0, sigma, (h, w, 1))
        chroma_noise = rng.normal(0.0, sigma * 0.35, (h, w, 3))
        out = frame.astype(np.float32) + luma_noise + chroma_noise
        speckle = rng.random((h, w)) < snow
        out[speckle] = rng.choice([0.0, 255.0], size=(int(speckle.sum()), 1))
        return _to_u8(out)

    return render


_CASTS = (
    (1.0, 1.05, 1.45),  # blue: a daylight white balance under sodium lamps gone wrong the other way
    (1.35, 1.1, 0.6),  # yellow-orange: tungsten balance in daylight
    (0.75, 1.25, 0.75),  # green: a fluorescent preset, or a failing colour channel
    (0.6, 1.1, 1.25),  # cyan: red channel weak
    (1.5, 0.85, 0.8),  # red
)


def _color_cast(strength: float, seed: int) -> Renderer:
    gains = np.array(_CASTS[seed % len(_CASTS)], np.float32)
    gains = 1.0 + (gains - 1.0) * (0.6 + 0.6 * strength)

    def render(frame: Frame, t: float) -> Frame:
        return _to_u8(frame.astype(np.float32) * gains)

    return render


def _stripes(strength: float, seed: int) -> Renderer:
    # Interference on an analogue or badly grounded link: bright/dark bands that roll through the picture.
    rng = np.random.default_rng(seed)
    amplitude = 14.0 + 30.0 * strength
    period = float(rng.uniform(0.03, 0.09))  # of the frame height
    angle = float(rng.choice([0.0, 0.0, 12.0, 90.0]))
    speed = float(rng.uniform(0.2, 1.0))

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        yy, xx = np.mgrid[:h, :w].astype(np.float32)
        a = np.radians(angle)
        coord = (yy * np.cos(a) + xx * np.sin(a)) / (period * h)
        wave = np.sin(2 * np.pi * (coord + speed * t)).astype(np.float32)
        tint = np.array([1.0, 0.8, 1.1], np.float32)  # interference tints slightly
        return _to_u8(frame.astype(np.float32) + amplitude * wave[..., None] * tint)

    return render


def _shaking(strength: float, seed: int) -> Renderer:
    # A pole swaying in the wind, or a loose bracket: the whole view jumps from frame to frame.
    amplitude = 0.012 + 0.03 * strength  # of the frame width
    freq = 2.0 + 3.0 * (seed % 3)

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        rng = _rng(seed, t)
        dx = (np.sin(2 * np.pi * freq * t) + 0.6 * rng.uniform(-1, 1)) * amplitude * w
        dy = (np.cos(2 * np.pi * freq * 0.7 * t) + 0.6 * rng.uniform(-1, 1)) * amplitude * w * 0.6
        matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
        return _to_u8(cv2.warpAffine(frame, matrix, (w, h), borderMode=cv2.BORDER_REFLECT_101))

    return render


def _glare(strength: float, seed: int) -> Renderer:
    # The sun or a street lamp in view: a saturated core, a wide halo and a couple of lens ghosts.
    rng = np.random.default_rng(seed)
    cx, cy = float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.15, 0.6))
    radius = 0.12 + 0.18 * strength  # of the frame width

    def render(frame: Frame, t: float) -> Frame:
        h, w = frame.shape[:2]
        yy, xx = np.mgrid[:h, :w].astype(np.float32)
        d = np.sqrt((xx - cx * w) ** 2 + (yy - cy * h) ** 2) / (radius * w)
        halo = 255.0 * np.exp(-(d**2) * 1.2) + 380.0 * np.clip(1.0 - d * 2.2, 0.0, 1.0)
        light: npt.NDArray[Any] = halo[..., None] * np.array([1.0, 0.97, 0.85], np.float32)
        # Ghosts lie on the line through the frame centre.
        for k, size in ((-0.6, 0.25), (-1.1, 0.15)):
            gx = w / 2 + (cx * w - w / 2) * k
            gy = h / 2 + (cy * h - h / 2) * k
            gd = np.sqrt((xx - gx) ** 2 + (yy - gy) ** 2) / (size * radius * w)
            light += (70.0 * np.clip(1.0 - gd, 0, 1))[..., None] * np.array([0.7, 1.0, 0.8], np.float32)
        return _to_u8(frame.astype(np.float32) * (1.0 - 0.3 * np.exp(-(d**2) * 0.5))[..., None] + light)

    return render


def _ir_cut(strength: float, seed: int) -> Renderer:
    # The IR-cut filter stuck out in daylight (or the camera kept in colour mode under its IR lamps):
    # near-infrared light reaches all three photosites, most strongly red and blue, so the picture
    # turns pink-purple and washed out, vegetation most of all.
    mix = 0.35 + 0.45 * strength

    def render(frame: Frame, t: float) -> Frame:
        rgb = frame.astype(np.float32)
        # Near-IR reflectance tracks brightness and is high for plants (green), so green drives it too.
        ir = 0.5 * _luma(frame) + 0.5 * rgb[..., 1]
        leak = ir[..., None] * np.array([1.0, 0.55, 0.95], np.float32)
        out = rgb * (1.0 - mix) + leak * mix * 1.15
        return _to_u8(out)

    return render


_FACTORIES: dict[str, Callable[[float, int], Renderer]] = {
    "no_signal": _no_signal,
    "too_dark": _too_dark,
    "overexposed": _overexposed,
    "frozen": _frozen,
    "blur": _blur,
    "occluded": _occluded,
    "scene_changed": _scene_changed,
    "low_contrast": _low_contrast,
    "noise": _noise,
    "color_cast": _color_cast,
    "stripes": _stripes,
    "shaking": _shaking,
    "glare": _glare,
    "ir_cut": _ir_cut,
}
assert set(_FACTORIES) == set(PICTURE_FAULTS)
