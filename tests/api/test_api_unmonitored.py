"""Through the API, a camera leaving `connected` (its lifecycle call, a camera edit, an import) shows health
unknown at once, and the event that says so does not wait for anyone's acknowledgement."""

from __future__ import annotations

from sqlalchemy import update

from qarauyl.store.models import Camera
from tests.api.conftest import World


def test_the_api_lifecycle_edit_and_import_settle_health(world: World) -> None:
    admin = world.headers("admin")
    with world.client() as client:
        assert client.get("/api/v1/cameras/A-1", headers=admin).json()["health"] == "failed"
        moved = client.post("/api/v1/cameras/A-1/lifecycle", json={"lifecycle": "installed"}, headers=admin)
        assert moved.status_code == 200 and moved.json()["health"] == "unknown"
        unacknowledged = client.get("/api/v1/events?acknowledged=false", headers=admin).json()
        assert not [e for e in unacknowledged["items"] if e["after"] == "unknown"]

        edited = client.patch("/api/v1/cameras/B-1", json={"lifecycle": "decommissioned"}, headers=admin)
        assert edited.status_code == 200 and edited.json()["health"] == "unknown"

        with world.db.session() as session:  # both back, failed again, for the import
            session.execute(update(Camera).values(lifecycle="connected", health="failed"))
        csv = (
            "code,name,vendor,latitude,longitude,lifecycle\n"
            "A-1,A-1,axis,43.3,68.25,installed\n"
            "B-1,B-1,axis,43.3,68.25,connected\n"
        )
        files = {"file": ("fleet.csv", csv.encode(), "text/csv")}
        assert client.post("/api/v1/cameras/import", files=files, headers=admin).status_code == 200
        healths = {
            code: client.get(f"/api/v1/cameras/{code}", headers=admin).json()["health"]
            for code in ("A-1", "B-1")
        }
        assert healths == {"A-1": "unknown", "B-1": "failed"}
