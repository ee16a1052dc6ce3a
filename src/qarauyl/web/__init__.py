"""The web console: NiceGUI pages mounted on the FastAPI app, every asset served locally.

    mount(app, settings)   adds the console (/, /map, /cameras, /events, /tickets, /kpi, /planning,
                           /admin, /login)
                           to `app`, an app from qarauyl.api.create_app (its sessions, /login, /logout)

Police networks are air-gapped: NiceGUI ships Vue, Quasar, Leaflet, ECharts and AG Grid itself, the
map draws no tiles unless `map_tile_url` is configured, and the pages load nothing from elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from qarauyl.config import Settings
from qarauyl.errors import ConfigError

STATIC_DIR = Path(__file__).parent / "static"


def mount(app: FastAPI, settings: Settings) -> None:
    """Adds the console's pages and routes to `app` (call once per process: NiceGUI is a singleton)."""
    from nicegui import app as nicegui_app
    from nicegui import ui
    from nicegui.storage import Storage

    from qarauyl.monitor import SnapshotStore
    from qarauyl.runtime import open_database
    from qarauyl.security import load_secret_key
    from qarauyl.web import (  # noqa: F401  (importing a page module registers its pages)
        _page_admin,
        _page_cameras,
        _page_events,
        _page_maintenance,
        _page_map,
        _page_overview,
        _page_planning,
        _page_rules,
        _routes,
    )
    from qarauyl.web._shell import ConsoleState, set_state

    db: Any = (
        getattr(app.state, "db", None) or getattr(app.state, "database", None) or open_database(settings)
    )
    snapshots: Any = getattr(app.state, "snapshots", None) or SnapshotStore(settings.data_dir / "snapshots")
    if not hasattr(app.state, "sessions"):
        raise ConfigError("The console mounts on the API app: build it with qarauyl.api.create_app.")
    set_state(ConsoleState(settings=settings, db=db, snapshots=snapshots))
    # Requests reach the console through NiceGUI's own app: give it what accounts.principal_from_request
    # reads from the API's (the database and the session-cookie codec).
    for name in ("db", "sessions"):
        if hasattr(app.state, name):
            setattr(nicegui_app.state, name, getattr(app.state, name))
    # Per-person console storage (language, the stand-in login) lives with the installation's data.
    Storage.path = (settings.data_dir / "console").resolve()
    Storage.path.mkdir(parents=True, exist_ok=True)
    nicegui_app.add_static_files("/console-static", STATIC_DIR)
    secret = hmac.new(load_secret_key(settings), b"qarauyl console session", hashlib.sha256).hexdigest()
    ui.run_with(
        app,
        title="Qarauyl",
        favicon=STATIC_DIR / "favicon.svg",
        storage_secret=secret,
        session_middleware_kwargs={"session_cookie": "qarauyl_console", "same_site": "lax"},
        show_welcome_message=False,
        reconnect_timeout=10.0,
    )


__all__ = ["mount"]
