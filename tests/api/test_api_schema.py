"""schemathesis against the published OpenAPI spec: no server error, every answer matches the schema.

Bounded (a few examples per operation) so it runs in well under two minutes; it runs as admin, so
every route is reachable, against a real app on SQLite with the small test world."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import make_url, text

from tests.api.conftest import World, build_world
from tests.conftest import PG_ADMIN_URL

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def schema_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world on each backend: PostgreSQL refuses things SQLite stores (NUL characters, 64-bit ids)."""
    tmp: Path = tmp_path_factory.mktemp("schema")
    if request.param == "sqlite":
        built = build_world(tmp, f"sqlite:///{tmp / 'api.db'}")
        yield built
        built.db.dispose()
        return
    admin = request.getfixturevalue("pg_admin_engine")
    name = f"qarauyl_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        built = build_world(
            tmp, make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        )
        yield built
        built.db.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_api_matches_its_schema(schema_world: World) -> None:
    # schemathesis' pytest plugin (`from_fixture`) does not run under pytest 9, so each operation's
    # Hypothesis strategy is driven directly; failures are collected so one run reports them all.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", schema_world.app)
    headers = schema_world.headers("admin")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}"[:1500])
    assert operations >= 25
    assert not failures, "\n\n".join(failures)


def test_spec_is_published_and_passwords_are_write_only(schema_world: World) -> None:
    with schema_world.client() as client:
        spec = client.get("/api/v1/openapi.json").json()
    components = spec["components"]["schemas"]
    assert components["CameraCreate"]["properties"]["password"]["writeOnly"] is True
    assert "password" not in components["CameraOut"]["properties"]
    assert "username" not in components["CameraOut"]["properties"]
    assert "password" not in components["UserOut"]["properties"]
    # Every list answers with a page: total, limit, offset, items.
    for path, item in spec["paths"].items():
        get = item.get("get")
        if get and path.endswith(("cameras", "events", "users", "audit", "organisations")):
            ok = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert set(components[ok]["required"]) == {"total", "limit", "offset", "items"}, path
            assert {p["name"] for p in get["parameters"]} >= {"limit", "offset"}, path
