"""`qarauyl demo seed|run`: the Turkistan demo on the embedded default.

`demo run` is what `make demo` starts: it seeds the fleet, starts the camera simulator with a
realistic mix of healthy and faulty cameras, and runs the monitor against it. The simulator is a
rehearsal tool, so it is started here as a separate process and never imported by the product.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.logging import RichHandler

from qarauyl.cli._app import app, console, err_console
from qarauyl.cli._progress import progress_bar
from qarauyl.cli.monitor_cmd import describe
from qarauyl.cli.status_cmd import status
from qarauyl.config import Settings, get_settings
from qarauyl.inventory.demo_figures import DEMO_CAMERAS, DEMO_PASSWORD, DEMO_SEED, DEMO_USERNAME

if TYPE_CHECKING:
    from qarauyl.monitor import CycleSummary
    from qarauyl.sim.harness import Simulator
    from qarauyl.store import Database

demo_app = typer.Typer(help="The Turkistan demo: a synthetic fleet, simulated cameras, the monitor.")
app.add_typer(demo_app, name="demo")


def _seed(
    cameras: int,
    seed_value: int,
    rtsp_base: str,
    stream_resolution: tuple[int, int] | None = None,
    stream_fps: float | None = None,
) -> None:
    from qarauyl.inventory.demo_fleet import seed_demo
    from qarauyl.runtime import open_database
    from qarauyl.security import CredentialCipher

    settings = get_settings()
    db = open_database(settings)
    with progress_bar() as progress:
        plan = seed_demo(
            db,
            cipher=CredentialCipher.from_settings(settings),
            cameras=cameras,
            seed=seed_value,
            rtsp_base=rtsp_base,
            stream_resolution=stream_resolution,
            stream_fps=stream_fps,
            progress=progress,
        )
    console.print(
        f"Demo fleet: {len(plan.created)} camera(s) created, {len(plan.updated)} updated, "
        f"{plan.unchanged} unchanged.",
        markup=False,
    )


@demo_app.command("seed")
def seed(
    cameras: int = typer.Option(DEMO_CAMERAS, "--cameras", min=1, help="How many cameras."),
    seed_value: int = typer.Option(
        DEMO_SEED, "--seed", help="Random seed; the same seed gives the same fleet."
    ),
    rtsp_base: str = typer.Option("rtsp://127.0.0.1:8554", help="Where the fleet's streams are served."),
) -> None:
    """Create (or bring up to date) the Turkistan region demo fleet."""
    _seed(cameras, seed_value, rtsp_base)


DEMO_ADMIN = "demo"
DEMO_ADMIN_PASSWORD = "qarauyl-demo-admin"
# The main contractor's field engineer: the repairs queue as it looks on an engineer's phone (their
# contractor's tickets only), and the tickets they take.
DEMO_ENGINEER = "engineer"
DEMO_ENGINEER_PASSWORD = "qarauyl-demo-engineer"


def _serve_console(db: Database, port: int) -> None:
    """The console in this thread (uvicorn owns Ctrl-C), with demo accounts to sign in as."""
    import uvicorn

    from qarauyl.accounts.users import create_user, get_user
    from qarauyl.cli.serve_cmd import build_app
    from qarauyl.errors import NotFoundError
    from qarauyl.inventory.demo_fleet import CONTRACTOR

    accounts = (
        (DEMO_ADMIN, "admin", DEMO_ADMIN_PASSWORD, None),
        (DEMO_ENGINEER, "engineer", DEMO_ENGINEER_PASSWORD, CONTRACTOR),
    )
    for name, role, password, organisation in accounts:
        try:
            get_user(db, name)
        except NotFoundError:
            create_user(db, name, role, password, organisation=organisation)
    console.print(
        f"Console: http://127.0.0.1:{port}/  sign in as {DEMO_ADMIN} / {DEMO_ADMIN_PASSWORD} "
        f"(administrator), or {DEMO_ENGINEER} / {DEMO_ENGINEER_PASSWORD} (a field engineer of {CONTRACTOR})",
        markup=False,
    )
    uvicorn.run(build_app(), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5)


DEMO_STREAM = (640, 360)  # the simulator streams every camera like a sub-stream: cheap to encode and probe
DEMO_FPS = 12.5


def _add_reference_faults(sim: Simulator, later: dict[str, list[int]]) -> None:
    """Covers and turns away the cameras held back for it, now that the monitor knows how they look."""
    try:
        for fault, cameras in later.items():
            sim.set_fault_many(cameras, fault)
    except Exception as exc:  # the demo runs on without them
        err_console.print(f"Could not cover or turn the simulated cameras: {exc}", markup=False)
        return
    count = sum(len(cameras) for cameras in later.values())
    faults = ", ".join(later)
    console.print(
        f"References learnt: {count} camera(s) now covered or turned away ({faults}, judged against a "
        "camera's reference); the next cycles report them."
    )


# How many cycles the demo's power cut lasts: long enough to find the incident in the console (12 minutes at
# the default interval), then the power comes back and the incident closes itself.
OUTAGE_CYCLES = 8


def _power(sim: Simulator, district: str, cameras: list[int], *, on: bool) -> None:
    """The demo's power cut in one town (demo_fleet.demo_outage), or the power back."""
    try:
        if on:
            sim.clear_fault_many(cameras, "offline")
        else:
            sim.set_fault_many(cameras, "offline")
    except Exception as exc:  # the demo runs on without it
        err_console.print(f"Could not switch the simulated power in {district}: {exc}", markup=False)
        return
    if on:
        console.print(f"Power back in {district}: its {len(cameras)} camera(s) answer again.", markup=False)
    else:
        console.print(
            f"Power cut in {district}: {len(cameras)} camera(s) went offline together; the monitor should "
            f"raise one incident for them, closed by itself when the power is back ({OUTAGE_CYCLES} cycles).",
            markup=False,
        )


