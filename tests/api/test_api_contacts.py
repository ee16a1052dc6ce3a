"""Where a person is told of the tickets given to them, through the API: an administrator sets anyone's
addresses, each person their own; a typo is refused with the field named and changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.api.conftest import World, password_of


def test_addresses_set_by_an_administrator_and_by_the_person_themselves(world_any: World) -> None:
    world = world_any
    with world.client() as admin:
        h = world.headers("admin")
        set_ = admin.patch(
            "/api/v1/users/engineer", json={"email": "eng@fixit.kz", "telegram_chat_id": "555"}, headers=h
        )
        assert set_.status_code == 200, set_.text
        assert (set_.json()["email"], set_.json()["telegram_chat_id"]) == ("eng@fixit.kz", "555")
        # A typo in the address with a new password: refused whole, naming the field; the password stays.
        typo = admin.patch(
            "/api/v1/users/engineer",
            json={"email": "eng.fixit.kz", "password": "another-long-password"},
            headers=h,
        )
        assert typo.status_code == 422
        assert typo.json()["detail"][0]["loc"][-1] == "email" and "not an e-mail address" in typo.text
        listed = {u["name"]: u for u in admin.get("/api/v1/users", headers=h).json()["items"]}
        assert (listed["engineer"]["email"], listed["viewer"]["email"]) == ("eng@fixit.kz", None)
        created = admin.post(
            "/api/v1/users",
            json={
                "name": "dana",
                "role": "engineer",
                "password": "a-long-password",
                "telegram_chat_id": "-100200",
            },
            headers=h,
        )
        assert created.status_code == 201 and created.json()["telegram_chat_id"] == "-100200"
    with world.client() as engineer:
        login = engineer.post(
            "/api/v1/auth/login", json={"name": "engineer", "password": password_of("engineer")}
        )
        assert login.status_code == 200  # the refused change left the old password
        assert engineer.get("/api/v1/auth/me/contacts").json() == {
            "email": "eng@fixit.kz",
            "telegram_chat_id": "555",
        }
        # Only what is sent changes; null removes.
        mine = engineer.put("/api/v1/auth/me/contacts", json={"telegram_chat_id": "987654321"})
        assert mine.json() == {"email": "eng@fixit.kz", "telegram_chat_id": "987654321"}
        mine = engineer.put("/api/v1/auth/me/contacts", json={"email": None})
        assert mine.json() == {"email": None, "telegram_chat_id": "987654321"}
        bad = engineer.put("/api/v1/auth/me/contacts", json={"telegram_chat_id": "@olzhas"})
        assert bad.status_code == 422 and "not a Telegram chat id" in bad.text
        assert engineer.get("/api/v1/auth/me/contacts").json()["telegram_chat_id"] == "987654321"
    with world.client() as admin:
        audit = admin.get(
            "/api/v1/audit?action=users.update&actor=engineer", headers=world.headers("admin")
        ).json()["items"]
        # Newest first: the person's own changes are audited as theirs.
        assert [
            (e["before"]["email"], e["after"]["email"], e["after"]["telegram_chat_id"]) for e in audit
        ] == [
            ("eng@fixit.kz", None, "987654321"),
            ("eng@fixit.kz", "eng@fixit.kz", "987654321"),
        ]


def test_a_test_message_through_the_api_reaches_the_saved_address_or_says_why_not(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "maintenance"))
    from maintenance_servers import free_port, http_receiver, maintenance_toml, smtp_server

    settings_file = tmp_path / "maintenance.toml"
    monkeypatch.setenv("QARAUYL_MAINTENANCE_CONFIG", str(settings_file))
    with world.client() as client:
        h = world.headers("engineer")
        nowhere = client.post("/api/v1/auth/me/contacts/test", headers=h)
        assert nowhere.status_code == 422 and "engineer has no address to send to" in nowhere.text
        client.put("/api/v1/auth/me/contacts", json={"email": "eng@fixit.kz"}, headers=h)
        with smtp_server() as (smtp_port, mailbox), http_receiver() as telegram:
            settings_file.write_text(maintenance_toml(telegram.url, smtp_port=smtp_port), encoding="utf-8")
            sent = client.post("/api/v1/auth/me/contacts/test", headers=h)
            assert sent.status_code == 200 and sent.json() == {"sent_to": ["email:eng@fixit.kz"]}
            by_admin = client.post("/api/v1/users/engineer/test-notice", headers=world.headers("admin"))
            assert by_admin.json() == {"sent_to": ["email:eng@fixit.kz"]}
            assert [m["To"] for m in mailbox] == ["eng@fixit.kz", "eng@fixit.kz"]
        # Nobody listens on the mail server's port now: the answer says so (502), and names the address.
        settings_file.write_text(
            maintenance_toml("http://127.0.0.1:9", smtp_port=free_port()), encoding="utf-8"
        )
        down = client.post("/api/v1/auth/me/contacts/test", headers=h)
        assert down.status_code == 502
        assert "The test message to engineer (email) did not arrive: e-mail to eng@fixit.kz" in down.text
        missing = client.post("/api/v1/users/nobody/test-notice", headers=world.headers("admin"))
        assert missing.status_code == 404
