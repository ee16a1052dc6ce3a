"""Memory bounds on what a camera sends: a stream beyond 8K is refused before decoding, a large one is
decoded but its frames are capped to 1080p (the stream facts keep the true resolution)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from probe_servers import Route, http_camera

from qarauyl.probe import probe_http
from qarauyl.probe.frames import jpeg_dimensions


def _encode(path: Path, source: str, *args: str) -> bytes:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, *args, str(path)],
        check=True,
        timeout=120,
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("clips")
    x264 = ["-c:v", "libx264", "-preset", "ultrafast"]
    return {
        "huge": _encode(
            folder / "huge.h264", "color=gray:s=8200x4400:r=5", "-frames:v", "2", *x264, "-f", "h264"
        ),
        "big": _encode(
            folder / "big.ts", "testsrc2=s=2560x1440:r=10", "-t", "1", *x264, "-g", "5", "-f", "mpegts"
        ),
    }


def test_stream_beyond_8k_is_refused_before_decoding(clips: dict[str, bytes]) -> None:
    with http_camera({"/huge.h264": Route(clips["huge"], "video/h264")}) as camera:
        result = probe_http(f"{camera.base}/huge.h264", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "too_big", result.error
    assert "8200x4400" in result.error.message
    assert result.frames == []


def test_large_stream_frames_are_capped_to_1080p(clips: dict[str, bytes]) -> None:
    with http_camera({"/big.ts": Route(clips["big"], "video/mp2t")}) as camera:
        result = probe_http(f"{camera.base}/big.ts", timeout=5, frames=3)
    assert result.ok, result.error
    assert result.stream is not None and (result.stream.width, result.stream.height) == (2560, 1440)
    assert [frame.shape for frame in result.frames] == [(1080, 1920, 3)] * 3
    assert result.snapshot_jpeg is not None and len(result.snapshot_jpeg) < 200_000
    assert jpeg_dimensions(result.snapshot_jpeg) == (640, 360)
