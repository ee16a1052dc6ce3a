"""The console's queries on SQLite and PostgreSQL: availability from events, scopes, acknowledgement,
edits with validation, and the map's compact arrays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from qarauyl.errors import InputError, NotFoundError
from qarauyl.inventory.queries import CameraFilter
from qarauyl.store import Camera, Database, Organisation
from qarauyl.store.models import CameraHealthRow, HealthEvent
from qarauyl.web import _data

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _fleet(db: Database) -> tuple[int, int]:
    """Three connected cameras (two maintained by org A) and one installed; returns the org ids."""
    with db.session() as session:
        a, b = Organisation(name="A", kind="contractor"), Organisation(name="B", kind="contractor")
        session.add_all([a, b])
        session.flush()
        for code, maintainer, lifecycle, health in (
            ("C-1", a.id, "connected", "ok"),
            ("C-2", a.id, "connected", "failed"),
            ("C-3", b.id, "connected", "ok"),
            ("C-4", b.id, "installed", "unknown"),
        ):
            session.add(
                Camera(
                    code=code,
                    name=f"Camera {code}",
                    vendor="axis",
                    kind="fixed",
                    latitude=43.3,
                    longitude=68.2,
                    lifecycle=lifecycle,
                    health=health,
                    maintainer_id=maintainer,
                    heading_deg=90.0,
                    hfov_deg=60.0,
                    tags=[],
                )
            )
        session.flush()
        c2 = session.scalar(select(Camera.id).where(Camera.code == "C-2"))
        # C-2 failed 6 hours ago, after being ok.
        session.add(
            HealthEvent(
                camera_id=c2,
                at=NOW - timedelta(hours=6),
                before="ok",
                after="failed",
                codes=["offline"],
                findings=[],
                reason="confirmed",
            )
        )
        return a.id, b.id


def test_availability_weighs_time_in_each_state(db: Database) -> None:
    _fleet(db)
    report = _data.fleet_availability(db, NOW, zone=UTC)
    # Over 24 h: C-1 and C-3 up all along, C-2 up 18 of 24 hours.
    assert report.last_24h == pytest.approx((24 + 24 + 18) / 72)
    assert report.last_7d == pytest.approx((3 * 168 - 6) / (3 * 168))
    assert len(report.daily) == 30
    assert report.daily[-1][1] == pytest.approx((12 + 12 + 6) / 36)  # today: midnight to noon
    assert report.daily[0][1] == 1.0
    # The OCC's days: in Almaty (UTC+5) today began at 19:00 UTC, 17 hours before noon UTC.
    almaty = _data.fleet_availability(db, NOW, zone=ZoneInfo("Asia/Almaty"))
    assert almaty.daily[-1][0] == datetime(2026, 11, 19, 19, 0, tzinfo=UTC)
    assert almaty.daily[-1][1] == pytest.approx((17 + 17 + 11) / 51)
    assert almaty.last_24h == report.last_24h


def test_scope_limits_an_engineer_to_the_maintained_cameras(db: Database) -> None:
    a, _ = _fleet(db)
    scope = _data.Scope(maintainer_id=a, restricted=True)
    assert [r["code"] for r in _data.camera_rows(db, scope)] == ["C-1", "C-2"]
    assert _data.summary(db, scope).total.failed == 1
    assert _data.summary(db).total.connected == 3
    assert len(_data.map_points(db, scope)["id"]) == 2
    with pytest.raises(NotFoundError):
        _data.camera_detail(db, "C-3", scope)
    nobody = _data.Scope(maintainer_id=None, restricted=True)
    assert _data.camera_rows(db, nobody) == []
    report = _data.fleet_availability(db, NOW, scope)
    assert report.last_24h == pytest.approx((24 + 18) / 48)


def test_filters_by_health_and_fault(db: Database) -> None:
    _fleet(db)
    assert [r["code"] for r in _data.camera_rows(db, filters=CameraFilter(health="failed"))] == ["C-2"]
    assert [r["code"] for r in _data.camera_rows(db, filters=CameraFilter(search="c-3"))] == ["C-3"]
    events = _data.events(db, filters=_data.EventFilter(code="offline"))
    assert [e["camera"] for e in events] == ["C-2"]
    assert _data.events(db, filters=_data.EventFilter(code="blur")) == []


def test_the_table_and_the_faults_now_say_why_a_failed_camera_cannot_be_read(db: Database) -> None:
    """Read back from JSON on both databases; only a failed camera's findings are read for the table."""
    a, _ = _fleet(db)
    unreachable = {
        "code": "offline",
        "severity": "critical",
        "score": 1.0,
        "detail": {"cause": "unreachable"},
    }
    with db.session() as session:
        ids = {code: cid for code, cid in session.execute(select(Camera.code, Camera.id))}
        session.add(
            CameraHealthRow(camera_id=ids["C-2"], state="failed", codes=["offline"], findings=[unreachable])
        )
        # An ok camera whose stored findings (a hand edit, an older release) name a cause: not shown.
        session.add(CameraHealthRow(camera_id=ids["C-1"], state="ok", codes=[], findings=[unreachable]))
    rows = {r["code"]: r for r in _data.camera_rows(db)}
    assert (rows["C-2"]["cause"], rows["C-1"]["cause"], rows["C-3"]["cause"]) == ("unreachable", None, None)
    assert _data.faults(db).to_dict() == {"faults": {"offline": 1}, "causes": {"unreachable": 1}}
    assert _data.faults(db, _data.Scope(maintainer_id=a + 1, restricted=True)).faults == {}
    assert _data.events(db)[0]["cause"] is None  # the fixture's event was stored without a cause


