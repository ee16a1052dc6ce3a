"""`qarauyl demo seed|run`: the Turkistan demo fleet on the embedded default."""

from __future__ import annotations

import typer

from qarauyl.cli._app import app, console
from qarauyl.cli._progress import progress_bar
from qarauyl.cli.status_cmd import status
from qarauyl.config import get_settings
from qarauyl.inventory.demo_fleet import DEMO_CAMERAS, DEMO_SEED, seed_demo
from qarauyl.runtime import open_database
from qarauyl.security import CredentialCipher

demo_app = typer.Typer(help="The Turkistan demo: a synthetic fleet, later simulated cameras and the console.")
app.add_typer(demo_app, name="demo")


@demo_app.command("seed")
def seed(
    cameras: int = typer.Option(DEMO_CAMERAS, "--cameras", min=1, help="How many cameras."),
    seed_value: int = typer.Option(
        DEMO_SEED, "--seed", help="Random seed; the same seed gives the same fleet."
    ),
) -> None:
    """Create (or bring up to date) the Turkistan region demo fleet."""
    settings = get_settings()
    db = open_database(settings)
    with progress_bar() as progress:
        plan = seed_demo(
            db,
            cipher=CredentialCipher.from_settings(settings),
            cameras=cameras,
            seed=seed_value,
            progress=progress,
        )
    console.print(
        f"Demo fleet: {len(plan.created)} camera(s) created, {len(plan.updated)} updated, "
        f"{plan.unchanged} unchanged.",
        markup=False,
    )


@demo_app.command("run")
def run(cameras: int = typer.Option(DEMO_CAMERAS, "--cameras", min=1, help="How many cameras.")) -> None:
    """Seed the demo fleet and show the fleet summary (later: simulator, monitor and console)."""
    seed(cameras=cameras, seed_value=DEMO_SEED)
    status(as_json=False)
