"""HTTP(S) camera probing: a JPEG snapshot URL fetched with httpx (Basic or Digest auth, size limit,
timeouts), decoded to RGB; an http(s) URL that serves video instead is handed to the stream probe.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator

import cv2
import httpx
import numpy as np

from qarauyl.domain.stream_url import parse_stream_url, redact_url
from qarauyl.probe.frames import (
    MAX_FRAME_HEIGHT,
    MAX_FRAME_WIDTH,
    encode_snapshot,
    fit_within,
    jpeg_dimensions,
    png_dimensions,
)
from qarauyl.probe.result import (
    AUTH_FAILED,
    OFFLINE,
    STREAM_ERROR,
    ErrorCode,
    ProbeCause,
    ProbeResult,
    ProbeTimings,
    StreamFacts,
    failure,
)
from qarauyl.probe.rtsp import MAX_SOURCE_PIXELS, StageCallback, probe_stream

MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024  # a 4K JPEG at high quality is ~3 MB; more is not a snapshot
IMAGE_TYPES = ("image/jpeg", "image/jpg", "image/pjpeg", "image/png")


class _NotAnImage(Exception):
    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


class _Failed(Exception):
    def __init__(self, code: ErrorCode, message: str, cause: ProbeCause) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.cause = cause


class ChallengeAuth(httpx.Auth):
    """Answers the camera's own challenge: Digest if it asks for Digest, Basic if it asks for Basic.

    Nothing is sent before the camera asks, so a plain-HTTP camera never receives a Basic password
    it did not request, and Digest cameras never see the password at all.
    """

    def __init__(self, username: str, password: str) -> None:
        self._basic = httpx.BasicAuth(username, password)
        self._digest = httpx.DigestAuth(username, password)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        if challenge.startswith("digest") or ", digest" in challenge:
            flow = self._digest.auth_flow(request)
            next(flow)  # the unauthenticated request, already answered above
            try:
                yield flow.send(response)
            except StopIteration:
                return
        elif "basic" in challenge:
            yield next(self._basic.auth_flow(request))


def probe_snapshot(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = MAX_SNAPSHOT_BYTES,
    on_stage: StageCallback | None = None,
) -> ProbeResult:
    """Fetches and decodes one JPEG (or PNG) from an http(s) snapshot URL. Never raises for a camera's
    fault; a URL that answers with video is a stream_error here (probe_http hands it to probe_stream)."""
    return _probe(
        url, username, password, timeout, max_bytes, on_stage, video_fallback=False, frames=1, transport="tcp"
    )


def probe_http(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
    frames: int = 8,
    on_stage: StageCallback | None = None,
) -> ProbeResult:
    """An http(s) camera URL: a snapshot if it answers with an image, else the stream probe (MJPEG, HLS)."""
    return _probe(
        url,
        username,
        password,
        timeout,
        MAX_SNAPSHOT_BYTES,
        on_stage,
        video_fallback=True,
        frames=frames,
        transport="tcp",
    )


def _probe(
    url: str,
    username: str | None,
    password: str | None,
    timeout: float,
    max_bytes: int,
    on_stage: StageCallback | None,
    *,
    video_fallback: bool,
    frames: int,
    transport: str,
) -> ProbeResult:
    start = time.monotonic()
    shown = redact_url(url.strip())
    stage = on_stage or (lambda _name: None)

    def elapsed_ms() -> float:
        return (time.monotonic() - start) * 1000.0

    try:
        parsed = parse_stream_url(url, schemes=frozenset({"http", "https"}))
    except ValueError as exc:
        return failure(
            shown,
            STREAM_ERROR,
            f"URL rejected: {exc}",
            ProbeTimings(total_ms=elapsed_ms()),
            cause="url_rejected",
            kind="snapshot",
        )
    user, secret = parsed.credentials(username, password)
    auth = ChallengeAuth(user, secret or "") if user else None
    headers_ms: float | None = None
    stage("connecting")
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                follow_redirects=False,  # a redirect could point anywhere, other hosts included
                auth=auth,
                trust_env=False,  # no proxy from the environment: cameras sit on the local network
            ) as client,
            client.stream("GET", parsed.url) as response,
        ):
            headers_ms = elapsed_ms()
            stage("handshake")
            data = _read_image(response, max_bytes, start + timeout)
    except _NotAnImage as not_image:
        if not video_fallback:
            return failure(
                shown,
                STREAM_ERROR,
                f"the URL serves {not_image.content_type or 'no content type'}, not an image",
                ProbeTimings(None, headers_ms, None, elapsed_ms()),
                cause="not_image",
                kind="snapshot",
            )
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0.5:
            return failure(
                shown,
                OFFLINE,
                f"no time left to read the stream within {timeout:.1f} s",
                ProbeTimings(None, headers_ms, None, elapsed_ms()),
                cause="silent",
                kind="http_stream",
            )
        return probe_stream(
            url,
            username=username,
            password=password,
            timeout=remaining,
            transport=transport,
            frames=frames,
            on_stage=on_stage,
        )
    except _Failed as failed:
        return failure(
            shown,
            failed.code,
            failed.message,
            ProbeTimings(None, headers_ms, None, elapsed_ms()),
            cause=failed.cause,
            kind="snapshot",
        )
    except httpx.HTTPError as exc:
        code, message, cause = _classify_http_error(exc, timeout)
        return failure(
            shown,
            code,
            message,
            ProbeTimings(None, headers_ms, None, elapsed_ms()),
            cause=cause,
            kind="snapshot",
        )
    try:
        rgb = decode_image(data)
    except ValueError as exc:
        return failure(
            shown,
            STREAM_ERROR,
            str(exc),
            ProbeTimings(None, headers_ms, None, elapsed_ms()),
            cause="too_big" if isinstance(exc, ImageTooLarge) else "undecodable",
            kind="snapshot",
        )
    first_ms = elapsed_ms()
    stage("first_frame")
    height, width = rgb.shape[:2]
    facts = StreamFacts(
        codec="mjpeg",
        width=width,
        height=height,
        fps=None,
        bitrate_kbps=None,
        frames_decoded=1,
        time_to_first_frame_ms=first_ms,
    )
    return ProbeResult(
        url=shown,
        stream=facts,
        frames=[rgb],
        snapshot_jpeg=encode_snapshot(rgb),
        timings=ProbeTimings(None, headers_ms, first_ms, elapsed_ms()),
        kind="snapshot",
    )


def _read_image(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    status = response.status_code
    if status in (401, 403):
        raise _Failed(AUTH_FAILED, f"the camera refused the credentials (HTTP {status})", "credentials")
    if status == 404:
        raise _Failed(STREAM_ERROR, "no snapshot at this path on the camera (HTTP 404)", "no_such_path")
    if status >= 300:
        raise _Failed(
            STREAM_ERROR, f"the camera answered HTTP {status} {response.reason_phrase}".rstrip(), "rejected"
        )
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise _NotAnImage(content_type)
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _Failed(
            STREAM_ERROR,
            f"the snapshot is {int(declared) // 1024} KiB, over the {max_bytes // 1024} KiB limit",
            "too_big",
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _Failed(STREAM_ERROR, f"the snapshot is over the {max_bytes // 1024} KiB limit", "too_big")
        if time.monotonic() > deadline:
            raise _Failed(OFFLINE, "the snapshot did not arrive in time", "stream_broke")
        chunks.append(chunk)
    return b"".join(chunks)


class ImageTooLarge(ValueError):
    """A picture announcing more pixels than the probe decodes (its own cause: too_big, not undecodable)."""


def decode_image(data: bytes) -> np.ndarray:
    """RGB uint8 (H, W, 3) from JPEG or PNG bytes, at most 1920x1080. Raises ValueError naming the problem
    (ImageTooLarge for a picture beyond the 8K the probe decodes)."""
    if not data:
        raise ValueError("the camera sent an empty snapshot")
    jpeg = jpeg_dimensions(data)
    size = jpeg or png_dimensions(data)
    if size is None:
        raise ValueError("the snapshot is not a readable JPEG or PNG")
    if size[0] * size[1] > MAX_SOURCE_PIXELS:
        raise ImageTooLarge(f"the snapshot announces {size[0]}x{size[1]}, beyond the 8K the probe decodes")
    # Let libjpeg downscale while decoding when the picture is far above the cap: cheaper than a resize.
    flag = cv2.IMREAD_COLOR
    if jpeg is not None:
        ratio = max(size[0] / MAX_FRAME_WIDTH, size[1] / MAX_FRAME_HEIGHT)
        if ratio >= 4:
            flag = cv2.IMREAD_REDUCED_COLOR_4
        elif ratio >= 2:
            flag = cv2.IMREAD_REDUCED_COLOR_2
    try:
        bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
    except cv2.error:
        bgr = None  # OpenCV's own limits (its pixel cap, a corrupt stream) raise rather than return None
    if bgr is None or bgr.ndim != 3:
        raise ValueError("the snapshot could not be decoded")
    height, width = bgr.shape[:2]
    new_width, new_height = fit_within(width, height, MAX_FRAME_WIDTH, MAX_FRAME_HEIGHT)
    if (new_width, new_height) != (width, height):
        bgr = cv2.resize(bgr, (new_width, new_height), interpolation=cv2.INTER_AREA)
    rgb: np.ndarray = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb


def _classify_http_error(exc: httpx.HTTPError, timeout: float) -> tuple[ErrorCode, str, ProbeCause]:
    host = ""
    with contextlib.suppress(RuntimeError):  # an error raised before the request was built
        host = exc.request.url.host
    if isinstance(exc, httpx.ConnectTimeout):
        return OFFLINE, f"no answer from {host} within {min(timeout, 5.0):.1f} s", "unreachable"
    if isinstance(exc, httpx.ConnectError) and ("SSL" in str(exc) or "certificate" in str(exc).lower()):
        # The camera answered: it is not offline, its certificate is not trusted (often self-signed).
        return STREAM_ERROR, f"the TLS handshake with {host} failed ({_reason(exc)})", "tls"
    if isinstance(exc, httpx.ConnectError):
        refused = "refused" in str(exc).lower()
        return OFFLINE, f"cannot connect to {host} ({_reason(exc)})", "refused" if refused else "unreachable"
    if isinstance(exc, httpx.TimeoutException):
        return OFFLINE, f"{host} accepted the connection but did not answer within {timeout:.1f} s", "silent"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return STREAM_ERROR, f"{host} answered, but not in valid HTTP ({_reason(exc)})", "wrong_protocol"
    cause: ProbeCause = "stream_broke" if isinstance(exc, httpx.NetworkError) else "probe_failed"
    return STREAM_ERROR, f"the request to {host} failed ({type(exc).__name__})", cause


def _reason(exc: Exception) -> str:
    # httpx messages never include the URL's userinfo, but keep them short and free of it anyway.
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
