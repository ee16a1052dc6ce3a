"""Stream probing with PyAV: open a camera's RTSP (or HTTP video) stream under a deadline at every stage,
decode the first keyframe and a short burst, measure the stream, and classify failures.

Only network protocols are ever opened. The URL is checked on the way in (parse_stream_url) and FFmpeg
gets a protocol whitelist, so that neither the URL nor anything the server sends back (an SDP, an HLS
playlist, a redirect) can make FFmpeg read a local file. Credentials travel apart from the URL and are
put back in only for FFmpeg; results and messages carry the redacted URL, and any FFmpeg text is
scrubbed of the password before it is shown.

This runs in the calling process: one bad stream can hang or crash it. The monitor and the CLI call it
through ProbePool (pool.py), which runs it in worker processes with a hard deadline.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import av
import av.logging
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from qarauyl.domain.stream_url import parse_stream_url, redact_url, with_credentials
from qarauyl.probe.frames import (
    MAX_FRAME_HEIGHT,
    MAX_FRAME_WIDTH,
    encode_jpeg,
    fit_within,
    snapshot_size,
)
from qarauyl.probe.result import (
    AUTH_FAILED,
    OFFLINE,
    STREAM_ERROR,
    ErrorCode,
    ProbeCause,
    ProbeKind,
    ProbeResult,
    ProbeTimings,
    StreamFacts,
    failure,
)

# Network protocols only: RTSP and its RTP/UDP/TCP transports, TLS for rtsps/https, HTTP for RTSP
# tunnelling and HTTP cameras, crypto for AES-encrypted HLS segments (whose inner URL is checked
# against this same list). No file, pipe, fd, concat, subfile, data.
PROTOCOL_WHITELIST = "rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,crypto"
# Demuxers an http(s) camera URL may select by probing. Leaving out sdp (which would make FFmpeg wait
# for RTP pushed from anywhere), concat, image2 and mov (external data references) keeps a hostile
# server from steering FFmpeg towards demuxers that open further URLs.
HTTP_FORMAT_WHITELIST = "mpjpeg,mjpeg,jpeg_pipe,hls,mpegts,h264,hevc,flv,matroska,webm"

DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
TRANSPORTS = ("tcp", "udp")
MAX_FRAMES = 64  # frames kept per probe: bounds the memory of a probe whatever the caller asks
MAX_SOURCE_PIXELS = 7680 * 4320  # refuse to decode beyond 8K: a garbage SPS must not allocate gigabytes
MAX_PROBE_BYTES = 64 * 1024 * 1024  # compressed bytes read per probe before giving up
MAX_PACKETS_BEFORE_KEYFRAME = 2000
CONNECT_TIMEOUT = 5.0  # FFmpeg's own TCP connect gives up after 5 s too
RTSP_REPLY_LIMIT = 16 * 1024
STALL_TIMEOUT = 1.5  # seconds of silence taken for a stalled stream once it is playing

StageCallback = Callable[[str], None]
_THREAD = threading.local()


class _ErrorLog:
    """FFmpeg's log at ERROR level while any probe of this process reads a stream: its capture is how the
    decoders that do not flag a damaged picture report it. The level found before the first comes back
    after the last; restored by each probe instead, it was switched off under the others still reading
    wherever several ran at once (a worker's slots), and their damaged pictures went uncounted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readers = 0
        self._previous: int | None = None

    def acquire(self) -> None:
        with self._lock:
            if self._readers == 0:
                self._previous = av.logging.get_level()
                av.logging.set_level(av.logging.ERROR)
            self._readers += 1

    def release(self) -> None:
        with self._lock:
            self._readers -= 1
            if self._readers == 0:
                av.logging.set_level(self._previous)


_ERROR_LOG = _ErrorLog()


class _Failure(Exception):
    def __init__(self, code: ErrorCode, message: str, cause: ProbeCause) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.cause = cause


@dataclass
class _Clock:
    """The probe's one deadline; every stage gets what is left of it."""

    timeout: float
    start: float

    @classmethod
    def started(cls, timeout: float) -> _Clock:
        return cls(timeout=timeout, start=time.monotonic())

    def elapsed_ms(self) -> float:
        return (time.monotonic() - self.start) * 1000.0

    def remaining(self) -> float:
        return self.timeout - (time.monotonic() - self.start)


def ffmpeg_options(*, scheme: str, timeout: float, transport: str = "tcp") -> dict[str, str]:
    """The FFmpeg options for opening a camera URL: whitelist, socket timeout, quick start."""
    options = {
        "protocol_whitelist": PROTOCOL_WHITELIST,
        # Socket I/O timeout in microseconds (FFmpeg >= 5 calls it `timeout` for RTSP too; `stimeout`
        # is gone). PyAV's own interrupt callback (av.open timeout=) bounds the wall clock on top.
        "timeout": str(max(1, int(timeout * 1_000_000))),
        # Start decoding at once instead of buffering seconds of video to guess stream parameters:
        # the SDP (or the first keyframe) already says what we need, and we measure the rest.
        "probesize": "32",
        "analyzeduration": "0",
        "fpsprobesize": "0",
    }
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = transport
        options["allowed_media_types"] = "video"  # no audio SETUP: fewer round trips and bytes
    else:
        options["format_whitelist"] = HTTP_FORMAT_WHITELIST
    return options


def stream_options(*, scheme: str) -> list[dict[str, str]] | None:
    """Decoder options for FFmpeg's stream analysis at open (avformat_find_stream_info), RTSP only.

    That analysis decodes the first keyframe in a decoder of its own, only to learn the pixel format,
    and the probe then decodes the same keyframe again: a third of the CPU of opening and decoding a
    360p stream, half at 1080p (25 ms). The SDP and the keyframe's headers already give the codec and
    the size; skipping the analysis's picture decoding leaves just the pixel format unknown until the
    probe's own decoder reports it with the first picture. HTTP streams announce their streams only
    during that analysis, and PyAV refuses per-stream options for them.
    """
    return [{"skip_frame": "all"}] if scheme in ("rtsp", "rtsps") else None


def probe_stream(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
    transport: str = "tcp",
    frames: int = 8,
    on_stage: StageCallback | None = None,
    encode_snapshot: bool = True,
) -> ProbeResult:
    """Probes one stream in this process: connect, RTSP handshake, first keyframe, `frames` frames.
    With `encode_snapshot=False` the snapshot comes back as `snapshot_pixels` (BGR), not yet a JPEG.

    Never raises for a camera's fault: failures come back as a result with an error whose code is
    `offline`, `auth_failed` or `stream_error`. Raises ValueError for a bad `transport`/`timeout`.
    Credentials embedded in `url` are used when `username` is not given.
    """
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, got {transport!r}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    clock = _Clock.started(timeout)
    shown = redact_url(url.strip())
    try:
        parsed = parse_stream_url(url)
    except ValueError as exc:
        return failure(
            shown,
            STREAM_ERROR,
            f"URL rejected: {exc}",
            ProbeTimings(total_ms=clock.elapsed_ms()),
            cause="url_rejected",
        )
    user, secret = parsed.credentials(username, password)
    parts = urlsplit(parsed.url)
    scheme = parts.scheme
    kind: ProbeKind = "rtsp" if scheme in ("rtsp", "rtsps") else "http_stream"
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[scheme]
    stage = on_stage or (lambda _name: None)
    connect_ms: float | None = None
    handshake_ms: float | None = None

    def timings(first_frame_ms: float | None = None) -> ProbeTimings:
        return ProbeTimings(connect_ms, handshake_ms, first_frame_ms, clock.elapsed_ms())

    try:
        stage("connecting")
        _check_service(host, port, parsed.url if kind == "rtsp" and scheme == "rtsp" else None, clock)
        connect_ms = clock.elapsed_ms()
        stage("connected")
        container = _open(
            with_credentials(parsed.url, user, secret), scheme=scheme, transport=transport, clock=clock
        )
    except _Failure as fail:
        return failure(shown, fail.code, _scrub(fail.message, secret), timings(), cause=fail.cause, kind=kind)
    handshake_ms = clock.elapsed_ms()
    stage("handshake")
    try:
        grabbed = _grab(container, frames=max(1, min(frames, MAX_FRAMES)), clock=clock, on_stage=stage)
    except _Failure as fail:
        return failure(shown, fail.code, _scrub(fail.message, secret), timings(), cause=fail.cause, kind=kind)
    finally:
        # TEARDOWN on a connection the camera already dropped may fail; the pictures are what count.
        with contextlib.suppress(av.error.FFmpegError, OSError), av.logging.Capture(local=True):
            container.close()
    first_ms = grabbed.first_frame_ms
    facts = StreamFacts(
        codec=grabbed.codec,
        width=grabbed.width,
        height=grabbed.height,
        fps=grabbed.fps,
        bitrate_kbps=grabbed.bitrate_kbps,
        decode_errors=grabbed.decode_errors,
        frames_decoded=len(grabbed.frames),
        time_to_first_frame_ms=first_ms,
    )
    return ProbeResult(
        url=shown,
        stream=facts,
        frames=grabbed.frames,
        snapshot_jpeg=encode_jpeg(grabbed.snapshot_bgr) if encode_snapshot else None,
        snapshot_pixels=None if encode_snapshot else grabbed.snapshot_bgr,
        timings=timings(first_ms),
        kind=kind,
    )


def _check_service(host: str, port: int, rtsp_url: str | None, clock: _Clock) -> None:
    """TCP connect (and, for plain RTSP, an OPTIONS request) with our own timeouts.

    FFmpeg reports "Connection timed out" and "Immediate exit requested" alike for a dead host and a
    server that never answers; doing the first round trips ourselves tells them apart, and catches a
    port that answers with something that is not RTSP before FFmpeg tries to parse it.
    """
    budget = min(CONNECT_TIMEOUT, clock.remaining())
    if budget <= 0:
        raise _Failure(OFFLINE, "no time left to connect", "silent")
    addresses = _resolve(host, port, budget)
    try:
        sock = _connect(addresses, clock)
    except TimeoutError:
        raise _Failure(
            OFFLINE, f"no answer from {host} port {port} within {budget:.1f} s", "unreachable"
        ) from None
    except ConnectionRefusedError:
        raise _Failure(
            OFFLINE, f"{host} refused the connection on port {port} (nothing listening)", "refused"
        ) from None
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "network error")
        raise _Failure(OFFLINE, f"cannot connect to {host} port {port}: {reason}", "unreachable") from None
    with sock:
        if rtsp_url is None:
            return
        _rtsp_options(sock, rtsp_url, host, port, clock)


