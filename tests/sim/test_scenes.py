"""Scenes: deterministic, the right shape, street scenes move, night is infrared, low-texture is flat."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from qarauyl.errors import InputError
from qarauyl.sim.scenes import SCENES, generate_scene, video_file_scene

FOOTAGE = Path(__file__).resolve().parents[3] / "shared" / "footage" / "car-detection.mp4"


def frames(name: str, **kw: float) -> list[np.ndarray]:
    args = {"width": 320, "height": 180, "fps": 10.0, "seconds": 1.0, "seed": 0, **kw}
    return list(generate_scene(name, **args))  # type: ignore[arg-type]


def texture(frame: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_agreed_scene_names() -> None:
    assert {"street_day", "street_night", "asphalt", "white_wall"} <= set(SCENES)


@pytest.mark.parametrize("name", SCENES)
def test_shape_count_and_determinism(name: str) -> None:
    a, b = frames(name, seed=3), frames(name, seed=3)
    assert len(a) == 10
    assert all(f.shape == (180, 320, 3) and f.dtype == np.uint8 for f in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_seeds_give_different_streets() -> None:
    assert not np.array_equal(frames("street_day", seed=1)[0], frames("street_day", seed=2)[0])


def test_street_has_moving_objects_and_texture() -> None:
    f = frames("street_day", seconds=2.0)
    moved = np.abs(f[0].astype(int) - f[-1].astype(int)).max(axis=2) > 60
    assert moved.mean() > 0.01  # vehicles/people moved, not just noise
    assert texture(f[0]) > 100


def test_night_is_infrared_grey_and_noisy() -> None:
    f = frames("street_night")[0]
    assert np.array_equal(f[..., 0], f[..., 1]) and np.array_equal(f[..., 1], f[..., 2])
    day = frames("street_day")[0]
    assert f.mean() < day.mean()
    flat = frames("street_night")[0][150:170, 10:40, 0].astype(float)  # a patch of road
    assert flat.std() > 6


@pytest.mark.parametrize("name", ["asphalt", "white_wall"])
def test_low_texture_scenes_are_flat(name: str) -> None:
    street = texture(frames("street_day")[0])
    assert texture(frames(name)[0]) < street / 5


def test_fps_and_resolution_range() -> None:
    f = list(generate_scene("street_day", width=1920, height=1080, fps=5, seconds=0.4))
    assert len(f) == 2 and f[0].shape == (1080, 1920, 3)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="street_dya"):
        generate_scene("street_dya", width=64, height=64, fps=5, seconds=1)
    with pytest.raises(ValueError, match="even"):
        generate_scene("asphalt", width=63, height=64, fps=5, seconds=1)


def test_video_file_scene_resizes_resamples_and_loops() -> None:
    f = list(video_file_scene(FOOTAGE, width=160, height=90, fps=5, seconds=2.0))
    assert len(f) == 10 and f[0].shape == (90, 160, 3)
    assert not np.array_equal(f[0], f[5])  # the video moves


def test_video_file_scene_loops_a_short_video(tmp_path: Path) -> None:
    short = tmp_path / "short.mp4"
    import av

    with av.open(str(short), "w") as out:
        s = out.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        for i in range(5):
            img = np.full((64, 64, 3), i * 50, np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    f = list(video_file_scene(short, width=64, height=64, fps=10, seconds=1.5))
    assert len(f) == 15
    assert abs(float(f[0].mean()) - float(f[5].mean())) < 8  # looped back to the first frame


@pytest.mark.parametrize("content", [None, b"this is not a video"])
def test_unreadable_video_names_the_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "scene.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=r"scene\.mp4") as err:
        video_file_scene(path, width=64, height=64, fps=5, seconds=1)
    assert err.value.problems and err.value.problems[0].location == str(path)