def _monitor(
    db: Database,
    settings: Settings,
    concurrency: int,
    interval: float,
    stop: threading.Event,
    on_cycle: Callable[[CycleSummary], None],
) -> None:
    """The monitor and the maintenance worker beside it, until `stop` is set."""
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.worker import MaintenanceWorker
    from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
    from qarauyl.monitor.single import only_monitor
    from qarauyl.security import CredentialCipher

    snapshots = SnapshotStore(settings.data_dir / "snapshots")
    policy = settings.health.policy()
    options = MonitorOptions(concurrency=concurrency, interval=interval, timeout=8.0, frames=4, policy=policy)
    cipher = CredentialCipher.from_settings(settings)
    with (
        only_monitor(db),
        MaintenanceWorker(db, load_config()) as maintenance,
        Monitor(db, cipher, snapshots, options, on_recorded=lambda _: maintenance.nudge()) as monitor,
    ):
        monitor.run_forever(stop, on_cycle=on_cycle)


@demo_app.command("run")
def run(
    cameras: int = typer.Option(DEMO_CAMERAS, "--cameras", min=1, help="How many cameras."),
    interval: float = typer.Option(90.0, "--interval", min=10.0, help="Seconds per monitor cycle."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=64, help="Cameras probed at once."),
    rtsp_port: int = typer.Option(8554, "--rtsp-port", help="Simulator RTSP port (0: any free port)."),
    control_port: int = typer.Option(
        8555, "--control-port", help="Simulator control port (0: any free port)."
    ),
    cycles: int = typer.Option(0, "--cycles", min=0, help="Stop after this many monitor cycles (0: run on)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Console port (0: no console)."),
) -> None:
    """Seed the fleet, start simulated cameras with a realistic mix of faults, and monitor them."""
    from qarauyl.inventory.demo_fleet import demo_faults, demo_outage, generate_fleet, split_faults
    from qarauyl.monitor.recording import REFERENCE_VOTES
    from qarauyl.runtime import open_database
    from qarauyl.sim.harness import run_simulator  # the rehearsal tool, started only by the demo

    settings = get_settings()
    logging.basicConfig(level="WARNING", handlers=[RichHandler(console=err_console)], format="%(message)s")
    # The fleet and the console come first, so a newcomer sees the map within seconds; the simulator's
    # first start (encoding its clips) and the first probes fill in the health while they watch.
    expected_base = f"rtsp://127.0.0.1:{rtsp_port or 8554}"
    _seed(cameras, DEMO_SEED, expected_base, DEMO_STREAM, DEMO_FPS)
    db = open_database(settings)
    stop = threading.Event()
    done = 0
    # What the demo does once every healthy camera has its reference (cover, turn, cut a town's power), and
    # later (the power back): set when the simulator is up.
    release: Callable[[], None] | None = None
    restore: Callable[[], None] | None = None

    def on_cycle(summary: CycleSummary) -> None:
        nonlocal done
        done += 1
        console.print(describe(summary), markup=False)
        if done == REFERENCE_VOTES and release is not None:
            release()
        if done == REFERENCE_VOTES + OUTAGE_CYCLES and restore is not None:
            restore()
        if cycles and done >= cycles:
            stop.set()

    def simulate_and_monitor() -> None:
        nonlocal release, restore
        rows = generate_fleet(cameras, DEMO_SEED)
        faults = demo_faults(rows, DEMO_SEED)
        at_start, later = split_faults(faults)
        town, cut = demo_outage(rows, faults, DEMO_SEED)
        console.print(
            f"Starting {cameras} simulated cameras ({len(faults)} with faults); "
            "the first start encodes their clips (about a minute)…"
        )
        try:
            with run_simulator(
                cameras,
                cache_dir=Path(settings.data_dir) / "sim-cache",
                username=DEMO_USERNAME,
                password=DEMO_PASSWORD,
                faults=at_start,
                port=rtsp_port,
                control_port=control_port,
                width=DEMO_STREAM[0],
                height=DEMO_STREAM[1],
                fps=DEMO_FPS,
                variety=4,
                clip_seconds=4.0,
                max_lifetime=30 * 24 * 3600.0,
            ) as sim:
                base = f"rtsp://{sim.host}:{sim.port}"
                if base != expected_base:  # a free port was picked: point the inventory at it
                    _seed(cameras, DEMO_SEED, base, DEMO_STREAM, DEMO_FPS)
                console.print(f"Simulator: {base}/cam/<id>, control API {sim.control_url}/docs")
                console.print(f"Monitoring every {interval:.0f} s; Ctrl-C stops.")

                def cut_power_and_cover() -> None:
                    if later:
                        _add_reference_faults(sim, later)
                    if cut:
                        _power(sim, town, cut, on=False)

                release = cut_power_and_cover
                restore = partial(_power, sim, town, cut, on=True) if cut else None
                _monitor(db, settings, concurrency, interval, stop, on_cycle)
        except Exception as exc:  # the console stays up; say plainly why there is no health
            err_console.print(f"The camera simulator or the monitor stopped: {exc}", markup=False)
            stop.set()

    if port and not cycles:
        backend = threading.Thread(target=simulate_and_monitor, name="qarauyl-demo", daemon=True)
        backend.start()
        try:
            _serve_console(db, port)
        finally:
            stop.set()
            backend.join(timeout=30)
    else:
        try:
            simulate_and_monitor()
        except KeyboardInterrupt:
            stop.set()
    status(as_json=False)
