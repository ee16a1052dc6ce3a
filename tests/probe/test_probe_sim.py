"""The probe against Qarauyl's own camera simulator (qarauyl.sim): healthy cameras and stream faults."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

import av
import pytest

from qarauyl.probe import ProbeJob, ProbePool, probe_snapshot, run_job
from qarauyl.sim.harness import Simulator, run_simulator

pytestmark = pytest.mark.slow

FAULTS = {2: "offline", 3: "no_answer", 4: "auth_failed", 5: "unavailable", 7: "no_signal", 8: "corrupted"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    cache = tmp_path_factory.mktemp("sim-cache")
    with run_simulator(
        8, cache_dir=cache, password="Sim-Pa55:word", faults=FAULTS, max_lifetime=300
    ) as simulator:
        yield simulator


def _job(sim: Simulator, cam_id: int, **kwargs: object) -> ProbeJob:
    user, password = sim.credentials(cam_id)
    return ProbeJob(sim.rtsp_url(cam_id), user, password, **kwargs)  # type: ignore[arg-type]


def test_healthy_simulated_cameras(sim: Simulator, pool: ProbePool) -> None:
    results = list(pool.map([_job(sim, cam, timeout=10, frames=5) for cam in (1, 6)]))
    for result in results:
        assert result.ok, result.error
        assert result.stream is not None
        assert (result.stream.codec, result.stream.width, result.stream.height) == ("h264", 640, 360)
        assert result.stream.fps == pytest.approx(25, rel=0.1)
        assert len(result.frames) == 5


def test_corrupted_stream_counts_decode_errors(sim: Simulator, pool: ProbePool) -> None:
    clean, corrupted = pool.map([_job(sim, 1, timeout=10, frames=8), _job(sim, 8, timeout=10, frames=8)])
    assert clean.ok and corrupted.ok  # a damaged picture still arrives: diagnosis judges it
    assert clean.stream is not None and clean.stream.decode_errors == 0
    assert corrupted.stream is not None and corrupted.stream.decode_errors >= 2


def test_ffmpeg_error_reports_stay_on_until_the_last_of_overlapping_probes_ends(sim: Simulator) -> None:
    """A probe captures FFmpeg's error reports (how some decoders say a picture was damaged). In a worker
    several run at once: the first to finish must not turn the reports off under one still reading."""
    from qarauyl.probe.rtsp import _ERROR_LOG

    previous = av.logging.get_level()
    seen: list[int | None] = []

    def another_probe_starts(stage: str) -> None:
        if stage == "first_frame":  # this probe is reading: another starts and outlasts it
            seen.append(av.logging.get_level())
            _ERROR_LOG.acquire()

    try:
        av.logging.set_level(None)  # PyAV's default: FFmpeg's log off
        assert run_job(_job(sim, 1, timeout=10, frames=2), another_probe_starts).ok
        assert seen == [av.logging.ERROR]
        assert av.logging.get_level() == av.logging.ERROR  # still on for the other
        _ERROR_LOG.release()  # the other ends
        assert av.logging.get_level() is None  # the level found before the first comes back
    finally:
        av.logging.set_level(previous)


def test_ffmpeg_reports_of_a_failed_setup_stay_inside_the_probe_while_another_reads(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """While one probe of the process reads (FFmpeg's error log on), another that fails to set up its
    stream reports it in its result, not as FFmpeg's raw line on the monitor's console."""
    from qarauyl.probe.rtsp import _ERROR_LOG

    previous = av.logging.get_level()
    _ERROR_LOG.acquire()  # another probe is reading
    try:
        with caplog.at_level(logging.DEBUG, logger="libav"):
            result = run_job(replace(_job(sim, 1, timeout=10), password="not-it"))
    finally:
        _ERROR_LOG.release()
        av.logging.set_level(previous)
    assert result.error is not None and result.error.code == "auth_failed"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("libav")] == []


def test_wrong_password_on_the_simulator_is_auth_failed(sim: Simulator, pool: ProbePool) -> None:
    result = pool.submit(sim.rtsp_url(1), username="admin", password="not-it", timeout=10).result()
    assert result.error is not None and result.error.code == "auth_failed"
    assert "not-it" not in repr(result) + result.error.message


@pytest.mark.parametrize(
    ("cam_id", "code", "cause"),
    [
        (2, "offline", "silent"),
        (3, "offline", "silent"),
        (4, "auth_failed", "credentials"),
        (5, "stream_error", "rejected"),
    ],
)
def test_stream_faults_are_classified(
    sim: Simulator, pool: ProbePool, cam_id: int, code: str, cause: str
) -> None:
    restarts = pool.restarts
    start = time.monotonic()
    result = pool.submit_job(_job(sim, cam_id, timeout=2.5)).result()
    elapsed = time.monotonic() - start
    assert result.error is not None and result.error.code == code, result.error
    assert result.error.cause == cause, result.error
    # A camera that never answers costs only its timeout: the probe's own deadlines end it, not the
    # pool's hard deadline (2.5 s + the 2 s grace), which would kill and replace the worker. Judged on
    # the probe's own clock and the worker count, not the wall clock, which a loaded machine stretches.
    assert pool.restarts == restarts and "the probe was stopped" not in result.error.message
    assert result.timings.total_ms <= 2.5e3 + 500, result.timings
    assert elapsed < 2.5 + 2.0


def test_stalled_stream_is_stream_error(sim: Simulator, pool: ProbePool) -> None:
    sim.set_fault(6, "stall", after_frames=3)
    try:
        result = pool.submit_job(_job(sim, 6, timeout=6, frames=10)).result()
    finally:
        sim.clear_fault(6)
    assert result.error is not None and result.error.code == "stream_error", result.error
    assert "stopped after" in result.error.message or "no video" in result.error.message


def test_simulator_snapshot_url(sim: Simulator) -> None:
    user, password = sim.credentials(1)
    result = probe_snapshot(sim.snapshot_url(1), username=user, password=password, timeout=10)
    assert result.ok, result.error
    assert result.frames[0].shape == (360, 640, 3)


def test_probe_cli_reports_diagnosis_findings(sim: Simulator) -> None:
    user, password = sim.credentials(1)
    done = subprocess.run(
        [sys.executable, "-m", "qarauyl", "probe", "--json", "--username", user, "--frames", "6",
         sim.rtsp_url(1), sim.rtsp_url(7), sim.rtsp_url(2)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "QARAUYL_PROBE_PASSWORD": password},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # camera 2 is offline
    healthy, black, offline = (json.loads(line) for line in done.stdout.splitlines())
    assert healthy["ok"] and healthy["findings"] == []
    assert black["ok"] and [f["code"] for f in black["findings"]] == ["no_signal"]
    assert black["findings"][0]["severity"] == "critical"
    assert not offline["ok"] and offline["error"]["code"] == "offline" and offline["findings"] == []
    assert offline["error"]["cause"] == "silent"  # the simulator drops an offline camera's connection
    assert password not in done.stdout + done.stderr


def test_h265_camera_over_udp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """H.265 is what many newer CCTV cameras send; RTP over UDP is what many NVRs use."""
    cache = tmp_path_factory.mktemp("sim-h265")
    with run_simulator(1, cache_dir=cache, password="pw-h265", codec="h265", max_lifetime=120) as simulator:
        user, password = simulator.credentials(1)
        result = run_job(
            ProbeJob(simulator.rtsp_url(1), user, password, timeout=10, frames=3, transport="udp")
        )
    assert result.ok, result.error
    assert result.stream is not None
    assert (result.stream.codec, result.stream.width, result.stream.height) == ("hevc", 640, 360)
    assert len(result.frames) == 3 and result.stream.decode_errors == 0
