"""`qarauyl serve`: the HTTP API and the web console in one process on one port."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from qarauyl.cli._app import app, console

if TYPE_CHECKING:
    from fastapi import FastAPI


def build_app() -> FastAPI:
    """The API app (qarauyl.api.create_app) with the console mounted on it."""
    from qarauyl.api import create_app
    from qarauyl.config import get_settings

    settings = get_settings()
    # NiceGUI reads its storage folder when first imported: keep it inside the installation's data.
    os.environ.setdefault("NICEGUI_STORAGE_PATH", str(settings.data_dir / "console"))
    from qarauyl.web import mount

    fastapi_app = create_app(settings)
    mount(fastapi_app, settings)
    return fastapi_app


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8080, min=1, max=65535, help="TCP port."),
) -> None:
    """Serve the web console and the HTTP API."""
    import uvicorn

    fastapi_app = build_app()
    console.print(f"Qarauyl console on http://{host}:{port}/  (Ctrl+C stops it)", markup=False)
    uvicorn.run(fastapi_app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
