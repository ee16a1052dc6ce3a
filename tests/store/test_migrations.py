from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from qarauyl.store.database import Database
from qarauyl.store.models import Base
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


def test_the_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    """A column added to a model without a migration works in tests that create tables from the models and
    fails on every upgraded production database; this catches it on both engines."""
    db = Database(database_url)
    upgrade(db)
    with db.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert drift == []
    downgrade(db, "0007")  # and the comparison does see a missing column
    with db.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert {(d[0], d[2], d[3].name) for d in drift} >= {("add_column", "camera_health", "announced")}
    db.dispose()
