"""`qarauyl probe URL...`: probe cameras' streams concurrently and print one result per URL."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from qarauyl.cli._app import app, console, err_console
from qarauyl.domain.findings import Finding
from qarauyl.errors import InputError, QarauylError

if TYPE_CHECKING:
    from qarauyl.probe import ProbeResult

PASSWORD_ENV = "QARAUYL_PROBE_PASSWORD"


@app.command("probe")
def probe(
    urls: list[str] = typer.Argument(
        ..., help="Camera URLs: rtsp://, rtsps://, http(s):// (stream or JPEG)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    timeout: float = typer.Option(
        10.0, "--timeout", min=0.1, max=600.0, help="Seconds per camera, all stages included."
    ),
    concurrency: int = typer.Option(
        4, "--concurrency", min=1, max=256, help="Cameras probed at the same time."
    ),
    frames: int = typer.Option(8, "--frames", min=1, max=64, help="Frames decoded, keyframe first."),
    transport: str = typer.Option("tcp", "--transport", help="RTSP transport: tcp or udp."),
    username: str | None = typer.Option(None, "--username", help="Camera user, instead of the URL's."),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar=PASSWORD_ENV,
        help=f"Camera password, for the URL's user or --username (better: the {PASSWORD_ENV} variable).",
    ),
) -> None:
    """Probe camera streams: connect, decode the first keyframe and a short burst, measure, diagnose.

    Exit status 0 when every camera works, 1 when any does not.
    """
    from qarauyl.probe import ProbeJob, ProbePool  # PyAV and the pool: only when probing
    from qarauyl.probe.diagnosed import diagnose_probe
    from qarauyl.probe.pool import worker_shape

    if transport not in ("tcp", "udp"):
        raise InputError(f"--transport must be tcp or udp, not {transport!r}")
    jobs = [
        ProbeJob(url, username, password, timeout=timeout, transport=transport, frames=frames) for url in urls
    ]
    # As the monitor's pool: two processes per core, the rest of the concurrency as threads in them (a
    # process per camera in flight cost ~130 MiB each and was slower past the cores), and the diagnosis in
    # the workers, so that the frames stay there and this process's memory stays flat.
    processes, slots = worker_shape(min(concurrency, len(jobs)))
    failed = 0
    with (
        ProbePool(processes, slots=slots, analyser=diagnose_probe) as pool,
        _progress(enabled=not as_json and len(jobs) > 1) as progress,
    ):
        task = progress.add_task("probing", total=len(jobs))
        for result in pool.map(jobs):
            findings = _findings(result)
            failed += not result.ok
            progress.advance(task)
            if as_json:
                print(json.dumps(result_json(result, findings), ensure_ascii=False), flush=True)
            else:
                console.print(_result_line(result, findings), markup=False, highlight=False, soft_wrap=True)
    if failed:
        # A QarauylError, not typer.Exit: Click in non-standalone mode drops Exit codes.
        raise QarauylError(f"{failed} of {len(jobs)} camera(s) could not be read.")


def result_json(result: ProbeResult, findings: list[Finding]) -> dict[str, Any]:
    """The --json line for one probe: {"url", "ok", "stream", "findings", "error"}."""
    stream = result.stream
    return {
        "url": result.url,
        "ok": result.ok,
        "stream": None
        if stream is None
        else {
            "codec": stream.codec,
            "width": stream.width,
            "height": stream.height,
            "fps": _round(stream.fps, 2),
            "bitrate_kbps": _round(stream.bitrate_kbps, 1),
            "time_to_first_frame_ms": _round(stream.time_to_first_frame_ms, 1),
        },
        "findings": [
            {"code": str(f.code), "severity": str(f.severity), "score": round(f.score, 3), "detail": f.detail}
            for f in findings
        ],
        "error": None
        if result.error is None
        else {"code": result.error.code, "message": result.error.message, "cause": result.error.cause},
    }


def _findings(result: ProbeResult) -> list[Finding]:
    """Image-quality findings for a working stream, diagnosed in the worker (qarauyl.probe.diagnosed)."""
    return list(result.findings) if result.ok else []


def _result_line(result: ProbeResult, findings: list[Finding]) -> str:
    if result.error is not None:
        return f"FAIL  {result.url}  {result.error.code}: {result.error.message}"
    stream = result.stream
    assert stream is not None
    parts = [f"{stream.codec} {stream.width}x{stream.height}"]
    if stream.fps:
        parts.append(f"{stream.fps:.1f} fps")
    if stream.bitrate_kbps:
        parts.append(f"{stream.bitrate_kbps:.0f} kbit/s")
    if stream.time_to_first_frame_ms is not None:
        parts.append(f"first frame {stream.time_to_first_frame_ms:.0f} ms")
    if stream.decode_errors:
        parts.append(f"{stream.decode_errors} decode errors")
    verdict = ", ".join(f"{f.code} ({f.severity}, {f.score:.2f})" for f in findings) or "picture ok"
    return f"OK    {result.url}  {', '.join(parts)}  {verdict}"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _progress(*, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console if enabled else console,
        disable=not enabled,
        transient=True,
    )
