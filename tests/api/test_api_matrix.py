"""The role × route matrix: every route, for every role, gives the allowed answer or a 403.

The route list comes from the app itself, so a new route without an entry here fails the test.
Expected roles are written out per route (not read from qarauyl.accounts.ACTIONS), so a change of
policy in the code has to be made here too, on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from qarauyl.api._errors import ANY_METHOD
from tests.api.conftest import World, password_of

ALL = frozenset({"admin", "operator", "engineer", "planner", "viewer"})
OCC = frozenset({"admin", "operator"})
FIELD = frozenset({"admin", "operator", "engineer"})
ADMIN = frozenset({"admin"})
PUBLIC = None  # no sign-in needed

CSV = b"code,name,vendor,latitude,longitude,maintainer\n"


@dataclass(frozen=True)
class Call:
    url: str
    ok: int
    json: Any = None
    files: Any = None
    data: Any = None


Make = Callable[[World, str], Call]


def _new_camera(w: World, role: str) -> Call:
    code = w.unique(f"N-{role}-")
    body = {"code": code, "name": "New", "vendor": "axis", "latitude": 43.3, "longitude": 68.2}
    return Call("/api/v1/cameras", 201, json=body)


def _delete_camera(w: World, role: str) -> Call:
    code = w.unique(f"D-{role}-")
    w.add_camera(code)
    return Call(f"/api/v1/cameras/{code}", 204)


def _import(w: World, role: str) -> Call:
    rows = CSV + f"{w.unique('I-')},Imported,axis,43.3,68.2,Contractor A\n".encode()
    return Call("/api/v1/cameras/import", 200, files={"file": ("cams.csv", rows, "text/csv")})


def _ack(w: World, role: str) -> Call:
    return Call(f"/api/v1/events/{w.add_event('A-1')}/acknowledge", 200)


def _new_user(w: World, role: str) -> Call:
    body = {"name": w.unique(f"u-{role}-"), "role": "viewer", "password": "a-long-password"}
    return Call("/api/v1/users", 201, json=body)


def _clear_rule(w: World, role: str) -> Call:
    from qarauyl.monitor.fault_rules import set_rule

    set_rule(w.db, "noise", camera="A-1", min_score=0.7)
    return Call("/api/v1/fault-rules/noise?camera=A-1", 204)


def _revoke_token(w: World, role: str) -> Call:
    from qarauyl.accounts import create_token, list_tokens

    create_token(w.db, "viewer", f"to revoke ({role})")
    return Call(f"/api/v1/users/viewer/tokens/{list_tokens(w.db, 'viewer')[-1].id}", 204)


def _ticket(w: World) -> int:
    """Camera A-1's open ticket (contractor A's, so the engineer's too), opened if it has none."""
    from datetime import UTC, datetime

    from qarauyl.maintenance.config import MaintenanceConfig
    from qarauyl.maintenance.tickets import open_ticket

    return open_ticket(w.db, "A-1", now=datetime.now(UTC), config=MaintenanceConfig()).id


def _cancel_ticket(w: World, role: str) -> Call:
    return Call(f"/api/v1/tickets/{_ticket(w)}/status", 200, json={"status": "cancelled"})


def _test_notice(w: World, role: str, path: str) -> Call:
    """A test message to someone with no address saved: refused with a sentence (422), past the roles."""
    from qarauyl.accounts import update_user

    update_user(w.db, "viewer" if "/users/" in path else role, email=None, telegram_chat_id=None)
    return Call(path, 422)


def _form_login(w: World, role: str) -> Call:
    return Call("/login", 303, data={"name": role, "password": password_of(role), "next": "/cameras"})


