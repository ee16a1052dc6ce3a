"""`qarauyl monitor`: probe every connected camera, once or on a schedule."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import TYPE_CHECKING

import typer
from rich.logging import RichHandler

from qarauyl.cli._app import app, console, counts_text, err_console
from qarauyl.cli._progress import progress_bar
from qarauyl.config import Settings, get_settings
from qarauyl.domain.stream_url import redact_url
from qarauyl.errors import NotFoundError, QarauylError
from qarauyl.health.causes import cause_words
from qarauyl.remote.names import DEFAULT_QUEUE

if TYPE_CHECKING:
    from qarauyl.monitor import CycleSummary
    from qarauyl.remote import RemotePool
    from qarauyl.store import Database


def _check_codes(db: Database, codes: list[str]) -> None:
    """NotFoundError for the first `--camera` code the register does not have (a typo probed nothing)."""
    if not codes:
        return
    from sqlalchemy import select

    from qarauyl.store import Camera

    with db.session() as session:
        known = set(session.scalars(select(Camera.code).where(Camera.code.in_(codes))))
    for code in codes:
        if code not in known:
            raise NotFoundError.camera(code)


def describe(summary: CycleSummary) -> str:
    states = ", ".join(f"{summary.states.get(s, 0)} {s}" for s in ("ok", "degraded", "failed"))
    # States count what was recorded; cameras probed include those whose results the database refused.
    probed = summary.probed + summary.not_recorded
    text = f"Probed {probed} camera(s) in {summary.seconds:.1f} s: {states}."
    if summary.codes:
        text += " Faults: " + counts_text(summary.codes) + "."
    if summary.causes:
        # Offline alone does not say whether to send a van or fix the register: the probe's causes do.
        text += " Why the cameras could not be read: " + counts_text(summary.causes, cause_words) + "."
    if summary.held:
        # Not faults to act on, but not a clean picture either: a duty officer should know they are there.
        text += " Held back by fault rules (no alarm): " + counts_text(summary.held) + "."
    if summary.unanswered:
        text += f" {summary.unanswered} probe(s) brought no answer back (see the log: remote workers?)."
    if summary.not_recorded:
        text += f" {summary.not_recorded} result(s) could not be recorded (the database was locked or away)."
    if summary.unprobeable:
        from qarauyl.monitor.service import not_probed

        text += " " + not_probed(summary.unprobeable)
    return text


def remote_pool(broker_url: str, settings: Settings, concurrency: int, queue: str) -> RemotePool:
    """A pool of remote workers: the broker's app, sealed with this installation's secret key."""
    from qarauyl.remote import RemotePool, Sealer
    from qarauyl.remote.app import make_app
    from qarauyl.security.credentials import load_secret_key

    return RemotePool(make_app(broker_url), Sealer(load_secret_key(settings)), size=concurrency, queue=queue)


@app.command("monitor")
def monitor(
    once: bool = typer.Option(False, "--once", help="Run one full cycle, print a summary and exit."),
    interval: float = typer.Option(
        300.0, "--interval", min=5.0, help="Seconds per cycle (each camera once)."
    ),
    concurrency: int = typer.Option(
        16,
        "--concurrency",
        min=1,
        max=256,
        help="Cameras probed at the same time (two processes per core, the rest as threads in them).",
    ),
    timeout: float = typer.Option(10.0, "--timeout", min=1.0, help="Seconds a probe may take."),
    frames: int = typer.Option(6, "--frames", min=1, max=50, help="Frames decoded per probe."),
    camera: list[str] = typer.Option([], "--camera", help="Only these camera codes (repeatable)."),
    broker: str | None = typer.Option(
        None,
        "--broker",
        help="Probe through remote workers (`qarauyl worker`) on this Celery broker; default: "
        "QARAUYL_BROKER_URL if set, else probe from this machine.",
    ),
    queue: str = typer.Option(DEFAULT_QUEUE, "--queue", help="The workers' queue (with a broker)."),
    local: bool = typer.Option(False, "--local", help="Probe from this machine even if a broker is set."),
) -> None:
    """Probe every connected camera, judge its picture and keep its health up to date."""
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.worker import MaintenanceWorker
    from qarauyl.monitor import Monitor, MonitorOptions, SnapshotStore
    from qarauyl.monitor.single import only_monitor
    from qarauyl.runtime import open_database
    from qarauyl.security import CredentialCipher

    settings = get_settings()
    db = open_database(settings)
    _check_codes(db, camera)
    cipher = CredentialCipher.from_settings(settings)
    snapshots = SnapshotStore(settings.data_dir / "snapshots")
    options = MonitorOptions(
        concurrency=concurrency,
        timeout=timeout,
        frames=frames,
        interval=interval,
        policy=settings.health.policy(),
    )
    configured = settings.broker_url.get_secret_value() if settings.broker_url else None
    broker_url = None if local else broker or configured
    pool = remote_pool(broker_url, settings, concurrency, queue) if broker_url else None
    if broker_url:
        console.print(f"Probing through remote workers on {redact_url(broker_url)}, queue {queue}.")
    # Confirmed faults become repair tickets and notifications (issue: repairs), beside the probing.
    maintenance = MaintenanceWorker(db, load_config())
    nudge = lambda _: maintenance.nudge()  # noqa: E731
    with contextlib.ExitStack() as stack:
        stack.enter_context(only_monitor(db))
        if pool is not None:
            stack.callback(pool.close)  # after the monitor, which may still wait on it
        service = stack.enter_context(Monitor(db, cipher, snapshots, options, pool=pool, on_recorded=nudge))
        if once:
            with progress_bar() as progress:
                summary = service.run_once(set(camera) or None, progress=progress)
            maintenance.run_pass()
            console.print(describe(summary), markup=False, highlight=False)
            if summary.not_recorded:
                # A scheduled `--once` must not report success for a cycle the database never took.
                raise QarauylError(
                    f"{summary.not_recorded} probe result(s) could not be recorded: the database was locked "
                    "or did not answer (see the log)."
                )
            return
        logging.basicConfig(
            level=settings.log_level, handlers=[RichHandler(console=err_console)], format="%(message)s"
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        console.print(f"Monitoring every {interval:.0f} s, {concurrency} camera(s) at a time; Ctrl-C stops.")
        maintenance.start()
        try:
            service.run_forever(stop, on_cycle=lambda s: console.print(describe(s), markup=False))
        except KeyboardInterrupt:
            stop.set()
        finally:
            maintenance.stop()
