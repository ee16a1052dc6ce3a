"""Helpers for the diagnosis tests: small synthetic pictures whose right answer is obvious, and real clips."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

FOOTAGE = Path(__file__).resolve().parents[3] / "shared" / "footage"


def textured(h: int = 270, w: int = 480, seed: int = 0) -> np.ndarray:
    """A well-exposed, colourful, sharp picture: rectangles and lines over a soft gradient."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    base = (90 + 60 * xx / w + 20 * yy / h).astype(np.float32)
    img = np.repeat(base[..., None], 3, axis=2)
    for _ in range(40):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = tuple(float(c) for c in rng.integers(20, 235, 3))
        cv2.rectangle(
            img, (x, y), (x + int(rng.integers(6, w // 5)), y + int(rng.integers(6, h // 5))), colour, -1
        )
    for _ in range(10):
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(img, p1, p2, (240.0, 240.0, 240.0), 2)
    return np.clip(img, 0, 255).astype(np.uint8)


def live(picture: np.ndarray, n: int = 8, sigma: float = 2.0, seed: int = 0) -> list[np.ndarray]:
    """`n` frames of a static scene as a camera delivers them: fresh sensor noise in every frame."""
    rng = np.random.default_rng(seed)
    return [
        np.clip(picture.astype(np.float32) + rng.normal(0, sigma, (*picture.shape[:2], 1)), 0, 255).astype(
            np.uint8
        )
        for _ in range(n)
    ]


def codes(diagnosis: object) -> set[str]:
    return diagnosis.codes()  # type: ignore[attr-defined, no-any-return]


def decode(name: str, start: int = 0, count: int = 8) -> list[np.ndarray]:
    import av

    path = FOOTAGE / name
    if not path.is_file():
        pytest.fail(
            f"real footage missing: {path} (the repository expects ../shared/footage beside it)",
            pytrace=False,
        )
    frames = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= start:
                frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) >= count:
                break
    return frames


def scene(name: str, count: int = 24, seed: int = 7) -> list[np.ndarray]:
    """The first `count` frames (640x360 at 12.5 fps) of one of the simulator's scenes: frame 0 serves as
    the reference, the last 8 as the burst."""
    from qarauyl.sim.scenes import generate_scene

    return list(generate_scene(name, width=640, height=360, fps=12.5, seconds=count / 12.5, seed=seed))


def with_fault(
    frames: list[np.ndarray], fault: str, strength: float, seed: int = 1, fps: float = 12.5
) -> list[np.ndarray]:
    """`frames` as they look with a picture fault of the simulator, frame i at time i / fps."""
    from qarauyl.sim.picture_faults import make_fault_renderer

    render = make_fault_renderer(fault, strength=strength, seed=seed)
    return [render(frame, i / fps) for i, frame in enumerate(frames)]
