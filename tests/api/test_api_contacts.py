"""Where a person is told of the tickets given to them, through the API: an administrator sets anyone's
addresses, each person their own; a typo is refused with the field named and changes nothing."""

from __future__ import annotations

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