def _resolve(host: str, port: int, timeout: float) -> list[tuple[str, int]]:
    """The addresses of `host`, within `timeout`: getaddrinfo has no timeout of its own and a dead DNS
    server would hold the probe for the resolver's full retry cycle."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [(host, port)]
    found: list[tuple[str, int]] = []
    failed: list[str] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.extend(dict.fromkeys((str(info[4][0]), port) for info in infos))
        except (socket.gaierror, UnicodeError) as exc:
            failed.append(getattr(exc, "strerror", None) or str(exc) or "no address")

    # A daemon thread, abandoned on timeout: it ends when the resolver gives up.
    worker = threading.Thread(target=lookup, name="probe-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if found:
        return list(found)
    if failed:
        raise _Failure(OFFLINE, f"cannot resolve host {host!r} ({failed[0]})", "unresolved")
    raise _Failure(OFFLINE, f"the name server did not resolve {host!r} within {timeout:.1f} s", "unresolved")


def _connect(addresses: list[tuple[str, int]], clock: _Clock) -> socket.socket:
    """Connects to the first address that accepts (IPv6 and IPv4 alike), like create_connection."""
    last: OSError | None = None
    for address in addresses:
        remaining = min(CONNECT_TIMEOUT, clock.remaining())
        if remaining <= 0:
            raise TimeoutError
        try:
            return socket.create_connection(address, timeout=remaining)
        except OSError as exc:
            last = exc
    assert last is not None
    raise last


def _rtsp_options(sock: socket.socket, rtsp_url: str, host: str, port: int, clock: _Clock) -> None:
    request = f"OPTIONS {rtsp_url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: qarauyl-probe\r\n\r\n"
    reply = b""
    try:
        sock.settimeout(max(0.05, clock.remaining()))
        sock.sendall(request.encode("ascii", "replace"))
        while b"\r\n\r\n" not in reply and b"\n\n" not in reply and len(reply) < RTSP_REPLY_LIMIT:
            remaining = clock.remaining()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    except TimeoutError:
        if not reply:
            raise _Failure(
                OFFLINE,
                f"{host} port {port} accepted the connection but sent no RTSP answer "
                f"within {clock.timeout:.1f} s",
                "silent",
            ) from None
    except OSError as exc:
        if not reply:
            raise _Failure(
                OFFLINE, f"{host} port {port} dropped the connection ({exc.strerror})", "silent"
            ) from None
    if not reply:
        raise _Failure(OFFLINE, f"{host} port {port} closed the connection without an RTSP answer", "silent")
    if reply.startswith(b"HTTP/") or reply.lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
        # The usual mistake: the camera's web page (port 80 or 443) given as its stream, or a proxy between.
        # Some web servers answer a request line they cannot parse with a bare HTML page.
        raise _Failure(
            STREAM_ERROR,
            f"{host} port {port} answered in HTTP, not in RTSP: this is a web server (the camera's web "
            f"page or a proxy), not its RTSP port (usually 554)",
            "web_server",
        )
    if not reply.startswith(b"RTSP/1."):
        raise _Failure(
            STREAM_ERROR,
            f"{host} port {port} answered, but not in RTSP (is this the RTSP port?)",
            "wrong_protocol",
        )


def _open(full_url: str, *, scheme: str, transport: str, clock: _Clock) -> av.container.InputContainer:
    remaining = clock.remaining()
    if remaining <= 0:
        raise _Failure(OFFLINE, f"no RTSP answer within {clock.timeout:.1f} s", "silent")
    # PyAV's stubs say list[str]; at run time each entry is a dict of options (av/container/input.py).
    per_stream: Any = stream_options(scheme=scheme)
    try:
        # Captured, so that FFmpeg's own line for a failure this probe reports (a 401, a refused SETUP) does
        # not reach the console while another probe of the process has the error log on (_ErrorLog).
        with av.logging.Capture(local=True):
            container = av.open(
                full_url,
                mode="r",
                format="rtsp" if scheme in ("rtsp", "rtsps") else None,
                options=ffmpeg_options(scheme=scheme, timeout=remaining, transport=transport),
                stream_options=per_stream,
                # (open, read). PyAV cannot shorten the read timeout later, so a read may overrun the
                # deadline by this much at most; the pool's grace period is longer.
                timeout=(remaining, min(remaining, STALL_TIMEOUT)),
            )
    except av.error.FFmpegError as exc:
        raise _classify_open_error(exc, clock, scheme=scheme, transport=transport) from None
    except ValueError:
        if per_stream is None:
            raise
        # PyAV's refusal of per-stream options for a container that shows no stream at open: over RTSP, an
        # SDP that FFmpeg read without finding a single media line in it.
        raise _Failure(
            STREAM_ERROR,
            "the camera's stream description (SDP) describes no stream that can be read",
            "no_video",
        ) from None
    return container


def _classify_open_error(
    exc: av.error.FFmpegError, clock: _Clock, *, scheme: str = "rtsp", transport: str = "tcp"
) -> _Failure:
    reason = exc.strerror or type(exc).__name__
    if scheme in ("rtsp", "rtsps") and exc.errno == errno.EPROTONOSUPPORT:
        # FFmpeg's answer to SETUP's 461 Unsupported Transport when the one transport it may use was refused.
        other = "udp" if transport == "tcp" else "tcp"
        return _Failure(
            STREAM_ERROR,
            f"the camera does not offer RTP over {transport.upper()} (461 Unsupported Transport); "
            f"set its RTSP transport to {other}",
            "transport",
        )
    if isinstance(exc, (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError)):
        return _Failure(AUTH_FAILED, f"the camera refused the credentials ({reason})", "credentials")
    if isinstance(exc, av.error.HTTPNotFoundError):
        return _Failure(STREAM_ERROR, f"no stream at this path on the camera ({reason})", "no_such_path")
    if isinstance(exc, (av.error.HTTPClientError, av.error.HTTPServerError, av.error.HTTPError)):
        return _Failure(STREAM_ERROR, f"the camera rejected the request ({reason})", "rejected")
    if isinstance(exc, av.error.ExitError) or exc.errno in (errno.ETIMEDOUT, errno.EAGAIN):
        return _Failure(
            OFFLINE, f"the camera did not complete the stream setup within {clock.timeout:.1f} s", "silent"
        )
    if isinstance(exc, (av.error.ConnectionRefusedError, av.error.ConnectionResetError)) or exc.errno in (
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EPIPE,
    ):
        return _Failure(OFFLINE, f"the connection failed during stream setup ({reason})", "silent")
    if isinstance(exc, av.error.ArgumentError):
        # What FFmpeg answers when the server points it at a protocol outside the whitelist.
        return _Failure(
            STREAM_ERROR,
            f"the stream refers to a protocol or format that is not allowed ({reason})",
            "url_rejected",
        )
    return _Failure(STREAM_ERROR, f"the camera's answer is not a usable stream ({reason})", "undecodable")


@dataclass
class _Grabbed:
    codec: str
    width: int
    height: int
    fps: float | None
    bitrate_kbps: float | None
    decode_errors: int
    first_frame_ms: float
    frames: list[np.ndarray]
    snapshot_bgr: np.ndarray  # the first picture at snapshot size


def _grab(
    container: av.container.InputContainer, *, frames: int, clock: _Clock, on_stage: StageCallback
) -> _Grabbed:
    """Demuxes from the first keyframe on and decodes `frames` frames, within the clock's deadline."""
    if not container.streams.video:
        raise _Failure(STREAM_ERROR, "the stream has no video track", "no_video")
    video = container.streams.video[0]
    codec_context = video.codec_context
    # One decoder thread: frame threading delays output by one frame per thread, and the pool already
    # runs many probes in parallel.
    codec_context.thread_count = 1
    _check_size(codec_context.width, codec_context.height)
    if clock.remaining() <= 0:
        # The setup took the whole budget: FFmpeg waited in vain for the first packets while opening.
        raise _Failure(
            STREAM_ERROR,
            f"the stream was set up but no video data arrived within {clock.timeout:.1f} s",
            "no_video",
        )
    time_base = float(video.time_base) if video.time_base else None
    kept: list[np.ndarray] = []
    snapshot: np.ndarray | None = None
    pts: list[int] = []
    first_frame_ms: float | None = None
    decode_errors = 0  # packets the decoder rejected
    corrupt_frames = 0  # pictures it output with concealed errors (missing or damaged slices)
    seen_keyframe = False
    skipped = 0
    total_bytes = 0
    packet_sizes: list[tuple[int, bool]] = []  # (bytes, keyframe) of every packet from the first keyframe on
    width = height = 0
    _ERROR_LOG.acquire()  # so that the decoder's concealed errors reach Capture
    try:
        with av.logging.Capture(local=True) as logs:
            for packet in container.demux(video):
                if clock.remaining() <= 0:
                    break
                if packet.size == 0:
                    continue
                total_bytes += packet.size
                if total_bytes > MAX_PROBE_BYTES:
                    raise _Failure(
                        STREAM_ERROR,
                        f"read {total_bytes // 1_000_000} MB without {frames} pictures",
                        "too_big",
                    )
                if not seen_keyframe:
                    if not packet.is_keyframe:
                        skipped += 1
                        if skipped > MAX_PACKETS_BEFORE_KEYFRAME:
                            raise _Failure(
                                STREAM_ERROR, f"no keyframe in the first {skipped} packets", "no_video"
                            )
                        continue
                    seen_keyframe = True
                packet_sizes.append((packet.size, packet.is_keyframe))
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError:
                    decode_errors += 1
                    continue
                for frame in decoded:
                    _check_size(frame.width, frame.height)
                    corrupt_frames += bool(frame.is_corrupt)
                    if first_frame_ms is None:
                        first_frame_ms = clock.elapsed_ms()
                        on_stage("first_frame")
                    width, height = frame.width, frame.height
                    out_width, out_height = fit_within(width, height, MAX_FRAME_WIDTH, MAX_FRAME_HEIGHT)
                    rgb = _reformatter().reformat(frame, width=out_width, height=out_height, format="rgb24")
                    kept.append(rgb.to_ndarray())
                    if snapshot is None:
                        snapshot = _snapshot_pixels(frame, kept[-1])
                    if frame.pts is not None:
                        pts.append(frame.pts)
                    if len(kept) >= frames:
                        break
                if len(kept) >= frames:
                    break
    except av.error.ExitError:
        # PyAV's read timeout: nothing arrived for STALL_TIMEOUT seconds while the stream was playing.
        if kept and clock.remaining() > 0:
            raise _Failure(
                STREAM_ERROR, f"the stream stopped after {len(kept)} picture(s)", "stream_broke"
            ) from None
    except av.error.FFmpegError as exc:
        if not kept:
            raise _Failure(
                STREAM_ERROR, f"the stream broke off ({exc.strerror or type(exc).__name__})", "stream_broke"
            ) from None
    finally:
        _ERROR_LOG.release()
    decode_errors += corrupt_frames
    if decode_errors == 0:
        # Decoders that do not flag damaged frames still say so in their log.
        decode_errors = sum(1 for log in logs if log[0] <= av.logging.ERROR and log[1] == codec_context.name)
    if first_frame_ms is None or not kept or snapshot is None:
        cause: ProbeCause = "undecodable" if seen_keyframe else "no_video"
        if not seen_keyframe:
            detail = "no keyframe arrived" if total_bytes else "no video data arrived"
        else:
            detail = "no picture could be decoded"
        raise _Failure(STREAM_ERROR, f"{detail} within {clock.timeout:.1f} s", cause)
    fps = _measured_fps(pts, time_base) or _declared_fps(video)
    return _Grabbed(
        codec=codec_context.name,
        width=width,
        height=height,
        fps=fps,
        bitrate_kbps=estimate_kbps(packet_sizes, fps) or _declared_kbps(video),
        decode_errors=decode_errors,
        first_frame_ms=first_frame_ms,
        frames=kept,
        snapshot_bgr=snapshot,
    )


