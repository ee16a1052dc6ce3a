from sqlalchemy import inspect

from qarauyl.store.database import Database
from qarauyl.store.schema import current_revision, downgrade, head_revision, upgrade


def test_upgrade_creates_schema_and_downgrade_removes_it(database_url: str) -> None:
    db = Database(database_url)
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision(db)
    tables = set(inspect(db.engine).get_table_names())
    assert {"camera", "district", "organisation", "network_zone"} <= tables
    upgrade(db)  # a second upgrade is a no-op
    assert current_revision(db) == head_revision(db)
    downgrade(db, "base")
    assert "camera" not in set(inspect(db.engine).get_table_names())
    db.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        fks = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert mode == "wal"
    assert fks == 1
    db.dispose()
