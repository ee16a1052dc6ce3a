"""Security properties a person relies on: cookie flags, sessions that end, throttled sign-in, camera
passwords that never leave the server, snapshot URLs that cannot read other files, upload limits."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from qarauyl.accounts import SessionCodec, set_password, update_user
from qarauyl.accounts.models import AuditEntry, User, UserSession
from qarauyl.store.models import HealthEvent
from tests.api.conftest import CAMERA_PASSWORD, World, password_of


def _cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    assert len(headers) == 1, headers
    return str(headers[0])


def test_session_cookie_is_httponly_samesite_and_signed(world: World) -> None:
    with world.client() as client:
        response = client.post(
            "/api/v1/auth/login", json={"name": "operator", "password": password_of("operator")}
        )
        assert response.status_code == 200
        cookie = _cookie_header(response).lower()
        assert cookie.startswith("qarauyl_session=")
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        assert "secure" not in cookie  # plain HTTP on loopback; HTTPS sets Secure
        assert client.get("/api/v1/auth/me").json()["role"] == "operator"
        value = client.cookies["qarauyl_session"]
        payload, _, signature = value.rpartition(".")
        forged = payload + "." + ("A" * len(signature))
        with world.client() as other:
            # A copy of the cookie works while the session is open; an altered signature, or no cookie
            # at all, is nobody.
            assert other.get("/api/v1/auth/me", headers={"Cookie": f"qarauyl_session={value}"}).is_success
            assert (
                other.get("/api/v1/auth/me", headers={"Cookie": f"qarauyl_session={forged}"}).status_code
                == 401
            )
            assert other.get("/api/v1/auth/me").status_code == 401
        out = client.post("/api/v1/auth/logout")
        assert out.status_code == 204 and 'qarauyl_session=""' in _cookie_header(out)
        assert client.get("/api/v1/auth/me").status_code == 401
    # Signing out ended the session on the server: the copy, still validly signed, signs no one in.
    with world.client() as fresh:
        assert fresh.get("/api/v1/auth/me", headers={"Cookie": f"qarauyl_session={value}"}).status_code == 401


def _sign_in(client: Any, name: str) -> str:
    response = client.post("/api/v1/auth/login", json={"name": name, "password": password_of(name)})
    assert response.status_code == 200, response.text
    return str(client.cookies["qarauyl_session"])


def _who(world: World, cookie: str) -> int:
    with world.client() as client:
        return int(client.get("/api/v1/auth/me", headers={"Cookie": f"qarauyl_session={cookie}"}).status_code)


def test_signing_out_everywhere_and_an_administrators_sign_out_end_every_session(world: World) -> None:
    with world.client() as phone, world.client() as desk, world.client() as laptop:
        lost, kept, third = (
            _sign_in(phone, "engineer"),
            _sign_in(desk, "engineer"),
            _sign_in(laptop, "engineer"),
        )
        assert {_who(world, c) for c in (lost, kept, third)} == {200}
        # The engineer, from the desk: every session ends, this one too; their API token keeps working.
        assert desk.post("/api/v1/auth/logout", params={"everywhere": "true"}).status_code == 204
        assert {_who(world, c) for c in (lost, kept, third)} == {401}
        assert desk.get("/api/v1/cameras", headers=world.headers("engineer")).status_code == 200
        # An administrator ends the planner's sessions (a shared computer left signed in), audited.
        planner = _sign_in(phone, "planner")
        answer = desk.post("/api/v1/users/planner/sign-out", headers=world.headers("admin"))
        assert answer.json() == {"user": "planner", "sessions_ended": 1}
        assert _who(world, planner) == 401
        assert desk.post("/api/v1/users/nobody/sign-out", headers=world.headers("admin")).status_code == 404
    with world.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "users.sign_out")).all()
    assert [(e.target, e.after) for e in entry] == [
        ("user:engineer", {"sessions_ended": 3}),
        ("user:planner", {"sessions_ended": 1}),
    ]


def test_a_leaked_token_is_revoked_alone_and_listings_never_show_a_token(world: World) -> None:
    admin = world.headers("admin")
    with world.client() as client:
        scraper = client.post("/api/v1/users/viewer/tokens", headers=admin, json={"label": "prometheus"})
        backup = client.post("/api/v1/users/viewer/tokens", headers=admin, json={"label": "backup"})
        leaked, kept = scraper.json()["token"], backup.json()["token"]
        listed = client.get("/api/v1/users/viewer/tokens", headers=admin)
        assert listed.status_code == 200
        assert leaked not in listed.text and kept not in listed.text  # prefixes only
        mine = {t["label"]: t for t in listed.json()}
        assert mine["prometheus"]["prefix"] == leaked[:10] + "…"
        gone = client.delete(f"/api/v1/users/viewer/tokens/{mine['prometheus']['id']}", headers=admin)
        assert gone.status_code == 204
        bearer = {"Authorization": f"Bearer {leaked}"}
        assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
        assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
        # Another user's name with this token's id, or an id gone already, is no token at all.
        backup_id = mine["backup"]["id"]
        assert client.delete(f"/api/v1/users/planner/tokens/{backup_id}", headers=admin).status_code == 404
        again = client.delete(f"/api/v1/users/viewer/tokens/{mine['prometheus']['id']}", headers=admin)
        assert again.status_code == 404 and "has no API token" in again.json()["detail"]
    with world.db.session() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "users.revoke_token")).all()
    assert (entry.target, entry.before, entry.actor) == (
        "user:viewer",
        {"token": leaked[:10] + "…", "label": "prometheus"},
        "admin",
    )


def test_a_session_ends_when_it_expires_and_old_cookies_are_refused(world: World) -> None:
    with world.client() as client:
        cookie = _sign_in(client, "viewer")
        assert _who(world, cookie) == 200
        with world.db.session() as session:
            session.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert _who(world, cookie) == 401
        # A cookie of a release without server-side sessions: validly signed, but it names no session.
        codec: SessionCodec = client.app.state.sessions  # type: ignore[attr-defined]
        data = codec.load(_sign_in(client, "viewer"))
        assert data is not None
        old = codec._serializer.dumps({"u": data["u"], "f": data["f"]})
        assert _who(world, old) == 401
        # Signing in again prunes the sessions that have expired.
        _sign_in(client, "viewer")
        with world.db.session() as session:
            expired = session.scalars(
                select(UserSession).where(UserSession.expires_at < datetime.now(UTC))
            ).all()
        assert expired == []


def test_form_login_sets_the_same_cookie_and_refuses_open_redirects(world: World) -> None:
    with world.client() as client:
        form = {"name": "viewer", "password": password_of("viewer"), "next": "//evil.example/x"}
        response = client.post("/login", data=form, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = _cookie_header(response).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        bad = client.post("/login", data={**form, "password": "wrong"}, follow_redirects=False)
        assert bad.status_code == 303 and bad.headers["location"].startswith("/login?error=invalid")
        out = client.get("/logout", follow_redirects=False)
        assert out.status_code == 303 and 'qarauyl_session=""' in _cookie_header(out)


def test_new_password_or_disabling_ends_open_sessions(world: World) -> None:
    with world.client() as client:
        assert client.post(
            "/api/v1/auth/login", json={"name": "planner", "password": password_of("planner")}
        ).is_success
        assert client.get("/api/v1/auth/me").status_code == 200
        set_password(world.db, "planner", "a-brand-new-password")
        assert client.get("/api/v1/auth/me").status_code == 401
        assert client.post(
            "/api/v1/auth/login", json={"name": "planner", "password": "a-brand-new-password"}
        ).is_success
        update_user(world.db, "planner", active=False)
        assert client.get("/api/v1/auth/me").status_code == 401
        # Its API token stops working too.
        assert client.get("/api/v1/cameras", headers=world.headers("planner")).status_code == 401


def test_login_is_throttled_after_five_failures(world: World) -> None:
    with world.client() as client:
        for _ in range(5):
            response = client.post("/api/v1/auth/login", json={"name": "viewer", "password": "guess"})
            assert response.status_code == 401
            assert response.json()["detail"] == "Wrong user name or password, or the account is disabled."
        # Even the right password is refused now, with a sentence and a Retry-After.
        response = client.post(
            "/api/v1/auth/login", json={"name": "viewer", "password": password_of("viewer")}
        )
        assert response.status_code == 429
        assert "Too many failed sign-ins for 'viewer'" in response.json()["detail"]
        assert 800 < int(response.headers["retry-after"]) <= 901
        form = client.post(
            "/login", data={"name": "viewer", "password": password_of("viewer")}, follow_redirects=False
        )
        assert form.headers["location"].startswith("/login?error=throttled")
        # Another name from the same address is not affected.
        assert client.post(
            "/api/v1/auth/login", json={"name": "admin", "password": password_of("admin")}
        ).is_success


def _walk_everything(world: World) -> list[str]:
    """Every readable answer about cameras, as admin: lists, details, health, events, audit."""
    bodies = []
    with world.client() as client:
        h = world.headers("admin")
        for url in ("/api/v1/cameras", "/api/v1/events", "/api/v1/audit", "/api/v1/users", "/api/v1/summary"):
            bodies.append(client.get(url, headers=h).text)
        for code in ("A-1", "B-1", "C-9"):
            bodies.append(client.get(f"/api/v1/cameras/{code}", headers=h).text)
            bodies.append(client.get(f"/api/v1/cameras/{code}/health", headers=h).text)
        bodies.append(client.get("/api/v1/openapi.json").text)
    return bodies


def test_camera_and_user_passwords_never_in_responses_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    new_password = "another-Secret-987"
    bodies = []
    with world.client() as client:
        h = world.headers("admin")
        created = client.post(
            "/api/v1/cameras",
            json={
                "code": "C-9", "name": "With creds", "vendor": "axis", "latitude": 43.3, "longitude": 68.2,
                "main_stream_url": f"rtsp://root:{new_password}@10.2.2.2/s", "maintainer": "Contractor A",
            },
            headers=h,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        assert created.json()["has_credentials"] is True
        assert created.json()["main_stream_url"] == "rtsp://10.2.2.2/s"
        bodies.append(created.text)
        patched = client.patch("/api/v1/cameras/A-1", json={"password": new_password}, headers=h)
        assert patched.status_code == 200
        bodies.append(patched.text)
        user = client.post(
            "/api/v1/users", json={"name": "newbie", "role": "viewer", "password": new_password}, headers=h
        )
        assert user.status_code == 201
        bodies.append(user.text)
        bad = client.post("/api/v1/cameras", json={"code": "C-10", "password": new_password}, headers=h)
        assert bad.status_code == 422
        bodies.append(bad.text)
    bodies += _walk_everything(world)
    everything = "\n".join(bodies) + caplog.text
    for secret in (CAMERA_PASSWORD, new_password, "$argon2", "password_hash", "password_encrypted", "root:"):
        assert secret not in everything, secret
    # The audit log says that a password changed, never what it is.
    with world.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.target == "camera:A-1")).one()
        assert entry.after == {"password": "changed"} and entry.actor == "admin"
        assert session.scalar(select(User.password_hash).where(User.name == "newbie")).startswith(
            "$argon2id$"
        )


TRAVERSALS = [
    "..%2Fsecret.txt",
    "..%2F..%2Fdata%2Fsecret.txt",
    "1%2F..%2F..%2Fsecret.txt",
    "1/latest/..%2F..%2F..%2Fsecret.txt",
    "1/%2E%2E/%2E%2E/secret.txt",
    "%2Fetc%2Fpasswd",
    "1/latest/%2Fetc%2Fpasswd",
    "1%00/../secret.txt",
    "1/latest/evil.jpg",  # a symlink inside the root that points outside it
    "1/latest/notes.txt",  # inside the root, but not a snapshot
    "2/latest",  # a folder
    "%C2%B9/latest/x.jpg",  # a superscript one: a digit to str.isdigit, not to int()
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_snapshot_urls_cannot_read_other_files(world: World, path: str) -> None:
    latest = world.snapshots.root / "1" / "latest"
    os.symlink(world.settings.data_dir / "secret.txt", latest / "evil.jpg")
    (latest / "notes.txt").write_text("top secret")
    with world.client() as client:
        ok = client.get(f"/api/v1/snapshots/{world.snapshot_path}", headers=world.headers("admin"))
        assert ok.status_code == 200 and ok.content[:2] == b"\xff\xd8"
        response = client.get(f"/api/v1/snapshots/{path}", headers=world.headers("admin"))
    assert response.status_code == 404, response.text
    assert b"top secret" not in response.content and b"root:" not in response.content


def test_camera_snapshot_kind_is_restricted(world: World) -> None:
    with world.client() as client:
        r = client.get("/api/v1/cameras/A-1/snapshot?kind=../../secret", headers=world.headers("admin"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "kind"]


def test_import_too_large_is_refused_with_413(world: World) -> None:
    big = b"code,name,vendor,latitude,longitude\n" + b"X-1,x,axis,43,68\n" * 20000  # ~340 KiB > 256 KiB
    with world.client() as client:
        r = client.post(
            "/api/v1/cameras/import",
            files={"file": ("big.csv", big, "text/csv")},
            headers=world.headers("admin"),
        )
        assert r.status_code == 413
        assert r.json()["detail"].startswith("The request body is larger than the limit of 0.25 MiB")
        assert client.get("/api/v1/cameras", headers=world.headers("admin")).json()["total"] == 2


def test_bad_import_lists_every_problem_and_writes_nothing(world: World) -> None:
    rows = b"code,name,vendor,latitude,longitude\nOK-1,fine,axis,43,68\nBAD-1,x,foobar,91,68\n"
    with world.client() as client:
        h = world.headers("operator")
        r = client.post("/api/v1/cameras/import", files={"file": ("../../cams.csv", rows)}, headers=h)
        assert r.status_code == 422
        problems = [p["problem"] for p in r.json()["detail"]]
        assert (
            "cams.csv:3: vendor: unknown vendor 'foobar'; use one of sergek, pelco, hikvision, dahua, axis, "
            "other" in problems
        )
        assert "cams.csv:3: latitude: 91 is out of range [-90, 90]" in problems
        assert r.json()["detail"][0]["loc"][:2] == ["file", "cams.csv:3"]
        assert client.get("/api/v1/cameras?search=OK-1", headers=h).json()["total"] == 0
        wrong_kind = client.post("/api/v1/cameras/import", files={"file": ("cams.exe", rows)}, headers=h)
        assert wrong_kind.status_code == 422 and wrong_kind.json()["detail"][0]["loc"] == ["body", "file"]


def test_validation_errors_name_the_field(world: World) -> None:
    with world.client() as client:
        h = world.headers("admin")
        body = {"code": "V-1", "name": "v", "vendor": "axis", "latitude": 91, "longitude": 68}
        r = client.post("/api/v1/cameras", json=body, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "latitude"]
        r = client.post("/api/v1/cameras", json={**body, "latitude": 43, "district": "Atlantis"}, headers=h)
        assert r.status_code == 422
        assert r.json()["detail"] == [
            {"loc": ["body", "district"], "msg": "no district named 'Atlantis'", "type": "value_error",
             "problem": "body: district: no district named 'Atlantis'"}
        ]  # fmt: skip
        r = client.post("/api/v1/cameras", json={**body, "latitude": 43, "onvif_url": "ftp://x"}, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "onvif_url"]
        r = client.patch("/api/v1/cameras/A-1", json={"name": None}, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"]
        for field in ("kind", "lifecycle"):  # no empty state: null must not mean "back to the default"
            r = client.patch("/api/v1/cameras/A-1", json={field: None}, headers=h)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field]
        for code in ("A/2", ".."):  # a code is part of the camera's address
            r = client.post("/api/v1/cameras", json=body | {"latitude": 43, "code": code}, headers=h)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "code"], r.json()
        r = client.post(
            "/api/v1/users", json={"name": "x", "role": "boss", "password": "long-enough"}, headers=h
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "role"]
        r = client.post("/api/v1/cameras", json=body | {"latitude": 43, "code": "A-1"}, headers=h)
        assert r.status_code == 409 and "already exists" in r.json()["detail"]


def test_acknowledging_records_who_and_when_and_is_audited(world: World) -> None:
    event_id = world.add_event("A-1")
    with world.client() as client:
        r = client.post(f"/api/v1/events/{event_id}/acknowledge", headers=world.headers("engineer"))
        assert r.status_code == 200 and r.json()["acknowledged_by"] == "engineer"
        again = client.post(f"/api/v1/events/{event_id}/acknowledge", headers=world.headers("operator"))
        assert again.status_code == 409 and "already acknowledged by engineer" in again.json()["detail"]
        audit = client.get("/api/v1/audit?action=events.ack", headers=world.headers("admin")).json()
    with world.db.session() as session:
        event = session.get(HealthEvent, event_id)
        assert event is not None and event.acknowledged_by == "engineer" and event.acknowledged_at is not None
    assert audit["total"] == 1
    assert audit["items"][0]["actor"] == "engineer" and audit["items"][0]["target"] == f"event:{event_id}"
    assert audit["items"][0]["before"] == {"acknowledged_by": None}
    assert audit["items"][0]["client"] == "testclient"


def test_json_bodies_are_limited_too(world: World) -> None:
    huge = b'{"code": "H-1", "name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    with world.client() as client:
        headers = {**world.headers("admin"), "Content-Type": "application/json"}
        r = client.post("/api/v1/cameras", content=huge, headers=headers)
    assert r.status_code == 413 and "limit of 1 MiB" in r.json()["detail"]


def test_nul_characters_are_a_422_on_every_backend(world: World) -> None:
    with world.client() as client:
        h = world.headers("admin")
        r = client.get("/api/v1/cameras?search=a%00b", headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query"]
        assert r.json()["detail"][0]["problem"].startswith("query: contains")  # the place named once
        body = {"code": "Z-1", "name": "a\u0000b", "vendor": "axis", "latitude": 43.0, "longitude": 68.0}
        r = client.post("/api/v1/cameras", json=body, headers=h)
        assert r.status_code == 422 and "NUL" in r.json()["message"]
        r = client.get("/api/v1/users/a%00b", headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path"]
