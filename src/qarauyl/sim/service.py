"""Runs a whole simulator in one event loop: the fleet, the RTSP server, the HTTP control API and the
scenario timeline; stops on SIGTERM/SIGINT, when its parent process dies, or after a maximum lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import uvicorn

from qarauyl.errors import InputError, Problem
from qarauyl.sim.control import build_control_app
from qarauyl.sim.faults import FaultSpec
from qarauyl.sim.fleet import ClipCache, Fleet, unique_faults
from qarauyl.sim.rtsp import RtspServer, ServerConfig
from qarauyl.sim.scenario import Scenario
from qarauyl.sim.variants import Profile, Variant, variant_for

log = logging.getLogger("qarauyl.sim")


@dataclass
class SimConfig:
    cameras: int = 10
    host: str = "127.0.0.1"
    port: int = 8554
    control_port: int = 8555
    cache_dir: Path = Path("sim-cache")
    profile: Profile = field(default_factory=Profile)
    variety: int = 2  # distinct streets (scene seeds) across the fleet; each is one encoded variant
    username: str = "admin"
    password: str = "admin"
    auth: str = "digest"
    faults: dict[int, list[FaultSpec]] = field(default_factory=dict)
    scenario: Scenario | None = None
    idle_timeout: float = 30.0
    request_timeout: float = 10.0
    session_timeout: int = 60
    parent_pid: int | None = None
    max_lifetime: float | None = None
    workers: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))  # encoder processes


class _QuietServer(uvicorn.Server):
    """uvicorn inside our loop: the simulator owns the signal handling."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _build_fleet(cfg: SimConfig) -> Fleet:
    cfg.profile.validate()
    # Seeds vary procedural streets; a user video looks the same whatever the seed, so it is encoded once.
    variety = 1 if cfg.profile.scene_path else max(1, cfg.variety)
    profiles = [replace(cfg.profile, seed=cfg.profile.seed + k) for k in range(variety)]
    cache = ClipCache(cfg.cache_dir, workers=cfg.workers)
    fleet = Fleet(
        cfg.cameras,
        cache=cache,
        profiles=profiles,
        username=cfg.username,
        password=cfg.password,
        auth=cfg.auth,
    )
    if cfg.scenario is not None:
        cfg.scenario.check_cameras(cfg.cameras)
        for i, group in enumerate(cfg.scenario.groups, 1):
            for cam_id in group.ids:
                cam = fleet.cameras[cam_id - 1]
                if group.profile:
                    cam.profile = replace(cam.profile, **group.profile)
                    try:
                        cam.profile.validate()
                    except ValueError as exc:
                        where = str(cfg.scenario.path)
                        raise InputError(str(exc), [Problem(where, f"cameras[{i}]", str(exc))]) from None
                    cam.variant = variant_for(cam.profile, ())
                cam.username = group.username or cam.username
                cam.password = group.password or cam.password
                cam.auth = group.auth or cam.auth
        # Groups replace profiles per camera: share equal ones again so 10,000 cameras stay small.
        shared: dict[Profile, Profile] = {}
        for cam in fleet.cameras:
            cam.profile = shared.setdefault(cam.profile, cam.profile)
    for cam_id in cfg.faults:
        if fleet.camera(cam_id) is None:
            raise InputError(f"fault for camera {cam_id}, but the simulator has cameras 1..{cfg.cameras}")
    return fleet


def timeline_variants(fleet: Fleet, scenario: Scenario) -> set[Variant]:
    """Every variant the scenario's timeline will show, so they are encoded before the clock starts and
    each event takes effect on time."""
    faults: dict[int, dict[str, FaultSpec]] = {}
    wanted: set[Variant] = set()
    for event in scenario.events:
        for cam_id in event.ids:
            cam = fleet.cameras[cam_id - 1]
            active = faults.setdefault(cam_id, {f.name: f for f in cam.faults})
            if event.fault is not None:
                active[event.fault.name] = event.fault
            elif event.clear == "all":
                active.clear()
            elif event.clear is not None:
                active.pop(event.clear, None)
            wanted.add(variant_for(cam.profile, list(active.values())))
    return wanted


