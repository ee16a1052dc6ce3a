"""One simulator of 1,000 cameras: every stream fault as specified, misbehaving clients dropped without
hurting others, 1,000 cameras answering DESCRIBE and 200 clients streaming at once."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from sim_rtsp_client import RtspClient, decode_units, stream

from qarauyl.sim import Simulator, run_simulator

pytestmark = pytest.mark.slow
PW = "pw"
TIMEOUTS = 1.5  # the simulator's idle and request timeouts in this module
SESSION = 3  # RTSP session timeout: a playing UDP session without keep-alive ends after 2x


@pytest.fixture(scope="module")
def sim(sim_cache: Path) -> Iterator[Simulator]:
    with run_simulator(
        1000,
        cache_dir=sim_cache,
        password=PW,
        idle_timeout=TIMEOUTS,
        request_timeout=TIMEOUTS,
        session_timeout=SESSION,
    ) as s:
        yield s


def play(sim: Simulator, cam: int, seconds: float = 1.5, **kw: object):  # type: ignore[no-untyped-def]
    return asyncio.run(stream(sim.host, sim.port, f"/cam/{cam}", "admin", PW, seconds=seconds, **kw))  # type: ignore[arg-type]


async def describe(sim: Simulator, cam: int, password: str = PW, timeout: float = 10.0) -> int:
    client = RtspClient(sim.host, sim.port, "admin", password, timeout=timeout)
    try:
        await client.connect()
        r = await client.request("DESCRIBE", sim.rtsp_url(cam))
        if r.status == 200:
            assert b"sprop-parameter-sets=" in r.body and b"m=video" in r.body
        return r.status
    finally:
        await client.close()


def ffprobe(sim: Simulator, cam: int) -> dict[str, object]:
    url = sim.rtsp_url(cam).replace("rtsp://", f"rtsp://admin:{PW}@")
    r = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-rtsp_transport",
            "tcp",
            "-show_entries",
            "stream=width,height",
            "-of",
            "json",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return {"rc": r.returncode, "stderr": r.stderr, "streams": json.loads(r.stdout or "{}").get("streams")}


@pytest.fixture
def cam(request: pytest.FixtureRequest, sim: Simulator) -> Iterator[int]:
    """A camera of its own for each test (ids 501..), cleared afterwards."""
    cam_id = 501 + zlib.crc32(request.node.name.encode()) % 400
    yield cam_id
    sim.clear_fault(cam_id)


# --- scale -------------------------------------------------------------------------------------------


def test_1000_cameras_answer_describe(sim: Simulator) -> None:
    async def all_cameras() -> list[int]:
        gate = asyncio.Semaphore(100)

        async def one(cam_id: int) -> int:
            async with gate:
                return await describe(sim, cam_id)

        return await asyncio.gather(*(one(i) for i in range(1, 1001)))

    started = time.monotonic()
    statuses = asyncio.run(all_cameras())
    assert statuses == [200] * 1000
    assert time.monotonic() - started < 60


def test_200_concurrent_clients_stream_without_errors(sim: Simulator) -> None:
    async def clients() -> list[tuple[object, object]]:
        return await asyncio.gather(
            *(
                stream(
                    sim.host,
                    sim.port,
                    f"/cam/{i}",
                    "admin",
                    PW,
                    transport="udp" if i % 4 == 0 else "tcp",
                    seconds=3.0,
                    timeout=30.0,
                )
                for i in range(1, 201)
            )
        )

    results = asyncio.run(clients())
    assert [r.status for r, _ in results] == [200] * 200  # type: ignore[attr-defined]
    stats = [s for _, s in results]
    assert sum(s.seq_errors + s.ts_errors + s.bad_packets for s in stats) == 0  # type: ignore[attr-defined]
    frames = sorted(s.frames for s in stats)  # type: ignore[attr-defined]
    assert frames[0] >= 45, frames[:10]  # 25 fps for 3 s, with start-up under load


# --- stream faults -----------------------------------------------------------------------------------


def test_offline_resets_the_connection_and_spares_others(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "offline")
    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        asyncio.run(describe(sim, cam))
    # FFmpeg sees the reset as a failed read ("Invalid data found when processing input").
    assert ffprobe(sim, cam)["rc"] != 0
    answer, _ = raw_exchange(sim, f"OPTIONS {sim.rtsp_url(cam)} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
    assert answer == b""  # not a byte of RTSP, only the reset
    assert asyncio.run(describe(sim, cam + 1)) == 200
    sim.clear_fault(cam)
    assert asyncio.run(describe(sim, cam)) == 200


def test_offline_set_while_streaming_cuts_the_stream(sim: Simulator, cam: int) -> None:
    async def scenario() -> int:
        client = RtspClient(sim.host, sim.port, "admin", PW)
        await client.open(sim.rtsp_url(cam))
        await client.read_media(0.5)
        before = client.stats.frames
        await asyncio.to_thread(sim.set_fault, cam, "offline")
        with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
            await client.read_media(2.0)
        await client.close()
        return before

    assert asyncio.run(scenario()) > 5


def test_no_answer_accepts_and_stays_silent(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "no_answer")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        asyncio.run(describe(sim, cam, timeout=2.0))
    assert time.monotonic() - started >= 1.9


def test_auth_failed_and_password_change(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "auth_failed")
    assert asyncio.run(describe(sim, cam)) == 401
    sim.clear_fault(cam)
    assert asyncio.run(describe(sim, cam)) == 200
    sim.set_password(cam, "rotated")
    try:
        assert asyncio.run(describe(sim, cam)) == 401
        assert asyncio.run(describe(sim, cam, password="rotated")) == 200
    finally:
        sim.set_password(cam, PW)


def test_unavailable_answers_503(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "unavailable")
    assert asyncio.run(describe(sim, cam)) == 503


def test_stall_after_n_frames_keeps_the_session(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "stall", after_frames=10)
    response, st = play(sim, cam, seconds=1.5)
    assert response.status == 200 and st.frames == 10


def test_slow_start_delays_the_first_frame(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "slow_start", delay_s=1.5)
    _, st = play(sim, cam, seconds=2.5)
    assert st.first_packet_s is not None and st.first_packet_s >= 1.45
    _, normal = play(sim, cam + 1, seconds=0.5)
    assert normal.first_packet_s is not None and normal.first_packet_s < 1.0


def test_lower_resolution_fps_bitrate_than_profile(sim: Simulator, cam: int) -> None:
    _, normal = play(sim, cam, seconds=2.0)
    normal_bytes = normal.octets
    sim.set_fault(cam, "low_resolution")
    assert ffprobe(sim, cam)["streams"] == [{"width": 320, "height": 180}]
    sim.clear_fault(cam)
    sim.set_fault(cam, "low_fps")
    _, st = play(sim, cam, seconds=2.0)
    steps = {(b - a) & 0xFFFFFFFF for a, b in zip(st.timestamps, st.timestamps[1:], strict=False)}
    assert steps == {18000} and 8 <= st.frames <= 12  # 5 fps
    sim.clear_fault(cam)
    sim.set_fault(cam, "low_bitrate")
    _, st = play(sim, cam, seconds=2.0)
    assert st.octets < normal_bytes / 3
    assert sim.camera(cam)["width"] == 640


def test_flapping_goes_up_and_down(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "flapping", period_s=1.0, down_fraction=0.5)
    outcomes = set()
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and len(outcomes) < 2:
        try:
            outcomes.add(asyncio.run(describe(sim, cam)))
        except (ConnectionResetError, asyncio.IncompleteReadError):
            outcomes.add("reset")
        time.sleep(0.15)
    assert outcomes == {200, "reset"}


def test_corrupted_gives_real_decoder_errors(sim: Simulator, cam: int) -> None:
    sim.set_fault(cam, "corrupted", strength=0.8)
    url = sim.rtsp_url(cam).replace("rtsp://", f"rtsp://admin:{PW}@")
    r = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "warning",
            "-rtsp_transport",
            "tcp",
            "-i",
            url,
            "-frames:v",
            "30",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0
    assert "corrupt" in r.stderr or "concealing" in r.stderr or "error" in r.stderr.lower(), r.stderr
    _, st = play(sim, cam, seconds=1.0)
    assert st.seq_errors == 0  # the damage is inside the bitstream; RTP itself is intact


def test_picture_fault_switches_live_without_breaking_rtp(sim: Simulator, cam: int) -> None:
    async def scenario() -> tuple[list[np.ndarray], int]:
        client = RtspClient(sim.host, sim.port, "admin", PW)
        client.keep_units = 10_000
        await client.open(sim.rtsp_url(cam))
        await client.read_media(1.0)
        await asyncio.to_thread(sim.set_fault, cam, "blur", 1.0)
        await client.read_media(1.0)
        await client.close()
        frames, errors = decode_units("h264", client.stats.access_units)
        return frames, errors + client.stats.seq_errors + client.stats.ts_errors

    frames, errors = asyncio.run(scenario())
    assert errors == 0

    def sharpness(f: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())

    assert sharpness(frames[-1]) < sharpness(frames[5]) / 4


# --- misbehaving clients -----------------------------------------------------------------------------


def raw_exchange(sim: Simulator, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Sends bytes, reads until the server closes; returns (answer, seconds until closed)."""
    with socket.create_connection((sim.host, sim.port), timeout=wait) as s:
        started = time.monotonic()
        if data:
            s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        return b"".join(chunks), time.monotonic() - started


