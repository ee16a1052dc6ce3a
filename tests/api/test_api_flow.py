"""An operator's day through the API, on SQLite and on PostgreSQL: sign in with the session cookie,
import, filter and page through cameras, edit one, acknowledge an event; the admin reads the audit log."""

from __future__ import annotations

import time

from tests.api.conftest import World, password_of


def test_operator_flow_and_audit(world_any: World) -> None:
    world = world_any
    rows = "code,name,vendor,latitude,longitude,district,maintainer,password,network_node\n" + "".join(
        f"F-{i:03d},Flow {i},{'axis' if i % 2 else 'dahua'},43.{i:03d},68.2,Turkistan,Contractor A,pw{i},"
        f"SW-{i // 10}\n"
        for i in range(1, 31)
    )
    with world.client() as client:
        login = client.post(
            "/api/v1/auth/login", json={"name": "operator", "password": password_of("operator")}
        )
        assert login.status_code == 200 and "cameras.import" in login.json()["permissions"]
        dry = client.post("/api/v1/cameras/import?dry_run=true", files={"file": ("fleet.csv", rows.encode())})
        assert dry.status_code == 200 and len(dry.json()["created"]) == 30
        assert client.get("/api/v1/cameras").json()["total"] == 2  # a dry run writes nothing
        done = client.post("/api/v1/cameras/import", files={"file": ("fleet.csv", rows.encode())})
        assert done.status_code == 200 and done.json()["dry_run"] is False

        page = client.get("/api/v1/cameras?vendor=axis&district=Turkistan&limit=5&offset=5").json()
        assert page["total"] == 15 and page["limit"] == 5 and page["offset"] == 5
        assert [c["code"] for c in page["items"]] == ["F-011", "F-013", "F-015", "F-017", "F-019"]
        assert all(c["has_credentials"] for c in page["items"])
        assert [c["network_node"] for c in page["items"]] == ["SW-1"] * 5  # what groups their outages
        assert (
            client.get("/api/v1/cameras?search=flow 2&limit=500").json()["total"] == 11
        )  # F-002, F-020..F-029
        everything = client.get("/api/v1/cameras?limit=500&offset=0").json()
        assert everything["total"] == 32 and len(everything["items"]) == 32

        edit = client.patch(
            "/api/v1/cameras/F-001",
            json={"name": "Flow one", "heading_deg": 90, "tags": ["a", "b"], "network_node": "SW-9"},
        )
        assert edit.status_code == 200, edit.text
        changed = edit.json()
        assert (changed["name"], changed["heading_deg"], changed["tags"], changed["network_node"]) == (
            "Flow one",
            90.0,
            ["a", "b"],
            "SW-9",
        )
        same = client.patch("/api/v1/cameras/F-001", json={"name": "Flow one"})
        assert same.status_code == 200
        # A camera that offers RTP only over UDP; anything but tcp or udp is refused, naming the field.
        udp = client.patch("/api/v1/cameras/F-002", json={"rtsp_transport": "udp"})
        assert udp.status_code == 200 and udp.json()["rtsp_transport"] == "udp"
        sctp = client.patch("/api/v1/cameras/F-002", json={"rtsp_transport": "sctp"})
        assert sctp.status_code == 422 and "rtsp_transport" in sctp.text
        assert client.get("/api/v1/cameras/F-002").json()["rtsp_transport"] == "udp"

        event_id = world.add_event("A-1")
        events = client.get("/api/v1/events?acknowledged=false&camera=A-1").json()
        assert event_id in [e["id"] for e in events["items"]]
        ack = client.post(f"/api/v1/events/{event_id}/acknowledge")
        assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "operator"
        assert event_id not in [
            e["id"] for e in client.get("/api/v1/events?acknowledged=false").json()["items"]
        ]

        summary = client.get("/api/v1/summary").json()
        assert summary["total"]["installed"] == 32 and summary["total"]["connected"] == 2
        assert client.get("/api/v1/audit").status_code == 403

    with world.client() as admin:
        h = world.headers("admin")
        audit = admin.get("/api/v1/audit?actor=operator", headers=h).json()
        actions = [e["action"] for e in audit["items"]]
        # Newest first; the no-op edit left no entry, the dry run neither.
        assert actions == ["events.ack", "cameras.update", "cameras.update", "cameras.import"]
        assert audit["items"][1]["after"] == {"rtsp_transport": "udp"}
        update = audit["items"][2]
        assert update["before"] == {"name": "Flow 1", "heading_deg": None, "tags": [], "network_node": "SW-0"}
        assert update["after"] == {
            "name": "Flow one",
            "heading_deg": 90.0,
            "tags": ["a", "b"],
            "network_node": "SW-9",
        }
        assert len(audit["items"][3]["after"]["created"]) == 30
        deleted = admin.delete("/api/v1/cameras/F-030", headers=h)
        assert deleted.status_code == 204
        assert admin.get("/api/v1/cameras/F-030", headers=h).status_code == 404
        # The summary is cached for at most a second, then counts the deletion.
        time.sleep(1.1)
        assert admin.get("/api/v1/summary", headers=h).json()["total"]["installed"] == 31
        gone = admin.get("/api/v1/audit?action=cameras.delete", headers=h).json()["items"][0]
        assert (
            gone["target"] == "camera:F-030" and gone["before"]["name"] == "Flow 30" and gone["after"] is None
        )
        # An administrator cannot lock themselves out.
        assert admin.patch("/api/v1/users/admin", json={"active": False}, headers=h).status_code == 409
