"""`qarauyl diagnose [--reference REF] [--json] INPUT...`: image-quality findings for pictures or a video."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from qarauyl.cli._app import app, console
from qarauyl.errors import InputError, Problem

if TYPE_CHECKING:
    from qarauyl.diagnosis.types import StreamFacts

VIDEO_FRAMES = 8  # a probe's burst: enough for frozen and shaking, as the monitor sees a camera


def _problem(path: Path, message: str) -> InputError:
    return InputError(f"{path}: {message}", [Problem(str(path), "", message)])


def _read_image(path: Path) -> Any | None:
    """The picture in an image file, RGB; None if OpenCV does not read the format (then: a video?)."""
    import cv2
    import numpy as np

    from qarauyl.probe.frames import image_dimensions
    from qarauyl.probe.rtsp import MAX_SOURCE_PIXELS

    data = np.fromfile(str(path), dtype=np.uint8)
    size = image_dimensions(data[:65536].tobytes())
    if size is not None and size[0] * size[1] > MAX_SOURCE_PIXELS:
        # Read from the header: a small PNG can announce 30000x30000, gigabytes once decoded.
        raise _problem(path, f"the picture is {size[0]}x{size[1]}, beyond the 8K that is diagnosed")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    except cv2.error:
        image = None
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_video(path: Path, count: int) -> list[Any]:
    """`count` consecutive frames from the middle of the video (the start is often a fade or a title)."""
    import av

    try:
        with av.open(str(path), timeout=10.0) as container:
            if not container.streams.video:
                raise _problem(path, "the file has no video stream")
            stream = container.streams.video[0]
            if container.duration and container.duration > 4 * av.time_base:
                container.seek(container.duration // 2, any_frame=False)
            frames = []
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                if len(frames) >= count:
                    break
            return frames
    except (av.FFmpegError, OSError):
        return []


def load_frames(path: Path, *, video_frames: int = VIDEO_FRAMES) -> list[Any]:
    """RGB frames from an image file (one) or a video file (a burst); InputError naming the file otherwise."""
    if not path.exists():
        raise _problem(path, "no such file")
    if path.is_dir():
        raise _problem(path, "is a directory; give the image or video files in it")
    if not path.is_file():
        raise _problem(path, "is not a regular file")
    image = _read_image(path)
    if image is not None:
        return [image]
    frames = _read_video(path, video_frames)
    if not frames:
        raise _problem(path, "not a readable image or video: neither OpenCV nor FFmpeg can decode it")
    return frames


def _one_size(loaded: list[tuple[Path, list[Any]]]) -> None:
    """Frames of one camera have one size: say which file differs, and what a file is too small for (the
    checks diagnosis makes itself, said of files where it can only say 'frame 3')."""
    from qarauyl.diagnosis import MIN_SIDE

    first_path, first = loaded[0]
    height, width = first[0].shape[:2]
    for path, frames in loaded:
        h, w = frames[0].shape[:2]
        if (h, w) != (height, width):
            raise _problem(
                path,
                f"its picture is {w}x{h}, {first_path.name}'s is {width}x{height}: "
                "the inputs must be frames of one camera, all of one size",
            )
        if h < MIN_SIDE or w < MIN_SIDE:
            raise _problem(
                path, f"its picture is {w}x{h}, too small to diagnose (at least {MIN_SIDE}x{MIN_SIDE})"
            )


def _jpeg_facts(inputs: list[Path], burst: list[Any]) -> StreamFacts | None:
    """For JPEG files, what a snapshot probe would say of them (codec `mjpeg`): the diagnosis then knows that
    their 8x8 block grid is the format's, not a sign of corruption. None for other pictures and videos."""
    from qarauyl.diagnosis.types import StreamFacts

    if not all(_starts_like_jpeg(path) for path in inputs):
        return None
    height, width = burst[0].shape[:2]
    return StreamFacts("mjpeg", width, height, fps=None, bitrate_kbps=None, frames_decoded=len(burst))


def _starts_like_jpeg(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(3) == b"\xff\xd8\xff"  # SOI and the next marker: whatever the file is named


@app.command("diagnose")
def diagnose_command(
    inputs: list[Path] = typer.Argument(
        ..., help="Image files (consecutive frames of one camera, oldest first) or one video file."
    ),
    reference: Path | None = typer.Option(
        None, "--reference", help="A healthy picture of the same camera, for scene change and occlusion."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: findings and metrics."),
    frames: int = typer.Option(VIDEO_FRAMES, "--frames", min=1, max=250, help="Frames taken from a video."),
) -> None:
    """Check the picture quality of one camera: blur, cover, freeze, colour, noise, glare and more."""
    from qarauyl.diagnosis import diagnose, without_signature

    loaded = [(path, load_frames(path, video_frames=frames)) for path in inputs]
    _one_size(loaded)
    burst = [frame for _, pictures in loaded for frame in pictures]
    ref = load_frames(reference, video_frames=1)[0] if reference is not None else None
    result = diagnose(burst, reference=ref, stream=_jpeg_facts(inputs, burst))
    metrics = {k: round(v, 4) for k, v in without_signature(result.metrics).items()}
    findings = [
        {"code": str(f.code), "severity": str(f.severity), "score": f.score, "detail": f.detail}
        for f in result.findings
    ]
    if as_json:
        typer.echo(json.dumps({"findings": findings, "metrics": metrics}, sort_keys=False))
        return
    if not findings:
        console.print(f"healthy: no findings ({len(burst)} frame(s))", markup=False)
    for finding in result.findings:
        detail = ", ".join(f"{k}={v}" for k, v in finding.detail.items())
        console.print(
            f"{finding.severity!s:8} {finding.code!s:14} score {finding.score:.2f}  {detail}", markup=False
        )
