"""Hostile URLs and hostile servers must never make the probe read a local file.

The bait is a real, playable MPEG-TS file: if anything opened it, the probe would succeed with its
frames. Each test first shows that FFmpeg left to itself does read the bait (so the test can fail),
then that the probe does not.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import av
import pytest
from probe_servers import Route, http_camera

from qarauyl.probe import PROTOCOL_WHITELIST, ffmpeg_options, probe_http, probe_stream, run_job
from qarauyl.probe.job import ProbeJob


@pytest.fixture(scope="module")
def bait(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bait") / f"bait-{uuid.uuid4().hex}.ts"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-g",
            "5",
            "-f",
            "mpegts",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def _opens(url: str, options: dict[str, str] | None) -> bool:
    try:
        with av.open(url, options=options or {}, timeout=5) as container:
            return bool(container.streams.video)
    except av.error.FFmpegError:
        return False


@pytest.mark.parametrize("template", ["file:{p}", "{p}", "concat:{p}", "subfile"])
def test_ffmpeg_whitelist_blocks_local_protocols(bait: Path, template: str) -> None:
    url = template.format(p=bait)
    if template.startswith("subfile"):
        url = f"subfile,,start,0,end,{bait.stat().st_size},,:{bait}"
    assert _opens(url, None), "the bait must be readable without the whitelist, or this test proves nothing"
    assert not _opens(url, ffmpeg_options(scheme="http", timeout=2))
    assert not _opens(url, ffmpeg_options(scheme="rtsp", timeout=2))


@pytest.mark.parametrize(
    "template",
    [
        "file://{p}",
        "file:{p}",
        "{p}",
        "concat:{p}",
        "subfile,,start,0,end,0,,:{p}",
        "data:video/mp2t;base64,AAAA",
        "pipe:0",
        "udp://127.0.0.1:9/",
        "tcp://127.0.0.1:9/",
        "rtsp:{p}",
        "rtsp:///{p}",
    ],
)
def test_probe_refuses_non_camera_urls(bait: Path, template: str) -> None:
    result = run_job(ProbeJob(template.format(p=bait), timeout=3))
    assert not result.ok
    assert result.error is not None and result.error.code == "stream_error"
    assert result.error.cause == "url_rejected", result.error
    assert "URL rejected" in result.error.message
    assert result.frames == []


def _hls_playlist(target: str) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:1.0,\n{target}\n#EXT-X-ENDLIST\n"
    ).encode()


@pytest.mark.parametrize("target", ["file://{p}", "{p}", "concat:{p}", "file:{p}"])
def test_http_playlist_pointing_at_a_local_file_is_not_followed(bait: Path, target: str) -> None:
    playlist = _hls_playlist(target.format(p=bait))
    with http_camera({"/live.m3u8": Route(playlist, "application/vnd.apple.mpegurl")}) as camera:
        result = probe_http(f"{camera.base}/live.m3u8", timeout=4)
    assert not result.ok
    assert result.error is not None and result.error.code == "stream_error"
    assert result.frames == [] and result.stream is None


def test_a_playlist_would_read_the_bait_if_file_were_whitelisted(bait: Path) -> None:
    """Positive control: FFmpeg's HLS demuxer does follow an http playlist to file:// when the
    whitelist lets it, so the whitelist (without `file`) is what stops it in the tests above."""
    playlist = _hls_playlist(f"file://{bait}")
    with http_camera({"/live.m3u8": Route(playlist, "application/vnd.apple.mpegurl")}) as camera:
        options = ffmpeg_options(scheme="http", timeout=4)
        options["protocol_whitelist"] = PROTOCOL_WHITELIST + ",file"
        with av.open(f"{camera.base}/live.m3u8", options=options, timeout=4) as container:
            assert sum(1 for _ in container.decode(video=0)) > 0


def test_http_sdp_pointing_elsewhere_is_refused(bait: Path) -> None:
    sdp = (
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"a=control:file://{bait}\r\nm=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    ).encode()
    with http_camera({"/cam.sdp": Route(sdp, "application/sdp")}) as camera:
        result = probe_stream(f"{camera.base}/cam.sdp", timeout=4)
    assert result.error is not None and result.error.code == "stream_error"
    assert result.timings.total_ms < 4500
    assert result.frames == []


def test_redirect_to_a_local_file_is_not_followed(bait: Path) -> None:
    with http_camera(
        {"/snap.jpg": Route(b"", "text/plain", status=302, headers={"Location": f"file://{bait}"})}
    ) as cam:
        result = run_job(ProbeJob(f"{cam.base}/snap.jpg", timeout=4))
    assert result.error is not None and result.error.code == "stream_error"
    assert "302" in result.error.message


def test_an_http_stream_server_is_probed_when_it_serves_video(bait: Path) -> None:
    """The positive control for the playlist tests: the same server serving the bait's bytes over
    HTTP is read, so the refusals above come from the whitelist, not from a broken setup."""
    with http_camera({"/live.ts": Route(bait.read_bytes(), "video/mp2t")}) as camera:
        result = probe_http(f"{camera.base}/live.ts", timeout=5, frames=3)
    assert result.ok, result.error
    assert result.kind == "http_stream"
    assert result.stream is not None and (result.stream.width, result.stream.height) == (320, 240)
