"""Root-cause grouping on real health events: node incidents, and time-and-district groups."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from maintenance_fleet import T0, Fleet
from sqlalchemy import select

from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.grouping import Outage, district_groups, node_groups
from qarauyl.maintenance.models import OutboxMessage, Ticket
from qarauyl.maintenance.tickets import (
    STATUSES,
    TicketFilter,
    list_tickets,
    process_transitions,
    ticket_matches,
)
from qarauyl.store.database import Database
from qarauyl.store.models import Organisation

CONFIG = MaintenanceConfig(routes=(Route(name="occ", channel="webhook", target="http://127.0.0.1:9/hook"),))


def _tickets(db: Database) -> list[Ticket]:
    with db.session() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_most_cameras_behind_a_node_down_together_raise_one_incident(db: Database, fleet: Fleet) -> None:
    node = fleet.add(6, node="cabinet-17")
    elsewhere = fleet.add(1, node="cabinet-99")
    fleet.confirm(node[:5] + elsewhere, T0, "offline")
    changes = process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    assert sorted(c.change for c in changes).count("incident_opened") == 1
    tickets = _tickets(db)
    [incident] = [t for t in tickets if t.kind == "node"]
    assert incident.node == "cabinet-17" and incident.members == sorted(node[:5])
    assert incident.grouping == "5 of 6 cameras behind node cabinet-17 went offline together"
    grouped = [t for t in tickets if t.kind == "camera" and t.camera_id in node]
    assert len(grouped) == 5
    assert all(t.status == "cancelled" and t.resolution_code == "grouped" for t in grouped)
    assert all(t.incident_id == incident.id for t in grouped)
    [alone] = [t for t in tickets if t.camera_id == elsewhere[0]]
    assert alone.status == "open"  # a single camera on another node is its own ticket
    # Notifications: the five camera tickets' messages are superseded by the incident's.
    with db.session() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        told = {item["event"]: item["text"] for row in pending for item in row.body["items"]}
    assert sorted(told) == ["incident_opened", "opened"]
    assert told["incident_opened"] == (
        f"Incident #{incident.id} node cabinet-17: "
        "5 of 6 cameras behind node cabinet-17 went offline together"
    )
    # Four come back: one still down is below the three-camera threshold, the incident closes and
    # that camera gets a ticket of its own.
    fleet.confirm(node[:4], T0 + timedelta(minutes=30))
    changes = process_transitions(db, [], T0 + timedelta(minutes=32), CONFIG)
    assert sorted(c.change for c in changes) == ["incident_closed", "opened"]
    tickets = _tickets(db)
    assert next(t for t in tickets if t.id == incident.id).status == "closed"
    [own] = [t for t in tickets if t.camera_id == node[4] and t.status == "open"]
    assert own.codes == ["offline"]
    with db.session() as session:
        items = [item for row in session.scalars(select(OutboxMessage)) for item in row.body["items"]]
    told = {item["text"] for item in items if item["ticket_id"] in (incident.id, own.id)}
    assert f"Incident #{incident.id} node cabinet-17 closed: 4 of 5 cameras back" in told
    assert any(
        text.startswith(f"Ticket #{own.id} camera ")
        and text.endswith(f"(critical): offline, still down after incident #{incident.id} closed")
        for text in told
    ), told


def test_without_node_data_same_minute_same_district_is_grouped_and_says_so(
    db: Database, fleet: Fleet
) -> None:
    south = fleet.add(5, district="South")
    north = fleet.add(2, district="North")
    fleet.confirm(south + north, T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    tickets = _tickets(db)
    [incident] = [t for t in tickets if t.kind == "district"]
    assert incident.members == sorted(south)
    assert incident.grouping is not None and incident.grouping.startswith("grouped by time and district")
    with db.session() as session:
        items = [item for row in session.scalars(select(OutboxMessage)) for item in row.body["items"]]
    [told] = [item["text"] for item in items if item["event"] == "incident_opened"]
    assert told == (
        f"Incident #{incident.id} district South: 5 cameras failed within 300 s of each other "
        "(grouped by time and district: no node data)"
    )
    # Two cameras in the north are below the district threshold: their own tickets.
    assert sorted(t.camera_id for t in tickets if t.status == "open" and t.kind == "camera") == sorted(north)


def test_cameras_found_broken_on_their_first_probes_are_not_grouped_by_time(
    db: Database, fleet: Fleet
) -> None:
    """The monitor's first cycle over a new deployment finds every camera that was already broken within one
    cycle: that is no sign they failed together, so each gets its own ticket. Behind one node, the node is
    the evidence, and they still make one incident."""
    south = fleet.add(5, district="South", seen_working=False)
    node = fleet.add(4, node="cabinet-3", seen_working=False)
    fleet.confirm(south + node, T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    tickets = _tickets(db)
    assert [t.kind for t in tickets if t.kind != "camera"] == ["node"]
    assert sorted(t.camera_id for t in tickets if t.status == "open" and t.kind == "camera") == sorted(south)
    # Seen working, then failing in the same minute: grouped as before (the test above).
    again = fleet.add(5, district="East")
    fleet.confirm(again, T0 + timedelta(hours=1), "offline")
    process_transitions(db, [], T0 + timedelta(hours=1, minutes=2), CONFIG)
    [incident] = [t for t in _tickets(db) if t.kind == "district"]
    assert incident.members == sorted(again)


def test_another_contractors_camera_in_an_incident_keeps_its_own_ticket(db: Database, fleet: Fleet) -> None:
    """An incident belongs to the contractor of most of its cameras; a camera another contractor maintains
    keeps its ticket (linked to the incident), or that contractor would never see that it is down."""
    ours = fleet.add(4, district="South")
    [theirs] = fleet.add(1, district="South", maintainer="FixIt")
    fleet.confirm([*ours, theirs], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    tickets = _tickets(db)
    [incident] = [t for t in tickets if t.kind == "district"]
    assert incident.members == sorted([*ours, theirs]) and incident.maintainer_id == _org_id(db, "RepairCo")
    by_camera = {t.camera_id: t for t in tickets if t.kind == "camera"}
    assert {by_camera[c].status for c in ours} == {"cancelled"}
    kept = by_camera[theirs]
    assert (kept.status, kept.incident_id, kept.maintainer_id) == ("open", incident.id, _org_id(db, "FixIt"))


def _org_id(db: Database, name: str) -> int:
    with db.session() as session:
        found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    assert found is not None
    return found


def test_grouping_rules_are_pure_functions() -> None:
    config = MaintenanceConfig()
    t = datetime(2026, 10, 1, tzinfo=UTC)
    outages = [Outage(i, t + timedelta(seconds=40 * i), "n1", 1) for i in range(4)]
    # Three of ten behind the node: not "most".
    assert node_groups(outages[:3], {"n1": 10}, config) == []
    [group] = node_groups(outages, {"n1": 5}, config)
    assert group.camera_ids == (0, 1, 2, 3)
    # One power cut, found by a five-minute cycle: each camera at its own moment of it. Grouped; spread
    # wider than a cycle (three in any five minutes), not.
    staggered = [Outage(i, t + timedelta(seconds=70 * i), None, 1) for i in range(5)]
    assert district_groups(staggered, config)[0].camera_ids == (0, 1, 2, 3, 4)
    spread = [Outage(i, t + timedelta(seconds=110 * i), None, 1) for i in range(5)]
    assert district_groups(spread, config) == []
    wider = config.model_copy(update={"district_window_seconds": 440})  # a monitor on a longer cycle
    assert district_groups(spread, wider)[0].camera_ids == (0, 1, 2, 3, 4)
    same_minute = [Outage(i, t + timedelta(seconds=10 * i), None, 1) for i in range(5)]
    assert district_groups(same_minute, config)[0].camera_ids == (0, 1, 2, 3, 4)
    # Found broken, never seen working: when it failed is unknown, so no group by time; a node groups it.
    found = [replace(o, began_known=False) for o in same_minute[:2]] + same_minute[2:]
    assert district_groups(found, config) == []
    assert district_groups([*found, Outage(9, t, None, 1), Outage(8, t, None, 1)], config)[0].camera_ids == (
        2, 3, 4, 8, 9,
    )  # fmt: skip
    assert node_groups([replace(o, began_known=False) for o in outages], {"n1": 5}, config) == [group]


def test_an_incident_in_the_queue_names_its_cameras_and_is_found_by_any_of_them(
    db: Database, fleet: Fleet
) -> None:
    node = fleet.add(6, node="cabinet-17")
    fleet.add(1, node="cabinet-99", district="South")
    fleet.confirm(node[:5], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    [incident] = [v for v in list_tickets(db, now=T0, config=CONFIG) if v.kind == "node"]
    assert incident.member_codes == ("CAM-000", "CAM-001", "CAM-002", "CAM-003", "CAM-004")
    # Case aside, every word must be somewhere in the ticket: its number, node, cameras, district.
    assert ticket_matches(incident, "cam-004 CABINET-17")
    assert ticket_matches(incident, f"#{incident.id}") and ticket_matches(incident, "  ")
    assert not ticket_matches(incident, "cam-005")  # behind the node, but not down
    assert not ticket_matches(incident, "cabinet-17 South")


def test_the_queue_is_searched_before_its_read_is_cut(db: Database, fleet: Fleet) -> None:
    """A dispatcher's words and a camera are matched before the queue's limit, in the same way as
    `ticket_matches` (Unicode case folding included), and a camera finds the incident it is part of."""
    node = fleet.add(6, node="cabinet-17")
    [lone] = fleet.add(1, node="cabinet-99", district="Түркістан")
    fleet.confirm([*node[:5], lone], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    every = TicketFilter(statuses=STATUSES)
    whole = list_tickets(db, now=T0, config=CONFIG, wanted=every)
    [incident] = [v for v in whole if v.kind == "node"]
    for words in ("cam-004", "CABINET-17 cam-001", "түркістан", "ТҮРКІСТАН cam-005", "fixit", "nothing", ""):
        expected = [v.id for v in whole if ticket_matches(v, words)]
        found = list_tickets(db, now=T0, config=CONFIG, wanted=replace(every, words=words))
        assert [v.id for v in found] == expected, words
    assert [
        v.camera_code for v in list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(words="түркістан"))
    ] == ["CAM-006"]
    # Cut the read at one ticket (the lone camera's is the most urgent): a search still reaches the rest.
    [first] = list_tickets(db, now=T0, config=CONFIG, limit=1)
    assert first.camera_code == "CAM-006"
    [found] = list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(words="cam-004"), limit=1)
    assert found.id == incident.id
    # A camera: its own tickets (here the one cancelled into the incident) and the incident.
    by_camera = list_tickets(db, now=T0, config=CONFIG, wanted=replace(every, camera="CAM-004"))
    assert [v.id for v in by_camera] == [incident.id, *(v.id for v in whole if v.camera_code == "CAM-004")]
    assert [v.status for v in by_camera] == ["open", "cancelled"]
    assert list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(camera="CAM-005")) == []
    assert list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(camera="NO-SUCH")) == []
    # Camera and words together, and a limit that stops the search early.
    assert (
        list_tickets(db, now=T0, config=CONFIG, wanted=TicketFilter(camera="CAM-006", words="cabinet-17"))
        == []
    )
    assert len(list_tickets(db, now=T0, config=CONFIG, wanted=replace(every, words="cam"), limit=2)) == 4