def test_acknowledge_records_the_first_person_and_audits_once(db: Database) -> None:
    _fleet(db)
    audited: list[object] = []
    event_id = _data.events(db)[0]["id"]
    signature = _data.events_signature(db)
    _data.acknowledge(db, event_id, "olzhas", NOW, audit=lambda s, b, a: audited.append(a))
    _data.acknowledge(
        db, event_id, "someone-else", NOW + timedelta(minutes=1), audit=lambda s, b, a: audited.append(a)
    )
    event = _data.events(db)[0]
    assert (event["acknowledged_by"], event["acknowledged_at"]) == ("olzhas", NOW)
    assert len(audited) == 1
    assert _data.events_signature(db) != signature


def test_edits_are_validated_and_return_before_and_after(db: Database) -> None:
    _fleet(db)
    with pytest.raises(InputError) as caught:
        _data.edit_camera(db, "C-1", {"heading_deg": 400.0, "name": " "})
    assert {p.column for p in caught.value.problems} == {"heading_deg", "name"}
    before, after = _data.edit_camera(db, "C-1", {"heading_deg": 180.0, "name": "Gate"})
    assert before == {"name": "Camera C-1", "heading_deg": 90.0}
    assert after == {"name": "Gate", "heading_deg": 180.0}
    # The planner's optics: the inventory's ranges, so the console accepts what an import accepts.
    with pytest.raises(InputError) as caught:
        _data.edit_camera(db, "C-1", {"mount_height_m": 0.2, "focal_mm": 0.0, "sensor_width_mm": 80.0})
    messages = {p.column: p.message for p in caught.value.problems}
    assert messages == {
        "mount_height_m": "0.2 is out of range [0.5, 100]",
        "focal_mm": "0.0 is out of range (0, 1000]",
        "sensor_width_mm": "80.0 is out of range (0, 50]",
    }
    _, after = _data.edit_camera(db, "C-1", {"mount_height_m": 9.5, "focal_mm": 4.0})
    assert after == {"mount_height_m": 9.5, "focal_mm": 4.0}
    # Texts: the lengths the import and the API allow (a 400-character name was stored from the console).
    with pytest.raises(InputError) as caught:
        _data.edit_camera(db, "C-1", {"name": "N" * 301, "address": "A" * 501, "model": "M" * 121})
    assert {p.column: p.message for p in caught.value.problems} == {
        "name": "longer than 300 characters",
        "address": "longer than 500 characters",
        "model": "longer than 120 characters",
    }
    before, after = _data.set_lifecycle(db, "C-4", "connected")
    assert (before, after) == ({"lifecycle": "installed"}, {"lifecycle": "connected"})
    with pytest.raises(InputError):
        _data.set_lifecycle(db, "C-4", "exploded")


def test_the_map_shows_unprobed_cameras_as_unknown(db: Database) -> None:
    _fleet(db)
    points = _data.map_points(db)
    health = dict(zip(points["code"], points["health"], strict=True))
    assert health == {"C-1": 0, "C-2": 2, "C-3": 0, "C-4": 3}
    assert points["heading"][0] == 90.0
