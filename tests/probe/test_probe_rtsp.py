"""probe_stream against real RTSP servers: GStreamer's rtsp-server, and scripted misbehaving ones."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import av
import cv2
import numpy as np
import pytest
from probe_servers import CAMERA_PASSWORD, CAMERA_USER, gst_rtsp_server, scripted_rtsp, silent_listener

from qarauyl.domain.stream_url import with_credentials
from qarauyl.probe import ffmpeg_options, probe_stream


def test_probe_reads_a_third_party_rtsp_server(gst_port: int) -> None:
    stages: list[str] = []
    result = probe_stream(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=5, on_stage=stages.append)

    assert result.ok, result.error
    assert result.error is None
    stream = result.stream
    assert stream is not None
    assert (stream.codec, stream.width, stream.height) == ("h264", 640, 360)
    assert stream.fps == pytest.approx(15.0, rel=0.05)
    assert stream.bitrate_kbps is not None and 10 < stream.bitrate_kbps < 5000
    assert stream.frames_decoded == 5 and stream.decode_errors == 0
    assert len(result.frames) == 5
    for frame in result.frames:
        assert frame.shape == (360, 640, 3) and frame.dtype == np.uint8
    # videotestsrc's moving ball: consecutive frames differ, so these are real, decoded pictures.
    assert np.abs(result.frames[0].astype(int) - result.frames[-1].astype(int)).mean() > 0.1
    assert result.frames[0].std() > 10
    timings = result.timings
    assert timings.connect_ms is not None and timings.handshake_ms is not None
    assert timings.first_frame_ms is not None
    assert (
        0 < timings.connect_ms <= timings.handshake_ms <= timings.first_frame_ms <= timings.total_ms < 10_000
    )
    assert stream.time_to_first_frame_ms == timings.first_frame_ms
    assert stages == ["connecting", "connected", "handshake", "first_frame"]
    assert result.snapshot_jpeg is not None and result.snapshot_jpeg[:2] == b"\xff\xd8"
    snapshot = cv2.imdecode(np.frombuffer(result.snapshot_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert snapshot.shape == (360, 640, 3)
    # The first picture (at this size, that frame with its channels swapped; JPEG's loss aside).
    first = cv2.cvtColor(result.frames[0], cv2.COLOR_RGB2BGR).astype(int)
    assert np.abs(snapshot.astype(int) - first).mean() < 3.0


def test_a_probe_can_leave_the_snapshot_unencoded_for_its_caller(gst_port: int) -> None:
    result = probe_stream(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=2, encode_snapshot=False)
    assert result.ok, result.error
    assert result.snapshot_jpeg is None
    assert result.snapshot_pixels is not None and result.snapshot_pixels.shape == (360, 640, 3)
    first = cv2.cvtColor(result.frames[0], cv2.COLOR_RGB2BGR)
    assert np.array_equal(result.snapshot_pixels, first)


def test_the_open_leaves_the_keyframe_to_the_probes_decoder(
    gst_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FFmpeg's stream analysis at open would decode the first keyframe in a decoder of its own, and the
    probe would decode it again. A stream analysed without decoding knows its size but not yet its pixel
    format: that is what tells the two apart."""
    url = f"rtsp://127.0.0.1:{gst_port}/test"
    with av.open(url, format="rtsp", options=ffmpeg_options(scheme="rtsp", timeout=10), timeout=10) as plain:
        # The control: FFmpeg's own default decodes, so the sign below means something on this FFmpeg.
        assert plain.streams.video[0].codec_context.pix_fmt == "yuv420p"
    real_open = av.open
    seen: list[tuple[int, int, str | None]] = []

    def recording_open(*args: Any, **kwargs: Any) -> Any:
        container = real_open(*args, **kwargs)
        context = container.streams.video[0].codec_context
        seen.append((context.width, context.height, context.pix_fmt))
        return container

    monkeypatch.setattr(av, "open", recording_open)
    result = probe_stream(url, timeout=10, frames=2)

    assert result.ok, result.error
    assert seen == [(640, 360, None)]
    assert result.stream is not None and (result.stream.width, result.stream.height) == (640, 360)
    assert result.frames[0].std() > 10  # the probe's own decoder made the picture


def test_udp_transport(gst_port: int) -> None:
    result = probe_stream(f"rtsp://127.0.0.1:{gst_port}/test", timeout=10, frames=3, transport="udp")
    assert result.ok, result.error
    assert result.stream is not None and result.stream.width == 640


def test_credentials_given_apart_from_the_url(gst_auth_port: int) -> None:
    url = f"rtsp://127.0.0.1:{gst_auth_port}/test"
    result = probe_stream(url, username=CAMERA_USER, password=CAMERA_PASSWORD, timeout=10, frames=2)
    assert result.ok, result.error
    assert result.url == url


def test_credentials_in_the_url_are_used_and_redacted(gst_auth_port: int) -> None:
    url = with_credentials(f"rtsp://127.0.0.1:{gst_auth_port}/test", CAMERA_USER, CAMERA_PASSWORD)
    result = probe_stream(url, timeout=10, frames=2)
    assert result.ok, result.error
    assert result.url == f"rtsp://{CAMERA_USER}:***@127.0.0.1:{gst_auth_port}/test"


@pytest.mark.parametrize("password", [None, "wrong-password"])
def test_wrong_or_missing_password_is_auth_failed(gst_auth_port: int, password: str | None) -> None:
    url = f"rtsp://127.0.0.1:{gst_auth_port}/test"
    result = probe_stream(url, username=CAMERA_USER if password else None, password=password, timeout=10)
    assert not result.ok
    assert result.error is not None and result.error.code == "auth_failed"
    assert result.error.cause == "credentials", result.error
    assert "credentials" in result.error.message