# (method, path template) -> (roles allowed, or PUBLIC; how to make a call that should succeed)
MATRIX: dict[tuple[str, str], tuple[frozenset[str] | None, Make]] = {
    ("GET", "/api/v1/openapi.json"): (PUBLIC, lambda w, r: Call("/api/v1/openapi.json", 200)),
    ("POST", "/api/v1/auth/login"): (
        PUBLIC,
        lambda w, r: Call("/api/v1/auth/login", 200, json={"name": r, "password": password_of(r)}),
    ),
    ("POST", "/api/v1/auth/logout"): (PUBLIC, lambda w, r: Call("/api/v1/auth/logout", 204)),
    ("GET", "/api/v1/auth/me"): (ALL, lambda w, r: Call("/api/v1/auth/me", 200)),
    ("PUT", "/api/v1/auth/me/language"): (
        ALL,
        lambda w, r: Call("/api/v1/auth/me/language", 200, json={"language": "kk"}),
    ),
    ("GET", "/api/v1/auth/me/contacts"): (ALL, lambda w, r: Call("/api/v1/auth/me/contacts", 200)),
    ("PUT", "/api/v1/auth/me/contacts"): (
        ALL,
        lambda w, r: Call("/api/v1/auth/me/contacts", 200, json={"email": f"{r}@occ.kz"}),
    ),
    ("POST", "/api/v1/auth/me/contacts/test"): (
        ALL,
        lambda w, r: _test_notice(w, r, "/api/v1/auth/me/contacts/test"),
    ),
    ("POST", "/api/v1/users/{name}/test-notice"): (
        ADMIN,
        lambda w, r: _test_notice(w, r, "/api/v1/users/viewer/test-notice"),
    ),
    ("POST", "/login"): (PUBLIC, _form_login),
    ("GET", "/logout"): (PUBLIC, lambda w, r: Call("/logout", 303)),
    ("POST", "/logout"): (PUBLIC, lambda w, r: Call("/logout", 303)),
    ("GET", "/api/v1/cameras"): (ALL, lambda w, r: Call("/api/v1/cameras?limit=10", 200)),
    ("POST", "/api/v1/cameras"): (OCC, _new_camera),
    ("POST", "/api/v1/cameras/import"): (OCC, _import),
    ("GET", "/api/v1/cameras/{code}"): (ALL, lambda w, r: Call("/api/v1/cameras/A-1", 200)),
    ("PATCH", "/api/v1/cameras/{code}"): (
        OCC,
        lambda w, r: Call("/api/v1/cameras/A-1", 200, json={"address": f"street {r}"}),
    ),
    ("DELETE", "/api/v1/cameras/{code}"): (ADMIN, _delete_camera),
    ("POST", "/api/v1/cameras/{code}/lifecycle"): (
        FIELD,
        lambda w, r: Call("/api/v1/cameras/A-1/lifecycle", 200, json={"lifecycle": "installed"}),
    ),
    ("GET", "/api/v1/cameras/{code}/health"): (ALL, lambda w, r: Call("/api/v1/cameras/A-1/health", 200)),
    ("GET", "/api/v1/cameras/{code}/snapshot"): (ALL, lambda w, r: Call("/api/v1/cameras/A-1/snapshot", 200)),
    ("POST", "/api/v1/cameras/{code}/reference"): (
        FIELD,
        lambda w, r: Call("/api/v1/cameras/A-1/reference", 200),
    ),
    ("GET", "/api/v1/events"): (ALL, lambda w, r: Call("/api/v1/events", 200)),
    ("GET", "/api/v1/events/{event_id}"): (
        ALL,
        lambda w, r: Call(f"/api/v1/events/{w.add_event('A-1')}", 200),
    ),
    ("POST", "/api/v1/events/{event_id}/acknowledge"): (FIELD, _ack),
    ("GET", "/api/v1/fault-rules"): (ALL, lambda w, r: Call("/api/v1/fault-rules?camera=A-1", 200)),
    # Which findings alarm is the OCC's call, not the contractor's.
    ("PUT", "/api/v1/fault-rules/{fault}"): (
        OCC,
        lambda w, r: Call("/api/v1/fault-rules/glare?camera=A-1", 200, json={"delay_minutes": 30}),
    ),
    ("DELETE", "/api/v1/fault-rules/{fault}"): (OCC, _clear_rule),
    ("GET", "/api/v1/snapshots/{path}"): (
        ALL,
        lambda w, r: Call(f"/api/v1/snapshots/{w.snapshot_path}", 200),
    ),
    ("GET", "/api/v1/summary"): (ALL, lambda w, r: Call("/api/v1/summary", 200)),
    ("GET", "/api/v1/tickets"): (ALL, lambda w, r: Call("/api/v1/tickets", 200)),
    ("GET", "/api/v1/tickets/{ticket_id}"): (ALL, lambda w, r: Call(f"/api/v1/tickets/{_ticket(w)}", 200)),
    # Tickets are worked by the roles that work repairs in the console.
    ("POST", "/api/v1/tickets"): (FIELD, lambda w, r: Call("/api/v1/tickets", 201, json={"camera": "A-1"})),
    ("POST", "/api/v1/tickets/{ticket_id}/status"): (FIELD, _cancel_ticket),
    ("POST", "/api/v1/tickets/{ticket_id}/assignee"): (
        FIELD,
        lambda w, r: Call(f"/api/v1/tickets/{_ticket(w)}/assignee", 200, json={"assignee": None}),
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/comments"): (
        FIELD,
        lambda w, r: Call(f"/api/v1/tickets/{_ticket(w)}/comments", 201, json={"text": f"seen by {r}"}),
    ),
    # Fleet-wide Prometheus numbers: not for an engineer, who sees only the contractor's cameras.
    ("GET", "/metrics"): (ALL - {"engineer"}, lambda w, r: Call("/metrics", 200)),
    ("GET", "/api/v1/users"): (ADMIN, lambda w, r: Call("/api/v1/users", 200)),
    ("POST", "/api/v1/users"): (ADMIN, _new_user),
    ("GET", "/api/v1/users/{name}"): (ADMIN, lambda w, r: Call("/api/v1/users/viewer", 200)),
    ("PATCH", "/api/v1/users/{name}"): (
        ADMIN,
        lambda w, r: Call("/api/v1/users/planner", 200, json={"language": "ru"}),
    ),
    ("GET", "/api/v1/users/{name}/tokens"): (ADMIN, lambda w, r: Call("/api/v1/users/viewer/tokens", 200)),
    ("DELETE", "/api/v1/users/{name}/tokens/{token_id}"): (ADMIN, _revoke_token),
    ("POST", "/api/v1/users/{name}/sign-out"): (
        ADMIN,
        lambda w, r: Call("/api/v1/users/viewer/sign-out", 200),
    ),
    ("POST", "/api/v1/users/{name}/tokens"): (
        ADMIN,
        lambda w, r: Call("/api/v1/users/viewer/tokens", 201, json={"label": "script"}),
    ),
    ("GET", "/api/v1/organisations"): (ALL, lambda w, r: Call("/api/v1/organisations", 200)),
    ("GET", "/api/v1/audit"): (ADMIN, lambda w, r: Call("/api/v1/audit", 200)),
    # The API's own answer for a path it does not have, to anyone: JSON, not the console's HTML page.
    **{
        (method, "/api/v1/{rest:path}"): (PUBLIC, lambda w, r: Call("/api/v1/no-such-thing", 404))
        for method in ANY_METHOD
        if method != "HEAD"  # as app_routes: HEAD answers as GET does
    },
}


