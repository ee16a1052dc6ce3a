"""`qarauyl sim serve|faults|check`: the camera simulator, a development and rehearsal tool."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from qarauyl.cli._app import app, console, err_console
from qarauyl.errors import InputError, Problem

sim_app = typer.Typer(
    help="The camera simulator: an RTSP camera fleet with fault injection.", no_args_is_help=True
)
app.add_typer(sim_app, name="sim")


def _parse_fault_option(text: str, cameras: int) -> tuple[list[int], Any]:
    """`ID=NAME[:STRENGTH]` or `A-B=NAME[:STRENGTH]`."""
    from qarauyl.sim.faults import make_fault
    from qarauyl.sim.scenario import parse_ids

    ids_text, sep, spec = text.partition("=")
    name, _, strength = spec.partition(":")
    try:
        if not sep or not name:
            raise ValueError("expected ID=FAULT[:STRENGTH], e.g. 17=blur:0.6")
        ids = list(parse_ids(ids_text))
        fault = make_fault(name.strip(), float(strength) if strength else 1.0)
    except ValueError as exc:
        raise InputError(f"--fault {text!r}: {exc}", [Problem("--fault", text, str(exc))]) from None
    if max(ids) > cameras:
        raise InputError(f"--fault {text!r}: camera {max(ids)} does not exist (1..{cameras})")
    return ids, fault


@sim_app.command("serve")
def serve(
    cameras: int = typer.Option(10, "--cameras", "-n", min=1, max=100_000, help="How many cameras."),
    port: int = typer.Option(8554, help="RTSP port (0: any free port)."),
    control_port: int = typer.Option(8555, help="HTTP control API port (0: any free port)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    scenario: Path | None = typer.Option(None, help="TOML scenario: camera groups and a fault timeline."),
    scene: str = typer.Option(
        "street_day",
        help="A scene name (street_day, street_night, asphalt, white_wall) or a video file to show.",
    ),
    width: int = typer.Option(640, help="Stream width."),
    height: int = typer.Option(360, help="Stream height."),
    fps: float = typer.Option(25.0, help="Frame rate."),
    gop: int = typer.Option(50, help="GOP length in frames (an IDR picture every GOP)."),
    codec: str = typer.Option("h264", help="h264 or h265."),
    bitrate: int | None = typer.Option(None, help="Bitrate in kbps (default: from the resolution)."),
    clip_seconds: float = typer.Option(4.0, help="Length of the looping clip each variant is encoded to."),
    variety: int = typer.Option(
        2, min=1, max=64, help="Distinct streets across the fleet (one encode each)."
    ),
    username: str = typer.Option("admin", help="Username of every camera (scenario groups may override)."),
    password: str = typer.Option("admin", help="Password of every camera."),
    auth: str = typer.Option("digest", help="digest, basic or none."),
    fault: list[str] = typer.Option([], "--fault", help="Initial fault: ID=FAULT[:STRENGTH], repeatable."),
    cache_dir: Path | None = typer.Option(None, help="Encoded clip cache (default: DATA_DIR/sim-cache)."),
    idle_timeout: float = typer.Option(
        30.0, help="Drop a silent client without a playing session after (s)."
    ),
    request_timeout: float = typer.Option(10.0, help="Drop a client whose request is incomplete after (s)."),
    session_timeout: int = typer.Option(
        60,
        min=2,
        max=3600,
        help="RTSP session timeout (s) announced to clients; UDP sessions need keep-alives.",
    ),
    parent_pid: int | None = typer.Option(None, help="Stop when this process is no longer our parent."),
    max_lifetime: float | None = typer.Option(None, help="Stop after this many seconds."),
    ready_json: bool = typer.Option(False, help="Print one JSON line on stdout when ready (for harnesses)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every client and fault change."),
) -> None:
    """Serve a fleet of simulated RTSP cameras at rtsp://HOST:PORT/cam/<id>."""
    from dataclasses import replace

    from qarauyl.config import get_settings
    from qarauyl.sim.auth import AUTH_MODES
    from qarauyl.sim.scenario import load_scenario
    from qarauyl.sim.scenes import SCENES, video_file_scene
    from qarauyl.sim.service import SimConfig, print_ready
    from qarauyl.sim.service import serve as run
    from qarauyl.sim.variants import Profile

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    if auth not in AUTH_MODES:
        raise InputError(f"--auth {auth!r}: expected one of {', '.join(AUTH_MODES)}")
    profile = Profile(width=width, height=height, fps=fps, gop=gop, codec=codec, bitrate_kbps=bitrate,
                      clip_seconds=clip_seconds)  # fmt: skip
    if scene not in SCENES:
        video = Path(scene).expanduser()
        if not video.exists() and "/" not in scene and "." not in scene:
            raise InputError(f"--scene {scene!r}: not a scene name ({', '.join(SCENES)}) nor a video file")
        next(iter(video_file_scene(video, width=width, height=height, fps=fps, seconds=0.2)))  # readable?
        profile = replace(profile, scene_path=str(video.resolve()))
    else:
        profile = replace(profile, scene=scene)
    try:
        profile.validate()
    except ValueError as exc:
        raise InputError(f"Bad stream settings: {exc}") from None
    faults: dict[int, list[Any]] = {}
    for text in fault:
        ids, spec = _parse_fault_option(text, cameras)
        for cam_id in ids:
            faults.setdefault(cam_id, []).append(spec)
    cfg = SimConfig(
        cameras=cameras, host=host, port=port, control_port=control_port,
        cache_dir=cache_dir or get_settings().data_dir / "sim-cache", profile=profile, variety=variety,
        username=username, password=password, auth=auth, faults=faults,
        scenario=load_scenario(scenario) if scenario else None,
        idle_timeout=idle_timeout, request_timeout=request_timeout, session_timeout=session_timeout,
        parent_pid=parent_pid,
        max_lifetime=max_lifetime,
    )  # fmt: skip

    progress = Progress(
        TextColumn("encoding camera variants"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err_console, transient=True,
    )  # fmt: skip
    task_id = progress.add_task("encode", total=None)

    def on_progress(done: int, total: int) -> None:
        progress.update(task_id, completed=done, total=total)

    def on_ready(info: dict[str, Any]) -> None:
        progress.stop()
        if ready_json:
            print_ready(info)
        else:
            h = info["host"]
            console.print(
                f"{info['cameras']} cameras at rtsp://{h}:{info['rtsp_port']}/cam/<1..{info['cameras']}> "
                f"(user {username!r}); control API http://{h}:{info['control_port']}/docs. Ctrl-C stops.",
                markup=False,
            )

    progress.start()
    try:
        asyncio.run(run(cfg, on_ready=on_ready, on_progress=on_progress))
    except OSError as exc:
        raise InputError(f"Cannot start the simulator: {exc}") from None
    finally:
        progress.stop()


@sim_app.command("faults")
def faults() -> None:
    """List the faults the simulator can inject."""
    from qarauyl.sim.faults import ALL_FAULTS, FAULT_HELP, FAULT_PARAMS, fault_family

    for name in ALL_FAULTS:
        params = ", ".join(f"{k}={v:g}" for k, v in FAULT_PARAMS.get(name, {}).items())
        text = FAULT_HELP.get(name, "painted on the picture")
        console.print(
            f"{name:15} {fault_family(name):8} {text}{f' [{params}]' if params else ''}", markup=False
        )


@sim_app.command("check")
def check(scenario: Path = typer.Argument(..., help="A scenario file to validate.")) -> None:
    """Validate a scenario file and print its timeline."""
    from qarauyl.sim.scenario import load_scenario

    parsed = load_scenario(scenario)
    console.print(
        f"{scenario}: {len(parsed.groups)} camera group(s), {len(parsed.events)} event(s)", markup=False
    )
    for e in parsed.events:
        what = (
            f"set {e.fault.name} ({e.fault.strength:g})" if e.fault else f"clear {e.clear}" if e.clear
            else "change password"
        )  # fmt: skip
        console.print(f"  t={e.at:g}s cameras {','.join(map(str, e.ids[:12]))}: {what}", markup=False)