def test_password_never_appears_in_a_failed_result(gst_auth_port: int) -> None:
    wrong = "Very$ecretWrong"
    url = with_credentials(f"rtsp://127.0.0.1:{gst_auth_port}/test", CAMERA_USER, wrong)
    result = probe_stream(url, timeout=10)
    assert result.error is not None and result.error.code == "auth_failed"
    text = repr(result) + result.url + result.error.message
    assert wrong not in text and "Very%24ecretWrong" not in text


def test_unknown_path_is_stream_error(gst_port: int) -> None:
    result = probe_stream(f"rtsp://127.0.0.1:{gst_port}/no-such-stream", timeout=10)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "no_such_path", result.error
    assert "404" in result.error.message


def test_nothing_listening_is_offline_at_once() -> None:
    with silent_listener() as port:
        pass  # the port is now closed again: nothing listens on it
    start = time.monotonic()
    result = probe_stream(f"rtsp://127.0.0.1:{port}/x", timeout=10)
    assert time.monotonic() - start < 1.0
    assert result.error is not None and result.error.code == "offline"
    assert result.error.cause == "refused", result.error
    assert "refused" in result.error.message


def test_unresolvable_host_is_offline() -> None:
    result = probe_stream("rtsp://no-such-camera.invalid/stream", timeout=5)
    assert result.error is not None and result.error.code == "offline"
    assert result.error.cause == "unresolved", result.error
    assert "resolve" in result.error.message


def test_camera_that_never_answers_costs_only_its_timeout() -> None:
    with silent_listener() as port:
        start = time.monotonic()
        result = probe_stream(f"rtsp://127.0.0.1:{port}/x", timeout=1.5)
        elapsed = time.monotonic() - start
    assert 1.3 < elapsed < 2.5
    assert result.error is not None and result.error.code == "offline"
    assert result.error.cause == "silent", result.error
    assert "no RTSP answer" in result.error.message
    assert result.timings.connect_ms is None


def test_garbage_instead_of_rtsp_is_stream_error_not_a_hang() -> None:
    with scripted_rtsp("junk") as server:
        start = time.monotonic()
        result = probe_stream(f"rtsp://127.0.0.1:{server.port}/x", timeout=5)
        elapsed = time.monotonic() - start
    assert elapsed < 2.0
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "wrong_protocol", result.error
    assert "not in RTSP" in result.error.message


def test_a_web_server_instead_of_rtsp_is_named_as_one() -> None:
    """The camera's web page given as its stream URL (rtsp://host:80/...): say it is a web server."""
    with scripted_rtsp("web") as server:
        result = probe_stream(f"rtsp://127.0.0.1:{server.port}/x", timeout=5)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "web_server", result.error
    assert "answered in HTTP" in result.error.message and "554" in result.error.message


def test_a_web_server_that_answers_with_a_bare_page_is_named_as_one() -> None:
    """Some web servers answer a request line they cannot parse with an HTML page and no status line
    (Python's own does, taking RTSP/1.0 for HTTP/0.9)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = probe_stream(f"rtsp://127.0.0.1:{server.server_port}/x", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "web_server", result.error
    assert "answered in HTTP" in result.error.message


def test_garbage_after_a_valid_rtsp_greeting_is_stream_error() -> None:
    with scripted_rtsp("junk_reply") as server:
        start = time.monotonic()
        result = probe_stream(f"rtsp://127.0.0.1:{server.port}/x", timeout=2)
        elapsed = time.monotonic() - start
    assert elapsed < 2.5
    assert result.error is not None and result.error.code == "stream_error", result.error
    assert result.error.cause == "undecodable", result.error
    assert "not a usable stream" in result.error.message


def test_a_stream_description_with_no_stream_is_stream_error_in_words() -> None:
    with scripted_rtsp("garbage_sdp") as server:
        result = probe_stream(f"rtsp://127.0.0.1:{server.port}/cam/", timeout=3)
    assert result.error is not None and result.error.code == "stream_error", result.error
    assert result.error.cause == "no_video", result.error
    assert "describes no stream" in result.error.message


def test_stream_set_up_but_silent_is_stream_error_within_the_timeout() -> None:
    with scripted_rtsp("stall") as server:
        start = time.monotonic()
        result = probe_stream(f"rtsp://127.0.0.1:{server.port}/cam/", timeout=3)
        elapsed = time.monotonic() - start
    assert elapsed < 3 + 0.5
    assert result.error is not None and result.error.code == "stream_error", result.error
    assert result.error.cause == "no_video", result.error
    assert "no video data arrived" in result.error.message
    assert result.timings.handshake_ms is not None  # the handshake itself succeeded


def test_frames_are_capped_per_probe() -> None:
    with gst_rtsp_server(fps=60, gop=60, lifetime=30) as port:
        result = probe_stream(f"rtsp://127.0.0.1:{port}/test", timeout=10, frames=1000)
    assert result.ok
    assert len(result.frames) == 64
    assert result.stream is not None and result.stream.fps == pytest.approx(60, rel=0.05)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="transport"):
        probe_stream("rtsp://127.0.0.1/x", transport="http")
    with pytest.raises(ValueError, match="timeout"):
        probe_stream("rtsp://127.0.0.1/x", timeout=0)


def test_a_host_name_is_resolved_and_every_address_tried(gst_port: int) -> None:
    # localhost may resolve to ::1 first while the server listens on 127.0.0.1 only.
    result = probe_stream(f"rtsp://localhost:{gst_port}/test", timeout=10, frames=1)
    assert result.ok, result.error
