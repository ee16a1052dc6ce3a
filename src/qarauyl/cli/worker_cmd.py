"""`qarauyl worker`: a remote probe worker, on a machine inside the cameras' network."""

from __future__ import annotations

import logging
import socket

import typer
from rich.logging import RichHandler

from qarauyl.cli._app import app, console, err_console
from qarauyl.config import Settings, get_settings
from qarauyl.domain.stream_url import redact_url
from qarauyl.errors import ConfigError
from qarauyl.remote.names import DEFAULT_QUEUE


def worker_secret(settings: Settings) -> bytes:
    """The installation's secret key, which a worker must share with the monitor and never invents."""
    from qarauyl.security.credentials import load_secret_key

    if settings.secret_key is None and not (settings.data_dir / "secret.key").exists():
        raise ConfigError(
            "A probe worker needs the monitor's secret key: set QARAUYL_SECRET_KEY to the same value as on "
            "the monitor's machine (or copy its secret.key into this machine's data directory)."
        )
    return load_secret_key(settings)


@app.command("worker")
def worker(
    broker: str | None = typer.Option(
        None, "--broker", help="The Celery broker URL; default: QARAUYL_BROKER_URL."
    ),
    queue: str = typer.Option(DEFAULT_QUEUE, "--queue", help="The queue to take probe jobs from."),
    concurrency: int = typer.Option(
        16, "--concurrency", min=1, max=256, help="Cameras probed at the same time on this machine."
    ),
    name: str | None = typer.Option(None, "--name", help="This worker's name (default: the host name)."),
) -> None:
    """Probe cameras for a monitor on another machine: take jobs from the broker, return verdicts."""
    from qarauyl.remote import Sealer
    from qarauyl.remote.app import configure_worker, make_app, worker_argv

    settings = get_settings()
    broker_url = broker or (settings.broker_url.get_secret_value() if settings.broker_url else None)
    if not broker_url:
        raise ConfigError("No broker: pass --broker URL or set QARAUYL_BROKER_URL.")
    sealer = Sealer(worker_secret(settings))
    logging.basicConfig(
        level=settings.log_level, handlers=[RichHandler(console=err_console)], format="%(message)s"
    )
    celery_app = make_app(broker_url)
    hostname = f"qarauyl@{name or socket.gethostname()}"
    console.print(
        f"Probe worker {hostname}: queue {queue} on {redact_url(broker_url)}, "
        f"{concurrency} camera(s) at a time."
    )
    pool = configure_worker(sealer, concurrency)
    try:
        celery_app.worker_main(worker_argv(queue, concurrency, hostname, settings.log_level))
    finally:
        pool.close(cancel_pending=True)
