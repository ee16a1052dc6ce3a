"""Migration 0005 adds the camera optics the planner reads, on SQLite and PostgreSQL, and takes them away
again without touching the rest of the camera row."""

from __future__ import annotations

from sqlalchemy import inspect, text

from qarauyl.store.database import Database
from qarauyl.store.schema import downgrade, upgrade

OPTICS = {"mount_height_m", "focal_mm", "sensor_width_mm"}


def _columns(db: Database) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("camera")}


def test_optics_columns_come_and_go_and_keep_the_row(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db, "0004")
    assert not OPTICS & _columns(db)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO camera (code, name, vendor, kind, latitude, longitude, lifecycle, tags, health,"
                " created_at, updated_at) VALUES ('C-1', 'one', 'hikvision', 'fixed', 43.3, 68.27,"
                " 'connected', '[]', 'ok', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(db, "0005")
    assert _columns(db) >= OPTICS
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE camera SET mount_height_m = 7.5, focal_mm = 4.0 WHERE code = 'C-1'"))
        row = connection.execute(text("SELECT mount_height_m, focal_mm, sensor_width_mm FROM camera")).one()
    assert tuple(row) == (7.5, 4.0, None)
    downgrade(db, "0004")
    assert not OPTICS & _columns(db)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT code, latitude FROM camera")).one() == ("C-1", 43.3)
    db.dispose()
