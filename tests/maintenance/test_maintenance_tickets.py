"""Tickets from real health events: opening, joining, lifecycle, confirmation before closing, SLA."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from maintenance_fleet import T0, Fleet
from sqlalchemy import select
from typer.testing import CliRunner

from qarauyl.accounts import create_user, update_user
from qarauyl.accounts.models import AuditEntry
from qarauyl.accounts.permissions import Principal
from qarauyl.analytics.fleet import fleet_summary
from qarauyl.cli import app
from qarauyl.config import Settings
from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.errors import InputError
from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage, Ticket
from qarauyl.maintenance.tickets import (
    ACTIVE,
    STATUSES,
    TicketFilter,
    add_comment,
    assign,
    in_repair_counts,
    list_tickets,
    named_codes,
    open_ticket,
    process_transitions,
    repairers,
    set_status,
    ticket_detail,
)
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.store.database import Database
from qarauyl.store.models import HealthEvent
from qarauyl.store.schema import upgrade

CONFIG = MaintenanceConfig(confirm_minutes=30)
ENGINEER = Principal(id=7, name="aidar", role="engineer", organisation_id=None, language="kk")


def _tickets(db: Database) -> list[Ticket]:
    with db.session() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_confirmed_fault_opens_one_ticket_and_later_faults_join_it(db: Database, fleet: Fleet) -> None:
    [cam] = fleet.add(1)
    recorded = fleet.probe([cam], T0, "offline")  # one failed probe is not a confirmed fault
    assert process_transitions(db, recorded, T0, CONFIG) == []
    recorded = fleet.probe([cam], T0 + timedelta(minutes=1), "offline")
    changes = process_transitions(db, recorded, T0 + timedelta(minutes=1), CONFIG)
    assert [c.change for c in changes] == ["opened"]
    [ticket] = _tickets(db)
    assert (ticket.status, ticket.priority, ticket.codes) == ("open", "critical", ["offline"])
    assert ticket.due_at == ticket.opened_at + timedelta(hours=24)
    # Running again with no new events changes nothing (the watermark is in the database).
    assert process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG) == []
    # Back to ok, then a different fault: the same ticket, with both codes.
    fleet.confirm([cam], T0 + timedelta(minutes=10))
    fleet.confirm([cam], T0 + timedelta(minutes=20), "auth_failed")
    process_transitions(db, [], T0 + timedelta(minutes=22), CONFIG)
    [ticket] = _tickets(db)
    assert ticket.codes == ["auth_failed", "offline"]
    kinds = [e.kind for e in ticket_detail(db, ticket.id, now=T0, config=CONFIG).events]
    assert kinds == ["opened", "recovered", "joined"]


def test_a_worse_fault_on_a_degraded_camera_raises_its_tickets_priority(db: Database, fleet: Fleet) -> None:
    """A camera degraded by a low frame rate (a low-priority ticket) is then covered: before, the monitor
    refreshed the codes silently and the ticket stayed low, due in a week."""
    [cam] = fleet.add(1)
    low_fps = Finding(FaultCode.LOW_FPS, Severity.WARNING, 0.7)
    occluded = Finding(FaultCode.OCCLUDED, Severity.WARNING, 0.9)
    config = MaintenanceConfig(
        routes=(Route(name="occ", channel="webhook", target="http://127.0.0.1:9/hook"),)
    )
    fleet.confirm([cam], T0, findings=(low_fps,))
    process_transitions(db, [], T0 + timedelta(minutes=2), config)
    [ticket] = _tickets(db)
    assert (ticket.priority, ticket.codes) == ("low", ["low_fps"])
    fleet.probe([cam], T0 + timedelta(minutes=10), findings=(low_fps, occluded))  # a bus: no news yet
    process_transitions(db, [], T0 + timedelta(minutes=10), config)
    assert _tickets(db)[0].priority == "low"
    fleet.probe([cam], T0 + timedelta(minutes=11), findings=(low_fps, occluded))
    changes = process_transitions(db, [], T0 + timedelta(minutes=12), config)
    assert [c.change for c in changes] == ["joined"]
    [ticket] = _tickets(db)
    assert (ticket.priority, ticket.codes) == ("high", ["low_fps", "occluded"])
    assert ticket.due_at == ticket.opened_at + timedelta(hours=48)
    with db.session() as session:
        news = session.scalars(select(HealthEvent).order_by(HealthEvent.id.desc())).first()
        assert news is not None and (news.before, news.after) == ("degraded", "degraded")
        assert news.reason.startswith("new fault occluded")
        told = [item for row in session.scalars(select(OutboxMessage)) for item in row.body["items"]]
    assert [item["event"] for item in told] == ["opened", "escalated"]
    assert (told[1]["codes"], told[1]["values"]["raised_from"]) == (["occluded"], "low")
    assert "raised from low to high: view blocked; due " in told[1]["text"], told[1]
    assert told[1]["text"].endswith(" UTC")  # no time zone configured: the reader is told it is UTC


def test_a_ticket_for_a_camera_that_cannot_be_read_says_why(db: Database, fleet: Fleet) -> None:
    """ "offline" alone does not tell the contractor whether to send a van or fix a password."""
    [cam, older] = fleet.add(2)
    config = MaintenanceConfig(
        routes=(Route(name="occ", channel="webhook", target="http://127.0.0.1:9/hook"),)
    )
    fleet.confirm([cam], T0, "offline", cause="unreachable")
    fleet.confirm([older], T0, "auth_failed")  # recorded before the probe named causes
    process_transitions(db, [], T0 + timedelta(minutes=2), config)
    with db.session() as session:
        told = {
            item["camera"]: item
            for row in session.scalars(select(OutboxMessage))
            for item in row.body["items"]
        }
    code_of = {camera_id: code for code, camera_id in fleet.ids.items()}
    assert told[code_of[cam]]["cause"] == "unreachable" and told[code_of[older]]["cause"] is None
    assert told[code_of[cam]]["text"].endswith("opened (critical): offline (no answer on the network)"), told
    assert told[code_of[older]]["text"].endswith("opened (high): login refused"), told
    [ticket, _] = _tickets(db)
    opened = ticket_detail(db, ticket.id, now=T0, config=CONFIG).events[0]
    assert opened.detail["cause"] == "unreachable", opened
    # The queue says why each camera cannot be read now, as its last probe found.
    views = {v.camera_id: v for v in list_tickets(db, now=T0, config=CONFIG)}
    assert (views[cam].camera_cause, views[older].camera_cause) == ("unreachable", None)
    fleet.confirm([cam], T0 + timedelta(minutes=5), "offline", cause="refused")  # power back, service not
    assert list_tickets(db, now=T0, config=CONFIG)[0].camera_cause == "refused"


def test_the_queue_keeps_the_most_urgent_and_the_latest_closed_within_its_limit(
    db: Database, fleet: Fleet
) -> None:
    """A year's closed tickets must not push today's out of the page, nor a storm its critical ones: the
    limit used to take the oldest tickets of any status."""
    cams = fleet.add(7)
    codes = [f"CAM-{i:03d}" for i in range(7)]
    opened = {}
    for i, (code, priority) in enumerate(
        zip(codes, ["low", "normal", "critical", "high", "low", "normal", "low"], strict=True)
    ):
        opened[code] = open_ticket(
            db, code, now=T0 + timedelta(minutes=i), config=CONFIG, priority=priority
        ).id
    for i, code in enumerate(codes[4:]):  # the three newest are cancelled, CAM-006 last
        set_status(db, opened[code], "cancelled", now=T0 + timedelta(hours=1, minutes=i), config=CONFIG)
    queue = list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(statuses=STATUSES), limit=2)
    assert [v.camera_code for v in queue] == ["CAM-002", "CAM-003", "CAM-006", "CAM-005"]
    whole = list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(statuses=STATUSES))
    assert [v.camera_code for v in whole] == ["CAM-002", "CAM-003", "CAM-001", "CAM-000", *codes[6:3:-1]]
    assert len(cams) == len({v.id for v in whole})


def test_named_codes_puts_the_cause_beside_the_fault_of_access_only() -> None:
    assert named_codes(["auth_failed", "blur"], "credentials") == "auth_failed (credentials), blur"
    assert named_codes(["offline"], "web_server") == "offline (web server)"
    assert named_codes(["blur", "offline"], None) == "blur, offline"


def test_lifecycle_in_repair_and_closing_needs_the_monitors_confirmation(db: Database, fleet: Fleet) -> None:
    [cam, other] = fleet.add(2)
    fleet.confirm([cam], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    [ticket] = _tickets(db)
    now = T0 + timedelta(hours=1)
    for status in ("acknowledged", "in_progress", "removed_for_repair"):
        set_status(db, ticket.id, status, now=now, config=CONFIG, actor=ENGINEER)
    with db.session() as session:
        assert in_repair_counts(session).total == 1
        assert in_repair_counts(session).by_district == {"North": 1}
        assert fleet_summary(session).total.in_repair == 1
    with pytest.raises(InputError, match="can move to"):
        set_status(db, ticket.id, "closed", now=now, config=CONFIG)
    set_status(
        db, ticket.id, "resolved", now=now, config=CONFIG, actor=ENGINEER, resolution_code="replaced_psu"
    )
    # Still failing: closing is refused without an override.
    with pytest.raises(InputError, match="has not confirmed"):
        set_status(db, ticket.id, "closed", now=now, config=CONFIG, actor=ENGINEER)
    # Healthy again, but not yet for the confirmation time.
    fleet.confirm([cam], now)
    process_transitions(db, [], now + timedelta(minutes=2), CONFIG)
    with pytest.raises(InputError, match="has not confirmed"):
        set_status(db, ticket.id, "closed", now=now + timedelta(minutes=10), config=CONFIG)
    view = set_status(db, ticket.id, "closed", now=now + timedelta(minutes=40), config=CONFIG, actor=ENGINEER)
    assert (view.status, view.closed_by_override, view.resolution_code) == ("closed", False, "replaced_psu")
    # The other camera fails; a person's report joins its ticket, which is closed with an audited
    # override while the camera is still failing (say, it was taken down for good).
    fleet.confirm([other], now, "offline")
    process_transitions(db, [], now + timedelta(minutes=2), CONFIG)
    manual = open_ticket(
        db, "CAM-001", now=now, config=CONFIG, priority="high", note="pole hit", actor=ENGINEER
    )
    assert manual.camera_id == other and manual.status == "open" and manual.priority == "critical"
    set_status(db, manual.id, "resolved", now=now, config=CONFIG, actor=ENGINEER)
    closed = set_status(
        db, manual.id, "closed", now=now, config=CONFIG, actor=ENGINEER, override_reason="camera removed"
    )
    assert closed.closed_by_override
    with db.session() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "tickets.close_override" in actions
    assert actions.count("tickets.status") == 7
    with db.session() as session:
        assert fleet_summary(session).total.in_repair == 0


def test_one_open_ticket_per_camera_even_for_people(db: Database, fleet: Fleet) -> None:
    fleet.add(1)
    first = open_ticket(db, "CAM-000", now=T0, config=CONFIG, note="reported by patrol")
    again = open_ticket(db, "CAM-000", now=T0, config=CONFIG, note="reported twice")
    assert first.id == again.id
    add_comment(db, first.id, "on my way", now=T0, actor=ENGINEER)
    detail = ticket_detail(db, first.id, now=T0, config=CONFIG)
    assert [e.text for e in detail.events] == ["reported by patrol", "reported twice", "on my way"]
    assert len(_tickets(db)) == 1


def test_recovery_is_proposed_after_confirmation_time_and_a_relapse_reopens(
    db: Database, fleet: Fleet
) -> None:
    [cam] = fleet.add(1)
    fleet.confirm([cam], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    fleet.confirm([cam], T0 + timedelta(minutes=5))
    changes = process_transitions(db, [], T0 + timedelta(minutes=7), CONFIG)
    assert [c.change for c in changes] == ["recovered"]
    assert not list_tickets(db, now=T0, config=CONFIG)[0].proposed_for_resolution
    changes = process_transitions(db, [], T0 + timedelta(minutes=40), CONFIG)
    assert [c.change for c in changes] == ["proposed"]
    [view] = list_tickets(db, now=T0 + timedelta(minutes=40), config=CONFIG)
    assert view.proposed_for_resolution
    assert view.route_url is not None and "43.300000,68.250000" in view.route_url
    set_status(db, view.id, "resolved", now=T0 + timedelta(minutes=41), config=CONFIG)
    fleet.confirm([cam], T0 + timedelta(minutes=50), "offline")
    changes = process_transitions(db, [], T0 + timedelta(minutes=52), CONFIG)
    assert [c.change for c in changes] == ["reopened"]
    [ticket] = _tickets(db)
    assert ticket.status == "in_progress" and ticket.resolved_at is None and ticket.proposed_at is None


def test_sla_warning_then_breach_once_each(db: Database, fleet: Fleet) -> None:
    [cam] = fleet.add(1)
    fleet.confirm([cam], T0, "offline")  # critical: 24 h, warning at 75 %
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    assert process_transitions(db, [], T0 + timedelta(hours=17), CONFIG) == []
    assert [c.change for c in process_transitions(db, [], T0 + timedelta(hours=19), CONFIG)] == [
        "sla_warning"
    ]
    assert process_transitions(db, [], T0 + timedelta(hours=20), CONFIG) == []
    assert [c.change for c in process_transitions(db, [], T0 + timedelta(hours=25), CONFIG)] == ["sla_breach"]
    assert process_transitions(db, [], T0 + timedelta(hours=26), CONFIG) == []
    [view] = list_tickets(db, now=T0 + timedelta(hours=26), config=CONFIG)
    assert view.sla == "breached" and view.hours_left is not None and view.hours_left < 0


def test_faults_that_do_not_open_tickets_are_ignored(db: Database, fleet: Fleet) -> None:
    [cam] = fleet.add(1)
    fleet.confirm([cam], T0, "offline")
    config = MaintenanceConfig(open_on={"no_signal": "critical"})
    assert process_transitions(db, [], T0 + timedelta(minutes=2), config) == []
    assert _tickets(db) == []


def test_concurrent_monitors_never_open_two_tickets(postgres_url: str, tmp_path: Path) -> None:
    """Two monitor processes flushing at once (PostgreSQL, where that happens): the watermark row lock
    makes one wait, and every camera gets exactly one ticket."""
    db = Database(postgres_url)
    upgrade(db)
    fleet = Fleet(db, SnapshotStore(tmp_path / "snapshots"))
    cams = fleet.add(30)
    fleet.confirm(cams, T0, "offline")
    config = MaintenanceConfig(district_min_cameras=1000)  # no grouping: one ticket per camera
    others = [Database(postgres_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def run(database: Database) -> None:
        barrier.wait()
        results.append(
            [c.change for c in process_transitions(database, [], T0 + timedelta(minutes=2), config)]
        )

    threads = [threading.Thread(target=run, args=(d,)) for d in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(len(r) for r in results) == [0, 30]
    tickets = _tickets(db)
    assert len(tickets) == 30 and len({t.camera_id for t in tickets}) == 30
    for database in (*others, db):
        database.dispose()


def test_who_repairs_a_ticket_the_first_to_take_it_on_or_whom_it_is_given_to(
    db: Database, fleet: Fleet
) -> None:
    [cam] = fleet.add(1)  # North: maintained by FixIt
    for name, role, organisation in (
        ("aidar", "engineer", "FixIt"),
        ("bolat", "engineer", "RepairCo"),
        ("dana", "operator", None),
        ("erzhan", "engineer", "FixIt"),
        ("viktor", "viewer", None),
    ):
        create_user(db, name, role, "a-long-password", organisation=organisation)
    update_user(db, "erzhan", active=False)
    fleet.confirm([cam], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    [ticket] = _tickets(db)
    # The contractor's own engineers and the OCC's staff; not another contractor's, a viewer, or a leaver.
    assert repairers(db, ticket.id) == ["aidar", "dana"]
    for name, why in (
        ("bolat", "they work for another organisation than the ticket's maintainer"),
        ("viktor", "a viewer does not work repairs"),
        ("erzhan", "their account is disabled"),
    ):
        with pytest.raises(InputError, match=f"cannot be given to {name}: {why}"):
            assign(db, ticket.id, name, now=T0, config=CONFIG)
    with pytest.raises(InputError, match="No user is named 'nobody'"):
        assign(db, ticket.id, "nobody", now=T0, config=CONFIG)
    # The engineer who acknowledges an unassigned ticket is the one repairing it.
    aidar = Principal(id=1, name="aidar", role="engineer", organisation_id=_org(db, "FixIt"), language="kk")
    view = set_status(
        db, ticket.id, "acknowledged", now=T0 + timedelta(minutes=5), config=CONFIG, actor=aidar
    )
    assert view.assignee == "aidar"
    # The OCC gives it to someone else; then to nobody; every change is journaled and audited.
    dana = Principal(id=3, name="dana", role="operator", organisation_id=None, language="ru")
    assign(db, ticket.id, "dana", now=T0 + timedelta(minutes=6), config=CONFIG, actor=dana)
    view = assign(db, ticket.id, None, now=T0 + timedelta(minutes=7), config=CONFIG, actor=dana)
    assert view.assignee is None
    assigned = [
        e.detail for e in ticket_detail(db, ticket.id, now=T0, config=CONFIG).events if e.kind == "assigned"
    ]
    assert assigned == [
        {"to": "aidar", "from": None},
        {"to": "dana", "from": "aidar"},
        {"to": None, "from": "dana"},
    ]
    with db.session() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tickets.assign").order_by(AuditEntry.id)
        ).all()
        assert [(e.actor, e.after["assignee"]) for e in audit] == [("dana", "dana"), ("dana", None)]
    # Moving an assigned ticket on does not take it from its repairer.
    assign(db, ticket.id, "aidar", now=T0 + timedelta(minutes=8), config=CONFIG, actor=dana)
    view = set_status(db, ticket.id, "in_progress", now=T0 + timedelta(minutes=9), config=CONFIG, actor=dana)
    assert view.assignee == "aidar"


def _org(db: Database, name: str) -> int:
    from qarauyl.store.models import Organisation

    with db.session() as session:
        found = session.scalar(select(Organisation.id).where(Organisation.name == name))
        assert found is not None
        return found


def test_a_ticket_is_given_and_taken_back_from_the_command_line(
    db: Database, fleet: Fleet, settings: Settings
) -> None:
    fleet.add(1)
    view = open_ticket(db, "CAM-000", now=T0, config=CONFIG)
    create_user(db, "aidar", "engineer", "a-long-password", organisation="FixIt")
    runner = CliRunner()
    given = runner.invoke(app, ["tickets", "assign", str(view.id), "aidar"])
    assert given.exit_code == 0, given.output
    assert "maintainer FixIt; repairing: aidar" in given.stdout
    # The queue names who repairs each ticket, and finds one person's.
    listed = runner.invoke(app, ["tickets", "list", "--assignee", "aidar", "--json"])
    assert [(t["id"], t["assignee"]) for t in json.loads(listed.stdout)] == [(view.id, "aidar")]
    assert json.loads(runner.invoke(app, ["tickets", "list", "--assignee", "dana", "--json"]).stdout) == []
    for chosen, found in (
        (["-s", "AIDAR cam-000"], [view.id]),
        (["-s", "cam-001"], []),
        (["--overdue"], [view.id]),  # opened at T0, long past its deadline by now
    ):
        listed = runner.invoke(app, ["tickets", "list", *chosen, "--json"])
        assert [t["id"] for t in json.loads(listed.stdout)] == found, chosen
    listed = runner.invoke(app, ["tickets", "list", "--camera", "CAM-000", "--json"])
    assert [t["id"] for t in json.loads(listed.stdout)] == [view.id]
    assert json.loads(runner.invoke(app, ["tickets", "list", "--camera", "CAM-001", "--json"]).stdout) == []
    assert "aidar" in runner.invoke(app, ["tickets", "list"], env={"COLUMNS": "200"}).stdout
    wrong = runner.invoke(app, ["tickets", "list", "--priority", "urgent"])
    assert isinstance(wrong.exception, InputError) and "Unknown priority 'urgent'" in str(wrong.exception)
    taken = runner.invoke(app, ["tickets", "assign", str(view.id), "--nobody"])
    assert taken.exit_code == 0 and "repairing: nobody yet" in taken.stdout
    unclear = runner.invoke(app, ["tickets", "assign", str(view.id)])
    assert isinstance(unclear.exception, InputError) and "or say --nobody" in str(unclear.exception)
    assert [e.kind for e in ticket_detail(db, view.id, now=T0, config=CONFIG).events][-2:] == [
        "assigned",
        "assigned",
    ]


def test_overdue_is_chosen_in_sql_as_the_sla_state_says(db: Database, fleet: Fleet) -> None:
    """`overdue` (the queue's switch, the API's `overdue=true`) is chosen in the query, before the read's
    limit; it must agree with `sla_state` on every kind of ticket: open or resolved, closed with or without
    a resolution time, cancelled, finished before or after the deadline, with no deadline at all."""
    rng = random.Random(7)
    cameras = fleet.add(60)
    hours = [-30, -2, -0.5, 0, 0.5, 3, 300, None]
    with db.session() as session:
        for camera_id in cameras:
            status = rng.choice(STATUSES)
            due = rng.choice(hours)
            ticket = Ticket(camera_id=camera_id, status=status, opened_at=T0 - timedelta(hours=48))
            ticket.due_at = None if due is None else T0 + timedelta(hours=due)
            if status in ("resolved", "closed") and rng.random() < 0.8:
                ticket.resolved_at = T0 + timedelta(hours=rng.choice([-40, -1, 0, 1]))
            if status in ("closed", "cancelled"):
                ticket.closed_at = T0 + timedelta(hours=rng.choice([-20, -1, 0, 2]))
            session.add(ticket)
    every = TicketFilter(statuses=STATUSES)
    whole = list_tickets(db, now=T0, config=CONFIG, wanted=every)
    late = [v.id for v in whole if v.sla in ("breached", "missed")]
    assert 10 < len(late) < 50 and {v.sla for v in whole} >= {"ok", "breached", "met", "missed"}
    overdue = list_tickets(db, now=T0, config=CONFIG, wanted=replace(every, overdue=True))
    assert [v.id for v in overdue] == late
    # Chosen before the limit: the first two late tickets of each part, though the queue's first two are not.
    assert not set(late) >= {v.id for v in whole[:2]}
    cut = list_tickets(db, now=T0, config=CONFIG, wanted=replace(every, overdue=True), limit=2)
    active_late = [i for i in late if next(v for v in whole if v.id == i).status in ACTIVE]
    done_late = [i for i in late if i not in active_late]
    assert [v.id for v in cut] == active_late[:2] + done_late[:2]
