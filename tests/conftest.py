"""Shared fixtures: isolated settings, and a real database on each backend (SQLite and PostgreSQL).

PostgreSQL is never skipped: `make test` starts it (scripts/test-services.sh); if it is still not
reachable, the tests that need it fail with a message that says how to start it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from qarauyl.config import Settings, get_settings
from qarauyl.store.database import Database
from qarauyl.store.schema import upgrade

PG_ADMIN_URL = os.environ.get(
    "QARAUYL_TEST_PG_URL", "postgresql+psycopg://qarauyl:qarauyl@127.0.0.1:5432/postgres"
)
SHARED_FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[object]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)} "
            f"({exc.__class__.__name__}); run `bash scripts/test-services.sh` or `make test`.",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = request.getfixturevalue("pg_admin_engine")
    name = f"qarauyl_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'qarauyl.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Settings]:
    """Settings isolated from the developer's own: data dir, database and secret in tmp_path."""
    monkeypatch.setenv("QARAUYL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QARAUYL_DATABASE_URL", database_url)
    monkeypatch.setenv("QARAUYL_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("QARAUYL_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