def test_misbehaving_clients_are_dropped_without_hurting_others(sim: Simulator) -> None:
    async def good_stream() -> object:
        return await stream(sim.host, sim.port, "/cam/7", "admin", PW, seconds=4.0)

    async def scenario() -> tuple[object, list[tuple[bytes, float]]]:
        task = asyncio.create_task(good_stream())
        await asyncio.sleep(0.3)
        bad = await asyncio.gather(
            asyncio.to_thread(raw_exchange, sim, b"\x16\x03\x01\x02\x00garbage\r\n\r\n"),
            asyncio.to_thread(raw_exchange, sim, b"DESCRIBE rtsp://x/cam/1 RTSP/1.0\r\nX: " + b"a" * 20000),
            asyncio.to_thread(raw_exchange, sim, b""),  # half-open: connects, says nothing
            asyncio.to_thread(
                raw_exchange, sim, b"DESCRIBE rtsp://x/cam/1 RTSP/1.0\r\nCSeq: 1\r\n"
            ),  # unfinished
            asyncio.to_thread(
                raw_exchange, sim, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: x\r\n\r\n"
            ),
        )
        return await task, bad

    (response, st), bad = asyncio.run(scenario())  # type: ignore[misc]
    garbage, oversized, silent, unfinished, bad_length = bad
    # Dropped for what they sent, not by the idle timeout.
    assert garbage[0].startswith(b"RTSP/1.0 400") and garbage[1] < TIMEOUTS - 0.2
    assert oversized[0].startswith(b"RTSP/1.0 431") and oversized[1] < TIMEOUTS - 0.2
    assert silent[0] == b"" and TIMEOUTS - 0.2 < silent[1] < TIMEOUTS + 2.0
    assert unfinished[0] == b"" and TIMEOUTS - 0.2 < unfinished[1] < TIMEOUTS + 2.0
    assert bad_length[0].startswith(b"RTSP/1.0 400")
    assert response.status == 200  # type: ignore[attr-defined]
    assert st.seq_errors == 0 and st.frames >= 85  # type: ignore[attr-defined]


