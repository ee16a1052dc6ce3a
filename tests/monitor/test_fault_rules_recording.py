"""Fault rules as the monitor records probes, on SQLite and PostgreSQL: a silenced fault leaves the camera ok
but stays in its findings marked as held; a delayed one counts once it has lasted; a camera's own rule wins
over the fleet's; removing a rule brings the default back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from monitor_records import add_connected_camera, probe_finding
from sqlalchemy import select

from qarauyl.domain import FaultCode
from qarauyl.errors import InputError, NotFoundError
from qarauyl.health import HealthPolicy
from qarauyl.monitor.fault_rules import clear_rule, list_rules, set_rule
from qarauyl.monitor.recording import record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.store.database import Database
from qarauyl.store.models import CameraHealthRow, FaultRuleRow, HealthEvent

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy(confirm_probes=2, recover_probes=2)


_camera = add_connected_camera
_probe = probe_finding


def _record(db: Database, tmp_path: Path, camera_id: int, minute: int, *codes: FaultCode) -> str:
    at = T0 + timedelta(minutes=minute)
    [recorded] = record_results(db, SnapshotStore(tmp_path / "s"), [(camera_id, _probe(*codes), at)], POLICY)
    return recorded.state.value


def _row(db: Database, camera_id: int) -> Any:
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        session.expunge(row)
        return row


def test_a_switched_off_fault_leaves_the_camera_ok_and_is_shown_as_held(db: Database, tmp_path: Path) -> None:
    sunset, other = _camera(db, "R-1"), _camera(db, "R-2")
    set_rule(db, "glare", camera="R-1", enabled=False, note="faces the sunset", actor="duty")
    states = [_record(db, tmp_path, cam, m, FaultCode.GLARE) for m in range(3) for cam in (sunset, other)]
    assert states[0::2] == ["ok", "ok", "ok"]
    assert states[1::2] == ["degraded", "degraded", "degraded"]
    row = _row(db, sunset)
    assert row.codes == []
    assert row.findings == [{"code": "glare", "severity": "warning", "score": 0.8, "detail": {"x": 1.0},
                             "held": "off", "since": T0.isoformat()}]  # fmt: skip
    # A real fault on the same camera still alarms.
    _record(db, tmp_path, sunset, 3, FaultCode.GLARE, FaultCode.BLUR)
    assert _record(db, tmp_path, sunset, 4, FaultCode.GLARE, FaultCode.BLUR) == "degraded"
    row = _row(db, sunset)
    assert row.codes == ["blur"]
    # Each code's own run: glare since the first probe, blur since it appeared.
    assert {f["code"]: f["since"] for f in row.findings} == {
        "glare": T0.isoformat(),
        "blur": (T0 + timedelta(minutes=3)).isoformat(),
    }
    with db.session() as session:
        events = session.scalars(select(HealthEvent).where(HealthEvent.camera_id == sunset)).all()
        assert [e.codes for e in events] == [[], ["blur"]]


def test_a_delayed_fault_counts_once_it_has_lasted(db: Database, tmp_path: Path) -> None:
    camera = _camera(db, "D-1")
    _record(db, tmp_path, camera, 0)  # first verdict: ok
    set_rule(db, "noise", delay_minutes=30)  # fleet-wide
    states = [_record(db, tmp_path, camera, minute, FaultCode.NOISE) for minute in (10, 20, 30, 40, 50)]
    # Held for 30 minutes from its first sighting at minute 10, then confirmed by the policy's two probes.
    assert states == ["ok", "ok", "ok", "ok", "degraded"]
    assert _row(db, camera).seen_since == {"noise": (T0 + timedelta(minutes=10)).isoformat()}
    # A probe without it ends the run.
    _record(db, tmp_path, camera, 60)
    assert _row(db, camera).seen_since is None


def test_a_delay_set_on_a_fault_already_alarming_keeps_the_alarm(db: Database, tmp_path: Path) -> None:
    # Glare for two hours, confirmed; then the OCC asks for a 30-minute delay on glare. The glare has lasted
    # longer than that: the camera stays degraded instead of turning ok for half an hour.
    camera = _camera(db, "D-2")
    states = [_record(db, tmp_path, camera, minute, FaultCode.GLARE) for minute in (0, 60, 120)]
    assert states == ["degraded", "degraded", "degraded"]
    set_rule(db, "glare", camera="D-2", delay_minutes=30)
    assert _record(db, tmp_path, camera, 125, FaultCode.GLARE) == "degraded"
    row = _row(db, camera)
    assert "held" not in row.findings[0]
    assert row.seen_since == {"glare": T0.isoformat()}
    assert row.findings[0]["since"] == T0.isoformat()  # what the console shows as "seen since"
    with db.session() as session:
        events = session.scalars(select(HealthEvent).where(HealthEvent.camera_id == camera)).all()
        assert [e.after for e in events] == ["degraded"]


def test_a_cameras_own_rule_wins_and_clearing_it_brings_the_fleets_back(db: Database, tmp_path: Path) -> None:
    camera = _camera(db, "O-1")
    set_rule(db, "glare", enabled=False)  # fleet: no glare alarms
    set_rule(db, "glare", camera="O-1", min_score=0.9)  # this camera: only clear glare
    assert _record(db, tmp_path, camera, 0, FaultCode.GLARE) == "ok"
    assert _row(db, camera).findings[0]["held"] == "sensitivity"
    assert [(r.camera, r.code, r.enabled, r.min_score) for r in list_rules(db, camera="O-1")] == [
        (None, "glare", False, 0.5),
        ("O-1", "glare", True, 0.9),
    ]
    clear_rule(db, "glare", camera="O-1")
    _record(db, tmp_path, camera, 1, FaultCode.GLARE)
    assert _row(db, camera).findings[0]["held"] == "off"
    clear_rule(db, "glare")
    assert list_rules(db) == []
    _record(db, tmp_path, camera, 2, FaultCode.GLARE)
    assert _record(db, tmp_path, camera, 3, FaultCode.GLARE) == "degraded"


def test_a_rule_with_an_end_applies_until_then(db: Database, tmp_path: Path) -> None:
    camera = _camera(db, "U-1")
    rule = set_rule(db, "glare", camera="U-1", enabled=False, until=datetime.now(UTC) + timedelta(days=7))
    assert rule.until is not None and rule.in_force
    before, after = rule.until - timedelta(hours=1), rule.until + timedelta(hours=1)
    states = []
    for at in (before, before + timedelta(minutes=5), after, after + timedelta(minutes=5)):
        batch = [(camera, _probe(FaultCode.GLARE), at)]
        [recorded] = record_results(db, SnapshotStore(tmp_path / "s"), batch, POLICY)
        states.append(recorded.state.value)
    assert states == ["ok", "ok", "ok", "degraded"]  # lapsed: glare alarms again, confirmed by two probes
    assert "held" not in _row(db, camera).findings[0]
    # Once its end has passed, the rule is still listed (for the record) but says it is no longer in force.
    with db.session() as session:
        stored = session.scalars(select(FaultRuleRow)).one()
        stored.until = datetime.now(UTC) - timedelta(minutes=1)
    [lapsed] = list_rules(db, camera="U-1")
    assert lapsed.until is not None and not lapsed.in_force


def test_setting_a_rule_again_replaces_it_and_bad_rules_are_refused(db: Database) -> None:
    _camera(db, "S-1")
    set_rule(db, "blur", camera="S-1", delay_minutes=5)
    set_rule(db, "blur", camera="S-1", delay_minutes=15, note="  wind  ")
    set_rule(db, "blur", delay_minutes=1)
    set_rule(db, "blur", delay_minutes=2)
    rules = list_rules(db)
    assert [(r.camera, r.delay_minutes, r.note) for r in rules] == [(None, 2, ""), ("S-1", 15, "wind")]
    with pytest.raises(InputError, match="'sunshine' is not a fault code"):
        set_rule(db, "sunshine")
    with pytest.raises(InputError, match="cannot be switched off"):
        set_rule(db, "offline", enabled=False)
    with pytest.raises(InputError, match="minimum score"):
        set_rule(db, "blur", min_score=0.2)
    with pytest.raises(InputError, match="has already passed"):
        set_rule(db, "blur", until=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(InputError, match="at most 366 days ahead"):
        set_rule(db, "blur", until=datetime.now(UTC) + timedelta(days=400))
    with pytest.raises(InputError, match="needs a time zone"):
        set_rule(db, "blur", until=datetime(2030, 1, 1))
    with pytest.raises(NotFoundError, match="No camera with code 'NOPE'"):
        set_rule(db, "blur", camera="NOPE")
    with pytest.raises(NotFoundError, match="No rule for 'glare' on camera 'S-1'"):
        clear_rule(db, "glare", camera="S-1")
    assert len(list_rules(db)) == 2  # nothing half-written by the refusals
