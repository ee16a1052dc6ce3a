"""The HTTP API (/api/v1, FastAPI): cameras, health and events, snapshots, fleet summary, users, audit."""

from qarauyl.api._app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