def test_unknown_cameras_and_methods(sim: Simulator) -> None:
    assert asyncio.run(describe(sim, 1001)) == 404
    answer, _ = raw_exchange(
        sim, b"DESCRIBE rtsp://x/elsewhere RTSP/1.0\r\nCSeq: 5\r\n\r\n", wait=TIMEOUTS + 3
    )
    assert answer.startswith(b"RTSP/1.0 404") and b"CSeq: 5" in answer
    answer, _ = raw_exchange(sim, b"DESCRIBE rtsp://x/cam/1 HTTP/1.1\r\nCSeq: 2\r\n\r\n")
    assert answer.startswith(b"RTSP/1.0 505")


# --- scenario timeline and CLI errors ----------------------------------------------------------------


def test_scenario_timeline(sim_cache: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "timeline.toml"
    scenario.write_text(
        '[[events]]\nat = 0.5\ncameras = "2-3"\nset = "blur"\nstrength = 0.5\n\n'
        '[[events]]\nat = 2.0\ncameras = 2\nclear = "blur"\n'
    )
    with run_simulator(3, cache_dir=sim_cache, scenario=scenario) as s:
        assert s.camera(2)["faults"] == []
        time.sleep(1.2)
        assert [f["fault"] for f in s.camera(2)["faults"]] == ["blur"]
        time.sleep(1.5)
        assert s.camera(2)["faults"] == [] and [f["fault"] for f in s.camera(3)["faults"]] == ["blur"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scene", "/nonexistent/scene.mp4"], "/nonexistent/scene.mp4: scene: no such file"),
        (["--fault", "3=blurr"], "unknown fault 'blurr'"),
        (["--fault", "30=blur", "--cameras", "5"], "camera 30 does not exist"),
        (["--codec", "vp8"], "unknown codec 'vp8'"),
    ],
)
def test_cli_bad_input_is_named(tmp_path: Path, args: list[str], message: str) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "qarauyl",
            "sim",
            "serve",
            "--port",
            "0",
            "--control-port",
            "0",
            "--cache-dir",
            str(tmp_path),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_successive_sessions_and_snapshots_show_different_moments(sim: Simulator, cam: int) -> None:
    """A live camera never shows the same picture to two successive probes (diagnosis relies on it to
    tell a frozen encoder); a frozen one does."""

    def first_picture() -> np.ndarray:
        _, st = play(sim, cam, seconds=0.3, keep_units=1)
        frames, errors = decode_units("h264", st.access_units)
        assert errors == 0 and len(frames) == 1
        return frames[0]

    a, b, c = first_picture(), first_picture(), first_picture()
    assert not np.array_equal(a, b) and not np.array_equal(b, c)
    shots = [
        httpx.get(sim.snapshot_url(cam), auth=httpx.DigestAuth("admin", PW), timeout=10).content
        for _ in range(3)
    ]
    assert shots[0] != shots[1] and shots[1] != shots[2]
    sim.set_fault(cam, "frozen")
    f1, f2 = first_picture(), first_picture()
    assert float(np.abs(f1.astype(int) - f2.astype(int)).mean()) < 1.0


