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
    seen = {(d[0], d[2], d[3].name) if d[0] == "add_column" else (d[0], d[1].name) for d in drift}
    assert {("add_column", "camera_health", "announced"), ("add_table", "user_session")} <= seen
    db.dispose()


def test_codes_no_address_can_reach_are_renamed_and_the_old_ones_kept_in_the_audit(database_url: str) -> None:
    from sqlalchemy import select

    from qarauyl.accounts.models import AuditEntry
    from qarauyl.store.models import Camera

    db = Database(database_url)
    upgrade(db, "0008")  # as a register from before codes were checked could hold them
    codes = ["TST/1", "TST-1", "..", "OK-1", "A/B/C"]
    with db.session() as session:
        for code in codes:
            session.add(Camera(code=code, name=code, vendor="axis", kind="fixed", latitude=43.3,
                               longitude=68.2, lifecycle="connected", tags=[]))  # fmt: skip
    upgrade(db)
    with db.session() as session:
        renamed = list(session.scalars(select(Camera.code).order_by(Camera.id)))
        audit = {
            (a.before or {}).get("code"): (a.after or {}).get("code")
            for a in session.scalars(select(AuditEntry))
        }
    db.dispose()
    # The valid ones untouched; 'TST/1' takes a suffix, since 'TST-1' is another camera's.
    assert renamed == ["TST-1-2", "TST-1", "camera-3", "OK-1", "A-B-C"]
    assert audit == {"TST/1": "TST-1-2", "..": "camera-3", "A/B/C": "A-B-C"}


def test_the_consoles_audit_entries_take_the_apis_names(database_url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from qarauyl.accounts.models import AuditEntry

    db = Database(database_url)
    upgrade(db, "0010")
    written = [
        ("camera.lifecycle", "TRK-0001"),
        ("camera.edit", "TRK-0002"),
        ("camera.retake_reference", "camera:TRK-0003"),
        ("event.acknowledge", "event:7"),
        ("users.create", "user:dana"),  # already the one name: untouched
    ]
    with db.session() as session:
        for action, target in written:
            session.add(AuditEntry(at=datetime.now(UTC), actor="olzhas", action=action, target=target))
    upgrade(db)
    with db.session() as session:
        entries = [(a.action, a.target) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    db.dispose()
    assert entries == [
        ("cameras.lifecycle", "camera:TRK-0001"),
        ("cameras.update", "camera:TRK-0002"),
        ("cameras.retake_reference", "camera:TRK-0003"),
        ("events.ack", "event:7"),
        ("users.create", "user:dana"),
    ]