def _reformatter(purpose: str = "frames") -> VideoReformatter:
    """One converter per thread and purpose, kept across frames and probes: frame.to_ndarray() builds a
    new swscale context for every frame, which costs 1-4 ms, several times the conversion itself; and one
    converter switching between two output sizes (frames, snapshot) would rebuild it every time."""
    converters: dict[str, VideoReformatter] | None = getattr(_THREAD, "reformatters", None)
    if converters is None:
        converters = _THREAD.reformatters = {}
    if purpose not in converters:
        converters[purpose] = VideoReformatter()
    return converters[purpose]


def _snapshot_pixels(frame: av.VideoFrame, rgb: np.ndarray | None = None) -> np.ndarray:
    """The snapshot's pixels (BGR, at most SNAPSHOT_MAX_WIDTH wide), scaled by swscale straight from the
    decoded picture: 0.5 ms at 1080p, where OpenCV took 5 ms to scale the RGB frame by a third. When `rgb`,
    the same picture already converted, has the snapshot's size (a sub-stream), its channels are swapped
    instead: 0.08 ms against 0.16 ms for a second conversion at 640x360, measured in a probe."""
    width, height = snapshot_size(frame.width, frame.height)
    if rgb is not None and rgb.shape[:2] == (height, width):
        swapped: np.ndarray = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        return swapped
    scaled = _reformatter("snapshot").reformat(
        frame, width=width, height=height, format="bgr24", interpolation="AREA"
    )
    pixels: np.ndarray = scaled.to_ndarray()
    return pixels


