"""Real RTSP clients read the simulator as they would a camera: FFmpeg's ffprobe and ffmpeg, GStreamer's
rtspsrc, PyAV; over TCP and UDP; with Digest and Basic auth; H.264 and H.265; 401 for wrong credentials."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import av
import cv2
import httpx
import numpy as np
import pytest
from sim_rtsp_client import decode_units, stream

from qarauyl.sim import Simulator, run_simulator

pytestmark = pytest.mark.slow
PASSWORD = "s3cret:p@ss"  # characters that need quoting in a URL
SCENARIO = """
[[cameras]]
ids = 9
auth = "basic"

[[cameras]]
ids = 10
codec = "h265"

[[cameras]]
ids = 11
width = 1920
height = 1080
fps = 10
gop = 10

[[cameras]]
ids = 12
video = "{video}"
"""
FOOTAGE = Path(__file__).resolve().parents[3] / "shared" / "footage" / "car-detection.mp4"
# camera -> (codec name as FFmpeg reports it, width, height)
EXPECTED = {1: ("h264", 640, 360), 10: ("hevc", 640, 360), 11: ("h264", 1920, 1080)}


@pytest.fixture(scope="module")
def sim(sim_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    scenario = tmp_path_factory.mktemp("scenario") / "clients.toml"
    scenario.write_text(SCENARIO.format(video=FOOTAGE))
    with run_simulator(12, cache_dir=sim_cache, password=PASSWORD, scenario=scenario) as s:
        yield s


def url(sim: Simulator, cam: int, password: str = PASSWORD) -> str:
    return sim.rtsp_url(cam).replace("rtsp://", f"rtsp://admin:{quote(password, safe='')}@")


def run(args: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("cam", sorted(EXPECTED))
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_ffprobe_reports_codec_and_resolution(sim: Simulator, cam: int, transport: str) -> None:
    r = run(
        [
            "ffprobe",
            "-v",
            "error",
            "-rtsp_transport",
            transport,
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "json",
            url(sim, cam),
        ]
    )
    assert r.returncode == 0, r.stderr
    (s,) = json.loads(r.stdout)["streams"]
    assert (s["codec_name"], s["width"], s["height"]) == EXPECTED[cam]


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_ffmpeg_decodes_frames(sim: Simulator, transport: str) -> None:
    r = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-rtsp_transport",
            transport,
            "-i",
            url(sim, 1),
            "-frames:v",
            "15",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().strip() == ""  # not a single decoder complaint
    frames = np.frombuffer(r.stdout, np.uint8).reshape(-1, 360, 640, 3)
    assert len(frames) == 15
    assert frames[-1].std() > 20  # a picture, not a flat field


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_gstreamer_rtspsrc(sim: Simulator, transport: str) -> None:
    r = run(
        [
            "gst-launch-1.0",
            "-v",
            "rtspsrc",
            f"location={sim.rtsp_url(1)}",
            "user-id=admin",
            f"user-pw={PASSWORD}",
            f"protocols={transport}",
            "!",
            "rtph264depay",
            "!",
            "h264parse",
            "!",
            "avdec_h264",
            "!",
            "fakesink",
            "num-buffers=15",
        ]
    )
    assert "width=(int)640" in r.stdout and "height=(int)360" in r.stdout
    assert "video/x-raw" in r.stdout  # decoded frames reached the sink
    _assert_decoded_to_the_end(r)


def _assert_decoded_to_the_end(r: subprocess.CompletedProcess[str]) -> None:
    # Every buffer asked for reached the sink: only then does fakesink end the stream.
    assert 'Got EOS from element "pipeline0"' in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    assert r.returncode == 0 or _only_teardown_errors(r.stderr), r.stdout[-2000:] + r.stderr[-2000:]


def _only_teardown_errors(stderr: str) -> bool:
    """GStreamer's rtspsrc, stopped by an EOS, sometimes fails its own PAUSE with "Received end-of-file"
    (about 1 run in 10, never with its debug log on). Our server drops nobody then: it closes only after
    reading the client's end of the connection, a race inside the client's shutdown. The server's PAUSE is
    tested with our own client (test_fleet). Any other error counts."""
    errors = [line for line in stderr.splitlines() if line.startswith("ERROR:")]
    return (
        bool(errors)
        and "Received end-of-file" in stderr
        and all("Could not write to resource" in line for line in errors)
        and "gst_rtspsrc_pause" in stderr
    )


def test_gstreamer_basic_auth_and_h265(sim: Simulator) -> None:
    r = run(
        [
            "gst-launch-1.0",
            "rtspsrc",
            f"location={sim.rtsp_url(9)}",
            "user-id=admin",
            f"user-pw={PASSWORD}",
            "protocols=tcp",
            "!",
            "rtph264depay",
            "!",
            "h264parse",
            "!",
            "avdec_h264",
            "!",
            "fakesink",
            "num-buffers=5",
        ]
    )
    _assert_decoded_to_the_end(r)
    r = run(
        [
            "gst-launch-1.0",
            "-v",
            "rtspsrc",
            f"location={sim.rtsp_url(10)}",
            "user-id=admin",
            f"user-pw={PASSWORD}",
            "protocols=tcp",
            "!",
            "rtph265depay",
            "!",
            "h265parse",
            "!",
            "avdec_h265",
            "!",
            "fakesink",
            "num-buffers=5",
        ]
    )
    _assert_decoded_to_the_end(r)
    assert "video/x-h265" in r.stdout


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_pyav_decodes(sim: Simulator, transport: str) -> None:
    with av.open(url(sim, 11), options={"rtsp_transport": transport}, timeout=10.0) as container:
        s = container.streams.video[0]
        assert s.codec_context.name == "h264"
        frames = []
        for frame in container.decode(s):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == 5:
                break
    assert frames[-1].shape == (1080, 1920, 3)


def test_basic_auth_camera_with_ffprobe(sim: Simulator) -> None:
    r = run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", url(sim, 9)])
    assert r.returncode == 0 and r.stdout.strip() == "h264", r.stderr


@pytest.mark.parametrize("cam", [1, 9])  # Digest and Basic
def test_wrong_credentials_get_401_from_every_client(sim: Simulator, cam: int) -> None:
    bad = url(sim, cam, "wrong")
    r = run(["ffprobe", "-v", "error", bad])
    assert r.returncode != 0 and "401 Unauthorized" in r.stderr
    r = run(["ffmpeg", "-v", "error", "-i", bad, "-frames:v", "1", "-f", "null", "-"])
    assert r.returncode != 0 and "401 Unauthorized" in r.stderr
    r = run(
        [
            "gst-launch-1.0",
            "rtspsrc",
            f"location={sim.rtsp_url(cam)}",
            "user-id=admin",
            "user-pw=wrong",
            "protocols=tcp",
            "!",
            "fakesink",
        ]
    )
    assert r.returncode != 0 and "Unauthorized" in r.stdout + r.stderr
    with pytest.raises(av.error.HTTPUnauthorizedError):
        av.open(bad, options={"rtsp_transport": "tcp"}, timeout=10.0)
    response, _ = asyncio.run(stream(sim.host, sim.port, f"/cam/{cam}", None, None))
    assert response.status == 401
    expected = "Digest" if cam == 1 else "Basic"
    assert response.headers["www-authenticate"].startswith(expected)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_rtp_is_clean_and_decodes(sim: Simulator, transport: str) -> None:
    """Sequence numbers without gaps, marker bits closing frames, 90 kHz steps of 1/fps, decodable."""
    response, st = asyncio.run(
        stream(
            sim.host, sim.port, "/cam/2", "admin", PASSWORD, transport=transport, seconds=2.0, keep_units=30
        )
    )
    assert response.status == 200
    assert "rtptime=" in response.headers["rtp-info"]
    assert st.seq_errors == 0 and st.ts_errors == 0 and st.bad_packets == 0
    assert 40 <= st.frames <= 60  # 25 fps for 2 s
    steps = {(b - a) & 0xFFFFFFFF for a, b in zip(st.timestamps, st.timestamps[1:], strict=False)}
    assert steps == {3600}  # 90000 / 25
    frames, errors = decode_units("h264", st.access_units)
    assert errors == 0 and len(frames) == 30 and frames[0].shape == (360, 640, 3)


def test_snapshot_endpoint_uses_camera_credentials(sim: Simulator) -> None:
    assert httpx.get(sim.snapshot_url(1), timeout=10).status_code == 401
    assert httpx.get(sim.snapshot_url(1), auth=httpx.DigestAuth("admin", "x"), timeout=10).status_code == 401
    r = httpx.get(sim.snapshot_url(1), auth=httpx.DigestAuth("admin", PASSWORD), timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (360, 640, 3)
    r = httpx.get(sim.snapshot_url(9), auth=httpx.BasicAuth("admin", PASSWORD), timeout=10)
    assert r.status_code == 200


def test_control_api(sim: Simulator) -> None:
    api = httpx.Client(base_url=sim.control_url, timeout=60)
    spec = api.get("/openapi.json").json()
    for path in (
        "/cameras",
        "/cameras/{cam_id}/faults",
        "/cameras/{cam_id}/credentials",
        "/cam/{cam_id}/snapshot.jpg",
        "/health",
        "/faults",
    ):
        assert path in spec["paths"]
    cams = api.get("/cameras", params={"offset": 8, "limit": 3}).json()
    assert [c["id"] for c in cams] == [9, 10, 11]
    assert cams[0]["auth"] == "basic" and cams[1]["codec"] == "h265" and cams[2]["width"] == 1920
    assert api.get("/cameras/99").status_code == 404
    r = api.post("/cameras/3/faults", json={"fault": "blurry"})
    assert r.status_code == 422 and "blurry" in r.text
    r = api.post("/cameras/3/faults", json={"fault": "stall", "params": {"frames": 3}})
    assert r.status_code == 422 and "frames" in r.text
    assert api.get("/cameras/3/faults").json() == []
    catalogue = {f["fault"]: f for f in api.get("/faults").json()}
    assert catalogue["corrupted"]["family"] == "encoded" and catalogue["stall"]["params"] == {
        "after_frames": 25
    }


def test_user_video_as_scene(sim: Simulator) -> None:
    from qarauyl.sim.scenes import video_file_scene

    with av.open(url(sim, 12), options={"rtsp_transport": "tcp"}, timeout=10.0) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    # The stream starts on the video's first frame (each session starts at the clip's IDR picture).
    expected = next(video_file_scene(FOOTAGE, width=640, height=360, fps=25, seconds=0.1))
    assert first.shape == expected.shape
    assert float(np.abs(first.astype(int) - expected.astype(int)).mean()) < 12
