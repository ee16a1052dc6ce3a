"""`qarauyl probe` end to end, as a user runs it: a subprocess against a real RTSP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from probe_servers import CAMERA_PASSWORD, CAMERA_USER

from qarauyl.domain.stream_url import with_credentials


def _qarauyl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qarauyl", "probe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_probe_json_lines(gst_port: int, gst_auth_port: int) -> None:
    good = f"rtsp://127.0.0.1:{gst_port}/test"
    wrong = with_credentials(f"rtsp://127.0.0.1:{gst_auth_port}/test", CAMERA_USER, "Wr0ngPass!")
    done = _qarauyl(
        "--json", "--timeout", "8", "--concurrency", "2", "--frames", "3", good, wrong, "file:///etc/passwd"
    )
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["url"] for line in lines] == [
        good,
        f"rtsp://{CAMERA_USER}:***@127.0.0.1:{gst_auth_port}/test",
        "file:///etc/passwd",
    ]
    first = lines[0]
    assert set(first) == {"url", "ok", "stream", "findings", "error"}
    assert first["ok"] is True and first["error"] is None and isinstance(first["findings"], list)
    assert set(first["stream"]) == {
        "codec",
        "width",
        "height",
        "fps",
        "bitrate_kbps",
        "time_to_first_frame_ms",
    }
    assert (first["stream"]["codec"], first["stream"]["width"], first["stream"]["height"]) == (
        "h264",
        640,
        360,
    )
    assert first["stream"]["fps"] == 15.0 and first["stream"]["time_to_first_frame_ms"] > 0
    assert lines[1]["ok"] is False and lines[1]["stream"] is None
    assert lines[1]["error"]["code"] == "auth_failed"
    assert lines[2]["error"]["code"] == "stream_error"
    assert "Wr0ngPass" not in done.stdout + done.stderr


def test_probe_text_output_and_password_from_the_environment(gst_auth_port: int) -> None:
    url = f"rtsp://127.0.0.1:{gst_auth_port}/test"
    done = _qarauyl(
        "--username", CAMERA_USER, "--frames", "2", url, env={"QARAUYL_PROBE_PASSWORD": CAMERA_PASSWORD}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK    {url}  h264 640x360, 15.0 fps")
    assert CAMERA_PASSWORD not in done.stdout + done.stderr


def test_probe_rejects_a_bad_transport() -> None:
    done = _qarauyl("--transport", "http", "rtsp://127.0.0.1/x")
    assert done.returncode == 2
    assert "--transport must be tcp or udp" in done.stderr