def app_routes(world: World) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, including included routers' routes (FastAPI 0.16x
    keeps those behind `_IncludedRouter` objects whose effective contexts carry the full path)."""
    found: set[tuple[str, str]] = set()
    for route in world.app.routes:
        if hasattr(route, "effective_route_contexts"):
            pairs = [
                (ctx.path, getattr(ctx.original_route, "methods", None))
                for ctx in route.effective_route_contexts()
            ]
        elif isinstance(route, APIRoute | Route):
            pairs = [(route.path, route.methods)]
        else:
            raise AssertionError(f"unexpected route type {type(route).__name__}: add it to app_routes")
        for path, methods in pairs:
            assert methods, f"route {path} without methods"
            found.update((m, path.replace("{path:path}", "{path}")) for m in methods if m != "HEAD")
    return found


def test_every_route_has_a_matrix_entry(world: World) -> None:
    routes = app_routes(world)
    assert routes - set(MATRIX) == set(), "routes without a role matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


def _send(world: World, method: str, call: Call, headers: dict[str, str]) -> Any:
    with world.client() as client:
        return client.request(
            method, call.url, json=call.json, files=call.files, data=call.data, headers=headers,
            follow_redirects=False,
        )  # fmt: skip


def test_role_route_matrix(world: World) -> None:
    failures: list[str] = []
    for (method, path), (allowed, make) in sorted(MATRIX.items()):
        for role in sorted(ALL):
            call = make(world, role)
            response = _send(world, method, call, world.headers(role))
            expected = call.ok if allowed is PUBLIC or role in allowed else 403
            if response.status_code != expected:
                failures.append(
                    f"{role} {method} {path}: {response.status_code} not {expected}: {response.text[:80]}"
                )
        # Without any credentials: protected routes refuse with 401 and do nothing.
        call = make(world, "viewer")
        response = _send(world, method, call, {})
        expected = call.ok if allowed is PUBLIC else 401
        if response.status_code != expected:
            failures.append(f"anonymous {method} {path}: {response.status_code} (expected {expected})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/api/v1/cameras/B-1"),
        ("GET", "/api/v1/cameras/B-1/health"),
        ("GET", "/api/v1/cameras/B-1/snapshot"),
        ("POST", "/api/v1/cameras/B-1/reference"),
        ("GET", "/api/v1/fault-rules?camera=B-1"),
    ],
)
def test_engineer_cannot_reach_other_contractors_cameras(world: World, method: str, url: str) -> None:
    with world.client() as client:
        assert client.request(method, url, headers=world.headers("engineer")).status_code == 404
        assert client.request(method, url, headers=world.headers("operator")).status_code == 200


def test_engineer_sees_only_own_cameras_events_and_snapshots(world: World) -> None:
    headers = world.headers("engineer")
    with world.client() as client:
        listed = client.get("/api/v1/cameras", headers=headers).json()
        assert [c["code"] for c in listed["items"]] == ["A-1"] and listed["total"] == 1
        assert client.get("/api/v1/cameras", headers=world.headers("viewer")).json()["total"] == 2
        events = client.get("/api/v1/events", headers=headers).json()["items"]
        assert {e["camera_code"] for e in events} == {"A-1"}
        other_event = world.add_event("B-1")
        assert client.get(f"/api/v1/events/{other_event}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/events/{other_event}/acknowledge", headers=headers).status_code == 404
        lifecycle = client.post(
            "/api/v1/cameras/B-1/lifecycle", json={"lifecycle": "planned"}, headers=headers
        )
        assert lifecycle.status_code == 404
        health = client.get("/api/v1/cameras/B-1/health", headers=world.headers("admin")).json()
        other_snapshot = health["snapshot_url"]
        assert client.get(other_snapshot, headers=world.headers("admin")).status_code == 200
        assert client.get(other_snapshot, headers=headers).status_code == 404
    # Nothing about B-1 changed through the engineer's attempts.
    with world.client() as client:
        b1 = client.get("/api/v1/cameras/B-1", headers=world.headers("admin")).json()
    assert b1["lifecycle"] == "connected"
