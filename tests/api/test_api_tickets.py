"""/api/v1/tickets: a contractor's system or an OCC script works repair tickets with the console's rules:
an engineer sees and works only their organisation's tickets, moves follow the lifecycle, closing what the
monitor has not confirmed needs an audited override, and every change is in the ticket's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from qarauyl.accounts.models import AuditEntry
from qarauyl.maintenance.models import Ticket
from tests.api.conftest import World


def _post(world: World, role: str, path: str, body: dict[str, Any]) -> Any:
    return world.client().post(f"/api/v1{path}", json=body, headers=world.headers(role))


def _get(world: World, role: str, path: str, **params: Any) -> Any:
    return world.client().get(f"/api/v1{path}", params=params, headers=world.headers(role))


def test_the_occ_reports_a_fault_and_the_contractor_works_it_to_an_audited_close(world_any: World) -> None:
    world = world_any
    answer = _post(
        world, "operator", "/tickets", {"camera": "A-1", "priority": "high", "note": "Lens cracked"}
    )
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert (ticket["status"], ticket["priority"], ticket["camera_code"]) == ("open", "high", "A-1")
    assert ticket["title"] == "Lens cracked" and ticket["maintainer"] == "Contractor A"
    assert ticket["snapshot_url"].startswith("/api/v1/snapshots/") and ticket["route_url"]
    assert [(e["kind"], e["actor"], e["text"]) for e in ticket["history"]] == [
        ("opened", "operator", "Lens cracked")
    ]
    ticket_id = ticket["id"]
    other = _post(world, "operator", "/tickets", {"camera": "B-1"}).json()["id"]

    # The engineer works for contractor A: its ticket only, and another's reads as missing.
    queue = _get(world, "engineer", "/tickets").json()
    assert [t["id"] for t in queue["items"]] == [ticket_id] and queue["total"] == 1
    hidden = _get(world, "engineer", f"/tickets/{other}")
    assert hidden.status_code == 404 and hidden.json()["detail"] == f"No ticket #{other}."
    assert _post(world, "engineer", f"/tickets/{other}/comments", {"text": "mine?"}).status_code == 404
    assert _post(world, "engineer", "/tickets", {"camera": "B-1"}).status_code == 404
    # The OCC sees both, most urgent first, and finds by words, priority and camera.
    assert [t["id"] for t in _get(world, "operator", "/tickets").json()["items"]] == [ticket_id, other]
    assert _get(world, "operator", "/tickets", q="b-1").json()["total"] == 1
    assert _get(world, "operator", "/tickets", priority="high").json()["items"][0]["id"] == ticket_id
    assert _get(world, "operator", "/tickets", camera="B-1").json()["items"][0]["id"] == other

    moved = _post(world, "engineer", f"/tickets/{ticket_id}/status", {"status": "acknowledged"})
    assert moved.status_code == 200 and moved.json()["status"] == "acknowledged"
    # Who takes it on repairs it; the OCC can give it to nobody, or back; a viewer cannot have it.
    assert moved.json()["assignee"] == "engineer"
    assert _get(world, "engineer", "/tickets", assignee="me").json()["total"] == 1
    given = _post(world, "operator", f"/tickets/{ticket_id}/assignee", {"assignee": None})
    assert given.status_code == 200 and given.json()["assignee"] is None
    refused = _post(world, "operator", f"/tickets/{ticket_id}/assignee", {"assignee": "viewer"})
    assert refused.status_code == 422 and "a viewer does not work repairs" in refused.text
    assert _get(world, "engineer", "/tickets", assignee="me").json()["total"] == 0
    given = _post(world, "operator", f"/tickets/{ticket_id}/assignee", {"assignee": "engineer"})
    assert given.json()["assignee"] == "engineer" and given.json()["history"][-1]["kind"] == "assigned"
    said = _post(world, "engineer", f"/tickets/{ticket_id}/comments", {"text": "Ladder needed"})
    assert said.status_code == 201
    assert said.json()["history"][-1] == {
        **said.json()["history"][-1],
        "kind": "comment",
        "actor": "engineer",
    }
    _post(
        world, "engineer", f"/tickets/{ticket_id}/status", {"status": "resolved", "resolution_code": "lens"}
    )

    # The camera is still failed: closing needs the monitor's confirmation, or an override reason.
    refused = _post(world, "engineer", f"/tickets/{ticket_id}/status", {"status": "closed"})
    assert refused.status_code == 409
    assert "the monitor has not confirmed that camera A-1 works" in refused.json()["detail"]
    closed = _post(
        world, "engineer", f"/tickets/{ticket_id}/status", {"status": "closed", "override_reason": "replaced"}
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["closed_by_override"]) == ("closed", True)
    assert closed.json()["resolution_code"] == "lens"
    assert [e["kind"] for e in closed.json()["history"]] == [
        *("opened", "assigned", "status", "assigned", "assigned", "comment"),
        *("status", "override_close", "status"),
    ]
    final = _post(world, "engineer", f"/tickets/{ticket_id}/status", {"status": "in_progress"})
    assert final.status_code == 409 and "it can move to nothing" in final.json()["detail"]
    with world.db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"ticket:{ticket_id}")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        *("tickets.open", "tickets.status", "tickets.assign", "tickets.assign", "tickets.status"),
        *("tickets.close_override", "tickets.status"),
    ]
    # Closed tickets leave the queue unless asked for.
    assert _get(world, "engineer", "/tickets").json()["total"] == 0
    assert _get(world, "engineer", "/tickets", status=["closed", "cancelled"]).json()["total"] == 1


def test_who_may_read_and_work_tickets_and_what_is_refused(world: World) -> None:
    ticket_id = _post(world, "operator", "/tickets", {"camera": "A-1"}).json()["id"]
    assert _get(world, "viewer", f"/tickets/{ticket_id}").status_code == 200  # reading is for everyone
    for path, body in (
        ("/tickets", {"camera": "A-1"}),
        (f"/tickets/{ticket_id}/status", {"status": "acknowledged"}),
        (f"/tickets/{ticket_id}/comments", {"text": "x"}),
    ):
        assert _post(world, "viewer", path, body).status_code == 403
        assert _post(world, "planner", path, body).status_code == 403
    assert world.client().get("/api/v1/tickets").status_code == 401
    assert _post(world, "operator", f"/tickets/{ticket_id}/comments", {"text": ""}).status_code == 422
    assert _post(world, "operator", f"/tickets/{ticket_id}/status", {"status": "fixed"}).status_code == 422
    assert _post(world, "operator", "/tickets", {"camera": "A-1", "assignee": "me"}).status_code == 422
    assert _post(world, "operator", "/tickets", {"camera": "NO-1"}).status_code == 404
    assert _get(world, "operator", "/tickets/999").status_code == 404
    # A second report joins the open ticket instead of opening another.
    again = _post(world, "operator", "/tickets", {"camera": "A-1", "note": "still broken"})
    assert again.status_code == 201 and again.json()["id"] == ticket_id
    assert again.json()["history"][-1]["text"] == "still broken"


def test_every_filter_is_chosen_before_the_queue_is_cut(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a storm the queue is read up to a limit, most urgent first: a dispatcher's `assignee=me`,
    `priority=low`, `camera`, `q` or `overdue` must still find tickets beyond it."""
    from qarauyl.api.routes import tickets as route

    monkeypatch.setattr(route, "QUEUE_READ", 3)
    for i in range(4):
        world.add_camera(f"S-{i}")
        _post(world, "operator", "/tickets", {"camera": f"S-{i}", "priority": "critical"})
    mine = _post(world, "operator", "/tickets", {"camera": "A-1", "priority": "low"}).json()["id"]
    assert _post(world, "operator", f"/tickets/{mine}/assignee", {"assignee": "engineer"}).status_code == 200
    assert len(_get(world, "operator", "/tickets").json()["items"]) == 3  # the cut
    assert [t["id"] for t in _get(world, "engineer", "/tickets", assignee="me").json()["items"]] == [mine]
    assert [t["id"] for t in _get(world, "operator", "/tickets", priority="low").json()["items"]] == [mine]
    assert _get(world, "operator", "/tickets", assignee="engineer", priority="critical").json()["total"] == 0
    assert [t["id"] for t in _get(world, "operator", "/tickets", camera="A-1").json()["items"]] == [mine]
    assert [t["id"] for t in _get(world, "operator", "/tickets", q="a-1").json()["items"]] == [mine]
    assert _get(world, "operator", "/tickets", overdue=True).json()["total"] == 0
    with world.db.session() as session:
        session.get(Ticket, mine).due_at = datetime.now(UTC) - timedelta(minutes=1)  # type: ignore[union-attr]
    late = _get(world, "operator", "/tickets", overdue=True).json()
    assert [(t["id"], t["sla"]) for t in late["items"]] == [(mine, "breached")] and late["total"] == 1