def test_keepalive_pause_teardown_and_protocol_errors(sim: Simulator) -> None:
    async def scenario() -> None:
        client = RtspClient(sim.host, sim.port, "admin", PW)
        url = sim.rtsp_url(8)
        assert (await client.open(url)).status == 200
        await client.read_media(0.5)
        r = await client.request("GET_PARAMETER", url + "/")  # answered between media packets
        assert r.status == 200 and r.headers["session"] == client.session
        r = await client.request("PAUSE", url + "/")
        assert r.status == 200
        paused_at = client.stats.frames
        await client.read_media(0.5)
        assert client.stats.frames <= paused_at + 1
        assert (await client.request("PLAY", url + "/")).status == 200
        await client.read_media(0.5)
        assert client.stats.frames > paused_at + 5 and client.stats.seq_errors == 0
        session = client.session
        client.session = "NOSUCHSESSION"
        assert (await client.request("PLAY", url + "/")).status == 454
        client.session = session
        assert (await client.request("TEARDOWN", url + "/")).status == 200
        client.session = None
        r = await client.request("SETUP", url + "/track1", {"Transport": "RTP/AVP;multicast;port=5000-5001"})
        assert r.status == 461
        r = await client.request("DESCRIBE", f"rtsp://admin:{PW}@{sim.host}:{sim.port}/cam/8")
        assert r.status == 200 and PW not in r.headers["content-base"]
        await client.close()

    asyncio.run(scenario())


def test_udp_sessions_live_on_keepalives_and_die_without(sim: Simulator) -> None:
    """FFmpeg sends GET_PARAMETER every timeout/2: its UDP stream outlives twice the session timeout. A
    client that never sends a keep-alive loses its session (and connection) after 2x the timeout."""
    url = sim.rtsp_url(9).replace("rtsp://", f"rtsp://admin:{PW}@")
    seconds = 2 * SESSION + 2

    def ffmpeg() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["ffmpeg", "-v", "error", "-rtsp_transport", "udp", "-i", url, "-t", str(seconds),
             "-vf", "scale=32:18", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            capture_output=True,
            timeout=seconds + 20,
        )  # fmt: skip

    async def silent() -> tuple[int, float]:
        client = RtspClient(sim.host, sim.port, "admin", PW)
        await client.open(sim.rtsp_url(10), "udp")
        started = time.monotonic()
        assert client.reader is not None
        closed = await asyncio.wait_for(client.reader.read(1), 4 * SESSION)
        assert closed == b""  # the server closed the connection
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.3)
        frames = client.stats.frames
        await asyncio.sleep(0.5)
        assert client.stats.frames == frames  # and stopped sending media
        await client.close()
        return frames, elapsed

    async def both() -> tuple[subprocess.CompletedProcess[bytes], tuple[int, float]]:
        return await asyncio.gather(asyncio.to_thread(ffmpeg), silent())

    r, (frames, elapsed) = asyncio.run(both())
    assert r.returncode == 0 and r.stderr == b"", r.stderr
    # Every frame arrived: the stream did not end early when a keep-alive came due.
    assert len(r.stdout) // (32 * 18) >= 25 * seconds * 0.95
    assert frames > 25 * 2 * SESSION * 0.8
    assert 2 * SESSION - 0.5 < elapsed < 2 * SESSION + 2


def test_fleet_wide_faults(sim: Simulator) -> None:
    assert sim.set_fault_many("301-350", "low_fps", 0.5) == 50
    assert [f["fault"] for f in sim.camera(325)["faults"]] == ["low_fps"] and sim.camera(351)["faults"] == []
    assert sim.camera(350)["fps"] == 15.0
    assert sim.clear_fault_many("301-350") == 50
    assert sim.camera(325)["faults"] == [] and sim.camera(325)["fps"] == 25.0
    api = httpx.Client(base_url=sim.control_url, timeout=30)
    r = api.post("/fleet/faults", json={"cameras": "999-1001", "fault": "blur"})
    assert r.status_code == 404 and "1001" in r.text
    r = api.post("/fleet/faults", json={"cameras": "5-x", "fault": "blur"})
    assert r.status_code == 422 and "5-x" in r.text
    assert sim.camera(999)["faults"] == []  # nothing changed on a rejected request
