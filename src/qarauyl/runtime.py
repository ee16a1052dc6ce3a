"""Wiring shared by the faces (CLI, API, console): settings to an open, migrated database."""

from __future__ import annotations

from qarauyl.config import Settings, get_settings
from qarauyl.errors import ConfigError
from qarauyl.store.database import Database
from qarauyl.store.schema import current_revision, head_revision, upgrade


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """Opens the configured database. The embedded SQLite file, or an empty database, is migrated
    on the spot; a PostgreSQL database with data on an older schema is left for an explicit
    `qarauyl db upgrade`, because production upgrades deserve a moment of attention."""
    settings = settings or get_settings()
    db = Database(settings.effective_database_url)
    if not migrate:
        return db
    try:
        current = current_revision(db)
    except Exception as exc:
        from qarauyl.domain.stream_url import redact_url

        raise ConfigError(f"Cannot open the database {redact_url(db.url)}: {exc}") from None
    if current == head_revision(db):
        return db
    if db.is_sqlite or current is None:
        upgrade(db)
        return db
    raise ConfigError(
        f"The database schema is at revision {current}, older than this Qarauyl; run `qarauyl db upgrade`."
    )
