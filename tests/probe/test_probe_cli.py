"""`qarauyl probe` end to end, as a user runs it: a subprocess against a real RTSP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from probe_servers import CAMERA_PASSWORD, CAMERA_USER, silent_listener

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
    # The user in the URL, the password from the environment: they go together.
    with_user = f"rtsp://{CAMERA_USER}@127.0.0.1:{gst_auth_port}/test"
    done = _qarauyl("--frames", "2", with_user, env={"QARAUYL_PROBE_PASSWORD": CAMERA_PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK    {with_user}  h264")


def test_probe_rejects_a_bad_transport() -> None:
    done = _qarauyl("--transport", "http", "rtsp://127.0.0.1/x")
    assert done.returncode == 2
    assert "--transport must be tcp or udp" in done.stderr


def test_ctrl_c_stops_the_probe_at_once_and_says_so() -> None:
    """Interrupted, the command neither waits out the cameras' timeouts nor exits 0 as if all were well."""
    with silent_listener() as port:
        urls = [f"rtsp://127.0.0.1:{port}/cam/{i}" for i in range(6)]
        process = subprocess.Popen(
            [sys.executable, "-m", "qarauyl", "probe", "--timeout", "30", "--concurrency", "2", *urls],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)  # the workers are up and two probes wait on the silent port
        start = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert time.monotonic() - start < 6, "waited for the probes' timeouts"
    assert process.returncode == 130, out + err
    assert "Interrupted." in err
