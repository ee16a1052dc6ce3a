"""`qarauyl config show`."""

from __future__ import annotations

import json

import typer

from qarauyl.cli._app import app, console
from qarauyl.config import get_settings

config_app = typer.Typer(help="Settings: QARAUYL_* variables and the TOML config file.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the effective settings, secrets masked."""
    shown = get_settings().shown()
    if as_json:
        console.print_json(json.dumps(shown))
        return
    for key, value in shown.items():
        if isinstance(value, dict):  # a section, as in the config file: health.confirm_probes …
            for name, inner in value.items():
                console.print(f"{key}.{name:20} {inner}", markup=False, highlight=False)
        else:
            console.print(f"{key:14} {value}", markup=False, highlight=False)
