"""HTTP snapshot probing against a real HTTP server: no auth, Basic, Digest, limits, bad content."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from probe_servers import Route, http_camera

from qarauyl.probe import probe_snapshot, run_job
from qarauyl.probe.frames import PNG_SIGNATURE, encode_snapshot, fit_within, jpeg_dimensions, png_dimensions
from qarauyl.probe.http_snapshot import decode_image
from qarauyl.probe.job import ProbeJob


def _jpeg(width: int, height: int) -> bytes:
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    picture[: height // 2, :, :] = (0, 0, 255)  # BGR red top half: checks the channel order
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("auth", ["", "basic", "digest"])
def test_snapshot_with_each_auth_scheme(auth: str) -> None:
    with http_camera(
        {"/snap.jpg": Route(_jpeg(800, 600), "image/jpeg")}, auth=auth, password="pa:ss word"
    ) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", username="admin", password="pa:ss word", timeout=5)
        requests = len(cam.requests)
    assert result.ok, result.error
    assert result.kind == "snapshot"
    assert result.stream is not None and (result.stream.width, result.stream.height) == (800, 600)
    frame = result.frames[0]
    assert frame.shape == (600, 800, 3)
    assert tuple(frame[10, 10]) == pytest.approx((255, 0, 0), abs=8)  # RGB: red
    assert result.snapshot_jpeg is not None and jpeg_dimensions(result.snapshot_jpeg) == (640, 480)
    # The password is sent only after the camera's challenge, never blindly up front.
    assert requests == (2 if auth else 1)


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_wrong_password_is_auth_failed(auth: str) -> None:
    with http_camera({"/snap.jpg": Route(_jpeg(64, 64), "image/jpeg")}, auth=auth) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", username="admin", password="nope", timeout=5)
    assert result.error is not None and result.error.code == "auth_failed"
    assert result.error.cause == "credentials", result.error
    assert "nope" not in result.error.message + result.url


def test_credentials_in_the_url_and_redaction() -> None:
    with http_camera(
        {"/snap.jpg": Route(_jpeg(64, 48), "image/jpeg")}, auth="digest", password="s3cr3t"
    ) as cam:
        result = run_job(ProbeJob(f"http://admin:s3cr3t@127.0.0.1:{cam.port}/snap.jpg", timeout=5))
    assert result.ok, result.error
    assert result.url == f"http://admin:***@127.0.0.1:{cam.port}/snap.jpg"


def test_oversized_snapshot_is_refused() -> None:
    with http_camera({"/snap.jpg": Route(b"\xff\xd8" + b"\0" * 300_000, "image/jpeg")}) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", timeout=5, max_bytes=100_000)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "too_big", result.error
    assert "limit" in result.error.message


def test_decompression_bomb_is_refused_before_decoding() -> None:
    header = bytearray(_jpeg(16, 16))
    sof = header.index(b"\xff\xc0")
    header[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") * 2  # claims 60000x60000
    assert jpeg_dimensions(bytes(header)) == (60000, 60000)
    with http_camera({"/snap.jpg": Route(bytes(header), "image/jpeg")}) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "too_big", result.error
    assert "60000x60000" in result.error.message


def test_a_png_bomb_is_refused_before_decoding() -> None:
    import zlib

    ihdr = (30000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    png = PNG_SIGNATURE + len(ihdr).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    assert png_dimensions(png) == (30000, 30000)
    with http_camera({"/snap.png": Route(png + b"\0" * 1000, "image/png")}) as cam:
        result = probe_snapshot(f"{cam.base}/snap.png", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "too_big", result.error
    assert "30000x30000" in result.error.message


def test_not_an_image_is_stream_error() -> None:
    with http_camera({"/snap.jpg": Route(b"<html>login</html>", "text/html")}) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "not_image", result.error
    assert "text/html" in result.error.message


def test_garbage_claiming_to_be_jpeg_is_stream_error() -> None:
    with http_camera({"/snap.jpg": Route(b"\xff\xd8\xff\xe0garbage" * 10, "image/jpeg")}) as cam:
        result = probe_snapshot(f"{cam.base}/snap.jpg", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "undecodable", result.error


def test_missing_snapshot_and_offline_camera() -> None:
    with http_camera({}) as cam:
        missing = probe_snapshot(f"{cam.base}/snap.jpg", timeout=5)
        port = cam.port
    assert (
        missing.error is not None and missing.error.code == "stream_error" and "404" in missing.error.message
    )
    gone = probe_snapshot(f"http://127.0.0.1:{port}/snap.jpg", timeout=5)
    assert gone.error is not None and gone.error.code == "offline"
    assert gone.error.cause == "refused", gone.error


def test_large_snapshots_are_capped_to_1080p() -> None:
    rgb = decode_image(_jpeg(3840, 2160))
    assert rgb.shape == (1080, 1920, 3)


def test_fit_within_keeps_aspect_and_even_sizes() -> None:
    assert fit_within(640, 360, 1920, 1080) == (640, 360)
    assert fit_within(3840, 2160, 1920, 1080) == (1920, 1080)
    assert fit_within(2592, 1944, 1920, 1080) == (1440, 1080)
    assert fit_within(1000, 10, 640, 2560) == (640, 6)
    with pytest.raises(ValueError):
        fit_within(0, 10, 10, 10)


def test_encode_snapshot_downscales_to_640_wide() -> None:
    data = encode_snapshot(np.zeros((1080, 1920, 3), np.uint8))
    assert jpeg_dimensions(data) == (640, 360)
    assert jpeg_dimensions(b"not a jpeg") is None


def test_a_streams_snapshot_is_scaled_from_the_decoded_picture_in_its_colours() -> None:
    import av

    from qarauyl.probe.rtsp import _snapshot_pixels

    # A decoded 1080p picture: red left half, blue right half, as the decoder hands it over (YUV 4:2:0).
    rgb = np.zeros((1080, 1920, 3), np.uint8)
    rgb[:, :960, 0] = 220
    rgb[:, 960:, 2] = 220
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    bgr = _snapshot_pixels(frame)
    assert bgr.shape == (360, 640, 3)
    # OpenCV's order: blue, green, red; within a few levels of the source away from the edge.
    assert np.abs(bgr[:, :300].astype(int) - (0, 0, 220)).max() <= 6
    assert np.abs(bgr[:, 340:].astype(int) - (220, 0, 0)).max() <= 6


def test_a_sub_streams_snapshot_is_its_converted_frame_with_the_channels_swapped() -> None:
    import av

    from qarauyl.probe.rtsp import _reformatter, _snapshot_pixels

    rng = np.random.default_rng(3)
    for width, height in ((640, 360), (1280, 720)):
        picture = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        converted = _reformatter().reformat(frame, format="rgb24").to_ndarray()
        # At the snapshot's size the converted frame is reused; otherwise (720p) swscale scales it, and
        # the frame offered is ignored: either way the pixels are those of the conversion from YUV.
        assert np.array_equal(_snapshot_pixels(frame, converted), _snapshot_pixels(frame))
    assert _snapshot_pixels(frame, converted).shape == (360, 640, 3)


def test_bitrate_estimate_amortises_the_keyframe_over_the_gop() -> None:
    from qarauyl.probe.rtsp import estimate_kbps

    # 25 fps, 1 s GOP: a 20 kB keyframe and 1 kB P-frames make 44 kB/s = 352 kbit/s.
    burst = [(20_000, True)] + [(1_000, False)] * 5
    assert estimate_kbps(burst, 25.0) == pytest.approx(352.0)
    # The raw rate of that burst would read 875 kbit/s: the estimate must not.
    # A burst that spans a whole GOP is measured as it is: 10 frames at 10 fps = 1 s.
    gop = [(9_000, True)] + [(1_000, False)] * 9 + [(9_000, True)]
    assert estimate_kbps(gop, 10.0) == pytest.approx(144.0)
    assert estimate_kbps([(5_000, True)], 25.0) is None
    assert estimate_kbps(burst, None) is None


def test_https_to_a_plain_http_port_is_a_stream_error_not_offline() -> None:
    with http_camera({"/snap.jpg": Route(_jpeg(64, 64), "image/jpeg")}) as cam:
        result = probe_snapshot(f"https://127.0.0.1:{cam.port}/snap.jpg", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "tls", result.error
    assert "TLS" in result.error.message


def test_mjpeg_over_http_stream_is_read_as_video() -> None:
    """Older cameras (Axis mjpg/video.cgi and the like) push multipart JPEG over HTTP."""
    parts = []
    for _ in range(5):
        jpeg = _jpeg(320, 240)
        header = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
        parts.append(header + jpeg + b"\r\n")
    route = Route(b"".join(parts), "multipart/x-mixed-replace; boundary=frame")
    with http_camera({"/mjpg/video.cgi": route}, auth="digest") as cam:
        result = run_job(ProbeJob(f"{cam.base}/mjpg/video.cgi", "admin", "pa:ss word", timeout=5, frames=3))
    assert result.ok, result.error
    assert result.kind == "http_stream"
    assert result.stream is not None and (result.stream.codec, result.stream.width) == ("mjpeg", 320)
    assert len(result.frames) == 3
