"""/api/v1/fault-rules on SQLite and PostgreSQL: set, list, replace and remove rules, each change audited;
bad rules refused with a sentence that names the problem; an engineer sees only their cameras' rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import World


def test_rules_are_set_listed_replaced_removed_and_audited(world_any: World) -> None:
    w = world_any
    h = w.headers("operator")
    with w.client() as client:
        end = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        fleet = client.put("/api/v1/fault-rules/glare", json={"delay_minutes": 30, "until": end}, headers=h)
        assert fleet.status_code == 200
        assert fleet.json()["camera"] is None and fleet.json()["updated_by"] == "operator"
        assert fleet.json()["in_force"] is True
        assert datetime.fromisoformat(fleet.json()["until"]) == datetime.fromisoformat(end)
        body = {"enabled": False, "note": "faces the sunset"}
        own = client.put("/api/v1/fault-rules/glare?camera=A-1", json=body, headers=h)
        assert own.status_code == 200, own.text
        again = client.put("/api/v1/fault-rules/glare?camera=A-1", json={**body, "min_score": 0.8}, headers=h)
        assert again.json()["min_score"] == 0.8 and again.json()["enabled"] is False

        listed = client.get("/api/v1/fault-rules?camera=A-1", headers=h).json()
        assert [(r["camera"], r["code"], r["enabled"], r["delay_minutes"]) for r in listed] == [
            (None, "glare", True, 30),
            ("A-1", "glare", False, 0),
        ]
        assert client.get("/api/v1/fault-rules?camera=B-1", headers=h).json() == listed[:1]

        assert client.delete("/api/v1/fault-rules/glare?camera=A-1", headers=h).status_code == 204
        gone = client.delete("/api/v1/fault-rules/glare?camera=A-1", headers=h)
        assert gone.status_code == 404 and "No rule for 'glare' on camera 'A-1'" in gone.json()["detail"]
        assert len(client.get("/api/v1/fault-rules", headers=h).json()) == 1

        audit = client.get("/api/v1/audit?actor=operator", headers=w.headers("admin")).json()["items"]
        assert [(e["action"], e["target"]) for e in audit[:4]] == [
            ("fault_rules.clear", "fault_rule:A-1:glare"),
            ("fault_rules.set", "fault_rule:A-1:glare"),
            ("fault_rules.set", "fault_rule:A-1:glare"),
            ("fault_rules.set", "fault_rule:*:glare"),
        ]
        assert audit[1]["before"]["min_score"] == 0.5 and audit[1]["after"]["min_score"] == 0.8
        assert audit[0]["after"] is None


def test_bad_rules_are_refused_and_nothing_is_stored(world: World) -> None:
    h = world.headers("admin")
    with world.client() as client:
        unknown = client.put("/api/v1/fault-rules/sunshine", json={}, headers=h)
        assert unknown.status_code == 422
        offline = client.put("/api/v1/fault-rules/offline", json={"enabled": False}, headers=h)
        assert offline.status_code == 422
        assert "cannot be switched off" in offline.json()["message"]
        for bad in ({"min_score": 0.3}, {"min_score": 1.5}, {"delay_minutes": -5}, {"delay_minutes": 10**6},
                    {"note": "x" * 301}, {"enabled": False, "colour": "red"},
                    {"until": "2020-01-01T00:00:00Z"}, {"until": "9999-12-31T23:59:00-05:00"},
                    {"until": "2030-01-01T00:00:00"}):  # fmt: skip
            assert client.put("/api/v1/fault-rules/blur", json=bad, headers=h).status_code == 422, bad
        for end in ("2020-01-01T00:00:00Z", "9999-12-31T23:59:00-05:00", "2030-01-01T00:00:00"):
            refused = client.put("/api/v1/fault-rules/blur", json={"until": end}, headers=h).json()
            assert [p["loc"] for p in refused["detail"]] == [["body", "until"]], end  # points at the field
        assert offline.json()["detail"][0]["loc"] == ["body", "enabled"]
        missing = client.put("/api/v1/fault-rules/blur?camera=NOPE", json={}, headers=h)
        assert missing.status_code == 404 and "NOPE" in missing.json()["detail"]
        assert client.get("/api/v1/fault-rules", headers=h).json() == []


def test_an_engineer_sees_the_fleets_rules_and_only_their_own_cameras(world: World) -> None:
    h = world.headers("operator")
    with world.client() as client:
        for url in ("/api/v1/fault-rules/noise", "/api/v1/fault-rules/noise?camera=A-1",
                    "/api/v1/fault-rules/noise?camera=B-1"):  # fmt: skip
            assert client.put(url, json={"min_score": 0.9}, headers=h).status_code == 200
        seen = client.get("/api/v1/fault-rules", headers=world.headers("engineer")).json()
        assert [r["camera"] for r in seen] == [None, "A-1"]
        assert len(client.get("/api/v1/fault-rules", headers=h).json()) == 3