async def _run_timeline(fleet: Fleet, scenario: Scenario, t0: float) -> None:
    for event in scenario.events:
        delay = t0 + event.at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            if event.fault is not None:
                for cam_id in event.ids:
                    await fleet.add_fault(cam_id, event.fault)
            elif event.clear is not None:
                await fleet.clear_faults(event.ids, None if event.clear == "all" else event.clear)
            elif event.password is not None:
                for cam_id in event.ids:
                    fleet.set_credentials(cam_id, password=event.password)
            log.info("scenario t=%gs: cameras %s %s", event.at, _ids_text(event.ids), _event_text(event))
        except Exception:
            log.exception("scenario event at t=%gs failed", event.at)


def _ids_text(ids: tuple[int, ...]) -> str:
    return ",".join(map(str, ids[:10])) + ("..." if len(ids) > 10 else "")


def _event_text(event: Any) -> str:
    if event.fault is not None:
        return f"set {event.fault.name} ({event.fault.strength:g})"
    if event.clear is not None:
        return f"clear {event.clear}"
    return "password changed"


def _raise_file_limit() -> None:
    """Thousands of clients need thousands of sockets: lift the soft descriptor limit to the hard one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(
                resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard)
            )


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(
    cfg: SimConfig,
    *,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Runs the simulator until stopped. `on_ready` receives the bound ports once every camera answers."""
    fleet = _build_fleet(cfg)
    _raise_file_limit()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    rtsp = RtspServer(
        fleet,
        ServerConfig(
            host=cfg.host,
            port=cfg.port,
            idle_timeout=cfg.idle_timeout,
            request_timeout=cfg.request_timeout,
            session_timeout=cfg.session_timeout,
        ),
    )
    control_sock = _bind(cfg.host, cfg.control_port)
    tasks: list[asyncio.Task[Any]] = []
    try:
        await rtsp.start()
        extra = {variant_for(fleet.cameras[i - 1].profile, unique_faults(f)) for i, f in cfg.faults.items()}
        if cfg.scenario is not None:
            extra |= timeline_variants(fleet, cfg.scenario)
        await fleet.warm_up(extra, on_progress)
        for cam_id, specs in cfg.faults.items():
            await fleet.set_faults([cam_id], specs)  # every clip is ready: instant
        control_port = int(control_sock.getsockname()[1])
        host_in_url = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
        status: dict[str, Any] = {
            "rtsp_port": rtsp.port,
            "control_port": control_port,
            "sessions_playing": rtsp.sessions_playing,
            "connections": lambda: rtsp.connection_count,
        }
        app = build_control_app(
            fleet,
            rtsp_base=f"rtsp://{host_in_url}:{rtsp.port}",
            control_base=f"http://{host_in_url}:{control_port}",
            status=status,
            authenticator=rtsp.authenticator,
        )
        http = _QuietServer(
            uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=30)
        )
        tasks.append(loop.create_task(http.serve(sockets=[control_sock])))
        while not http.started:
            if tasks[0].done():
                tasks[0].result()
                raise RuntimeError("the control API stopped during start-up")
            await asyncio.sleep(0.02)
        t0 = time.monotonic()
        if cfg.scenario is not None and cfg.scenario.events:
            tasks.append(loop.create_task(_run_timeline(fleet, cfg.scenario, t0)))
        tasks.append(loop.create_task(_watchdog(stop, cfg.parent_pid, cfg.max_lifetime)))
        if on_ready:
            on_ready(
                {
                    "event": "ready",
                    "pid": os.getpid(),
                    "host": cfg.host,
                    "rtsp_port": rtsp.port,
                    "control_port": control_port,
                    "udp_ports": list(rtsp.udp_ports),
                    "cameras": cfg.cameras,
                }
            )
        await stop.wait()
        http.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(tasks[0], 5.0)
    finally:
        for task in tasks:
            task.cancel()
        await rtsp.stop()
        fleet.close()
        control_sock.close()


async def _watchdog(stop: asyncio.Event, parent_pid: int | None, max_lifetime: float | None) -> None:
    """Stops the simulator when the process that started it is gone (a killed test run must not leave
    a server behind) or when its lifetime is up."""
    deadline = time.monotonic() + max_lifetime if max_lifetime else None
    while not stop.is_set():
        await asyncio.sleep(0.5)
        if deadline is not None and time.monotonic() > deadline:
            log.warning("maximum lifetime reached; stopping")
            stop.set()
        if parent_pid is not None and os.getppid() != parent_pid:
            log.warning("parent process %d is gone; stopping", parent_pid)
            stop.set()


def print_ready(info: dict[str, Any]) -> None:
    """The machine-readable ready line on stdout (the test harness waits for it)."""
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
