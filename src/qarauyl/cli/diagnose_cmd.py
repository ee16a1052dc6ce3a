"""`qarauyl diagnose [--reference REF] [--json] INPUT...`: image-quality findings for pictures or a video."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from qarauyl.cli._app import app, console
from qarauyl.errors import InputError, Problem

VIDEO_FRAMES = 8  # a probe's burst: enough for frozen and shaking, as the monitor sees a camera


def _read_image(path: Path) -> Any | None:
    import cv2
    import numpy as np

    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_video(path: Path, count: int) -> list[Any]:
    """`count` consecutive frames from the middle of the video (the start is often a fade or a title)."""
    import av

    try:
        with av.open(str(path), timeout=10.0) as container:
            stream = container.streams.video[0]
            if container.duration and container.duration > 4 * av.time_base:
                container.seek(container.duration // 2, any_frame=False)
            frames = []
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                if len(frames) >= count:
                    break
            return frames
    except (av.FFmpegError, IndexError, OSError):
        return []


def load_frames(path: Path, *, video_frames: int = VIDEO_FRAMES) -> list[Any]:
    """RGB frames from an image file (one) or a video file (a burst); InputError naming the file otherwise."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", [Problem(str(path), "", "no such file")])
    image = _read_image(path)
    if image is not None:
        return [image]
    frames = _read_video(path, video_frames)
    if not frames:
        raise InputError(
            f"{path}: not a readable image or video",
            [Problem(str(path), "", "neither OpenCV nor FFmpeg can decode it")],
        )
    return frames


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

    burst: list[Any] = []
    for path in inputs:
        burst.extend(load_frames(path, video_frames=frames))
    ref = load_frames(reference, video_frames=1)[0] if reference is not None else None
    result = diagnose(burst, reference=ref)
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