def warm_up() -> None:
    """Pays the one-time costs (swscale tables, the JPEG encoder: ~0.2 s together) before the first
    probe instead of during it; pool workers call it as they start."""
    frame = av.VideoFrame(64, 64, "yuv420p")
    _reformatter().reformat(frame, format="rgb24")
    encode_jpeg(_snapshot_pixels(frame))


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_SOURCE_PIXELS:
        raise _Failure(
            STREAM_ERROR, f"the stream announces {width}x{height}, beyond the 8K the probe decodes", "too_big"
        )


def _measured_fps(pts: list[int], time_base: float | None) -> float | None:
    """Frames per second from presentation timestamps: (n - 1) intervals over their span."""
    if time_base is None or len(pts) < 2:
        return None
    ordered = sorted(pts)
    span = (ordered[-1] - ordered[0]) * time_base
    return (len(ordered) - 1) / span if span > 0 else None


def _declared_fps(video: av.video.stream.VideoStream) -> float | None:
    for rate in (video.average_rate, video.guessed_rate):
        if rate and 0 < float(rate) <= 1000:
            return float(rate)
    return None


def estimate_kbps(packets: list[tuple[int, bool]], fps: float | None) -> float | None:
    """The stream's bitrate (kbit/s) from a short burst of (bytes, is_keyframe) packets, keyframe first.

    A burst of a few frames that starts on a keyframe is mostly keyframe, so its raw rate overstates
    the stream's several times over. The keyframe is amortised over the GOP instead: the GOP the burst
    shows (keyframe to keyframe) if it spans one, else an assumed one-second GOP (the usual camera
    default; a two-second GOP makes this read up to ~1.5x high, still far closer than the raw rate).
    """
    if fps is None or fps <= 0 or len(packets) < 2:
        return None
    keyframe_at = [i for i, (_, key) in enumerate(packets) if key]
    if len(keyframe_at) >= 2:
        gop = packets[keyframe_at[0] : keyframe_at[1]]
        return sum(size for size, _ in gop) * 8 * fps / len(gop) / 1000.0
    gop_frames = max(len(packets), round(fps))
    keyframe_bytes = packets[0][0]
    others = [size for size, _ in packets[1:]]
    mean_other = sum(others) / len(others)
    gop_bytes = keyframe_bytes + mean_other * (gop_frames - 1)
    return gop_bytes * 8 * fps / gop_frames / 1000.0


def _declared_kbps(video: av.video.stream.VideoStream) -> float | None:
    declared = video.bit_rate or 0
    return declared / 1000.0 if declared > 0 else None


def _scrub(message: str, secret: str | None) -> str:
    """FFmpeg's messages may quote the URL it was given; never let the password through."""
    if secret:
        message = message.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return message
