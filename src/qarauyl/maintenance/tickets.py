"""Repair tickets: opened by confirmed faults (or by people), one open ticket per camera, a lifecycle
with an audited journal, and the monitor hook `process_transitions`.

Lifecycle: open → acknowledged → in_progress → removed_for_repair → resolved → closed, or cancelled.
Steps may be skipped forwards (an engineer on site goes straight to in_progress). Closing needs the
monitor's confirmation that the camera works, or an explicit override with a reason that is audited.

The monitor hook consumes HealthEvent rows past a watermark stored in the database, not the in-memory
list it is handed: a crash between recording events and processing them loses nothing, and two
monitor processes never open two tickets (the watermark row is locked, and the database enforces one
open ticket per camera).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from qarauyl.accounts.audit import record_audit
from qarauyl.accounts.models import User
from qarauyl.accounts.permissions import ACTIONS, Principal
from qarauyl.analytics.fleet import NO_DISTRICT
from qarauyl.domain import Health
from qarauyl.domain.tickets import ACTIVE, STATUSES
from qarauyl.errors import InputError, NotFoundError
from qarauyl.health.causes import access_cause, cause_words, stored_cause
from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.maintenance._common import (
    TicketChange,
    active_incidents,
    active_ticket,
    due_at,
    journal,
    notify,
)
from qarauyl.maintenance.config import PRIORITIES, MaintenanceConfig
from qarauyl.maintenance.grouping import Group, Outage, district_groups, node_groups
from qarauyl.maintenance.models import MaintenanceCursor, Ticket, TicketEvent
from qarauyl.maintenance.notifications import supersede
from qarauyl.maintenance.sla import monitor_confirms, sla_pass, sla_state
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow, District, HealthEvent, Organisation

if TYPE_CHECKING:
    from qarauyl.monitor.recording import Recorded

__all__ = [
    "ACTIVE",
    "STATUSES",
    "TicketChange",
    "TicketDetail",
    "TicketFilter",
    "TicketView",
    "active_ticket",
    "add_comment",
    "add_photo",
    "assign",
    "check_visible",
    "in_repair_counts",
    "list_tickets",
    "named_codes",
    "open_ticket",
    "process_transitions",
    "repairers",
    "set_status",
    "ticket_detail",
    "ticket_for",
    "ticket_matches",
    "visible_to",
]

CURSOR = "health_event"
REPAIR_ACTION = "events.ack"  # the roles that work repairs (admin, operator, engineer)
# On the first run, health events older than this are history, not faults to open tickets for.
BACKFILL = timedelta(days=1)
_BATCH = 2000

# Allowed moves; forwards skips are fine, `resolved` can go back to work if the repair did not hold.
ALLOWED: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "in_progress", "removed_for_repair", "resolved", "cancelled"}),
    "acknowledged": frozenset({"in_progress", "removed_for_repair", "resolved", "cancelled"}),
    "in_progress": frozenset({"removed_for_repair", "resolved", "cancelled"}),
    "removed_for_repair": frozenset({"in_progress", "resolved", "cancelled"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
_STAMP = {
    "acknowledged": "acknowledged_at",
    "in_progress": "started_at",
    "removed_for_repair": "removed_at",
    "resolved": "resolved_at",
    "closed": "closed_at",
    "cancelled": "closed_at",
}


# ----------------------------------------------------------------------------------------- the monitor hook


def process_transitions(
    db: Database, recorded: Sequence[Recorded], now: datetime, config: MaintenanceConfig
) -> list[TicketChange]:
    """Turns new health events into tickets and incidents, then runs the SLA checks.

    `recorded` (what record_results returned) is accepted for the monitor's convenience but the
    source of truth is the HealthEvent table past the stored watermark; call with `[]` from a timer."""
    del recorded  # the events are read back from the store: see the module docstring
    changes: list[TicketChange] = []
    with db.session() as session:
        # The migration creates the row; locking it serialises concurrent callers (PostgreSQL).
        cursor = session.get(MaintenanceCursor, CURSOR, with_for_update=True)
        if cursor is None:
            cursor = MaintenanceCursor(name=CURSOR, value=-1)
            session.add(cursor)
        if cursor.value < 0:
            before = session.scalar(select(func.max(HealthEvent.id)).where(HealthEvent.at < now - BACKFILL))
            cursor.value = before or 0
            session.flush()
        outage_cameras: set[int] = set()
        while True:
            events = session.scalars(
                select(HealthEvent)
                .where(HealthEvent.id > cursor.value)
                .order_by(HealthEvent.id)
                .limit(_BATCH)
            ).all()
            if not events:
                break
            incidents = {m: t for t in active_incidents(session) for m in t.members or ()}
            # One query each for the batch's cameras and open tickets, not one per event: a storm of
            # hundreds of events stays a handful of round trips.
            ids = {e.camera_id for e in events}
            session.scalars(select(Camera).where(Camera.id.in_(ids))).all()  # into the identity map
            tickets = _open_tickets(session, ids)
            for event in events:
                _apply_event(session, event, incidents, tickets, config, changes, outage_cameras)
            cursor.value = events[-1].id
            session.flush()
        if outage_cameras:
            _group(session, outage_cameras, now, config, changes)
        _recover_incidents(session, now, config, changes)
        changes.extend(sla_pass(session, now, config))
    return changes


def _open_tickets(session: Session, camera_ids: set[int]) -> dict[int, Ticket]:
    query = select(Ticket).where(Ticket.camera_id.in_(camera_ids), Ticket.status.in_(ACTIVE))
    return {t.camera_id: t for t in session.scalars(query) if t.camera_id is not None}


def _apply_event(
    session: Session,
    event: HealthEvent,
    incidents: dict[int, Ticket],
    tickets: dict[int, Ticket],
    config: MaintenanceConfig,
    changes: list[TicketChange],
    outage_cameras: set[int],
) -> None:
    camera = session.get(Camera, event.camera_id)
    if camera is None:
        return
    codes = tuple(event.codes or ())
    ticket = tickets.get(camera.id)
    if event.after in (Health.FAILED.value, Health.DEGRADED.value):
        if event.after == Health.FAILED.value and set(codes) & set(config.group_codes):
            outage_cameras.add(camera.id)
        priority = config.priority_for(codes)
        if camera.id in incidents and ticket is None:
            return  # the camera's fault is already covered by its node incident
        if ticket is not None:
            ticket.recovered_since = None
            ticket.proposed_at = None
            if priority is None:
                return
            _join(session, ticket, event, priority, config, changes)
        elif priority is not None:
            ticket = _new_ticket(session, camera, codes, priority, event.at, config, source="monitor")
            tickets[camera.id] = ticket
            cause = stored_cause(event.findings)
            journal(
                session,
                ticket,
                "opened",
                event.at,
                text=event.reason,
                detail={
                    "health_event": event.id,
                    "snapshot": event.snapshot_path,
                    "codes": list(codes),
                    "cause": cause,
                },
            )
            notify(session, config, ticket, "opened", event.at, codes=codes, cause=cause)
            changes.append(TicketChange(ticket.id, camera.id, "opened"))
    elif event.after == Health.OK.value and ticket is not None and ticket.recovered_since is None:
        ticket.recovered_since = event.at
        journal(session, ticket, "recovered", event.at, text="the monitor sees the camera working again")
        changes.append(TicketChange(ticket.id, camera.id, "recovered"))


def _join(
    session: Session,
    ticket: Ticket,
    event: HealthEvent,
    priority: str,
    config: MaintenanceConfig,
    changes: list[TicketChange],
) -> None:
    codes = sorted(set(ticket.codes or ()) | set(event.codes or ()))
    joined = [c for c in codes if c not in (ticket.codes or ())]
    ticket.codes = codes
    raised_from = None
    if PRIORITIES.index(priority) < PRIORITIES.index(ticket.priority):
        # A worse fault makes the ticket more urgent, counted from when the ticket was opened.
        raised_from, ticket.priority = ticket.priority, priority
        ticket.due_at = due_at(ticket.opened_at, priority, config)
    cause = stored_cause(event.findings)
    detail = {
        "health_event": event.id,
        "snapshot": event.snapshot_path,
        "codes": list(event.codes or ()),
        "cause": cause,
        "reason": event.reason,
    }
    if ticket.status == "resolved":
        ticket.status = "in_progress"
        ticket.resolved_at = None
        journal(
            session, ticket, "reopened", event.at, text=f"the fault came back: {event.reason}", detail=detail
        )
        notify(session, config, ticket, "reopened", event.at, codes=event.codes or (), cause=cause)
        changes.append(TicketChange(ticket.id, ticket.camera_id, "reopened"))
    elif joined:
        journal(session, ticket, "joined", event.at, text=event.reason, detail=detail)
        changes.append(TicketChange(ticket.id, ticket.camera_id, "joined"))
    if raised_from is not None:
        # Whoever was told of a low-priority ticket must learn that it is now urgent, and by when.
        values = {"raised_from": raised_from, "due_at": ticket.due_at}
        notify(
            session, config, ticket, "escalated", event.at, values=values, codes=joined or codes, cause=cause
        )


def named_codes(codes: Sequence[str], cause: str | None) -> str:
    """Fault codes for `qarauyl tickets list`, an access fault with why the camera could not be read:
    "offline (unreachable)" sends a van, "auth_failed (credentials)" a password, from the same desk. The
    notices say the same in each route's language (notifications.wording.faults_text)."""
    return ", ".join(
        f"{code} ({cause_words(cause)})" if cause and code in ACCESS_FAULTS else code for code in codes
    )


def _new_ticket(
    session: Session,
    camera: Camera,
    codes: Sequence[str],
    priority: str,
    at: datetime,
    config: MaintenanceConfig,
    *,
    source: str,
    title: str = "",
) -> Ticket:
    ticket = Ticket(
        kind="camera",
        camera_id=camera.id,
        district_id=camera.district_id,
        maintainer_id=camera.maintainer_id,
        status="open",
        priority=priority,
        codes=sorted(set(codes)),
        source=source,
        title=(title or f"{camera.code}: {', '.join(sorted(set(codes))) or 'repair'}")[:300],
        opened_at=at,
        due_at=due_at(at, priority, config),
        closed_by_override=False,
        members=[],
    )
    session.add(ticket)
    session.flush()
    return ticket


# ------------------------------------------------------------------------------------------------ grouping


def _outages(session: Session, where: Any, config: MaintenanceConfig) -> list[Outage]:
    rows = session.execute(
        select(
            Camera.id,
            Camera.health_since,
            Camera.network_node,
            Camera.district_id,
            CameraHealthRow.codes,
            CameraHealthRow.last_ok_at,
        )
        .join(CameraHealthRow, CameraHealthRow.camera_id == Camera.id)
        .where(where, Camera.health == Health.FAILED.value, Camera.health_since.is_not(None))
    )
    group = set(config.group_codes)
    return [
        Outage(cid, since, node, district, began_known=last_ok is not None)
        for cid, since, node, district, codes, last_ok in rows
        if since is not None and set(codes or ()) & group
    ]


def _group(
    session: Session, cameras: set[int], now: datetime, config: MaintenanceConfig, changes: list[TicketChange]
) -> None:
    rows = session.execute(
        select(Camera.network_node, Camera.district_id).where(Camera.id.in_(cameras))
    ).all()
    nodes = {node for node, _ in rows if node}
    districts = {district for node, district in rows if not node and district is not None}
    groups: list[Group] = []
    if nodes:
        sizes = {
            str(node): int(n)
            for node, n in session.execute(
                select(Camera.network_node, func.count(Camera.id))
                .where(Camera.network_node.in_(nodes), Camera.lifecycle == "connected")
                .group_by(Camera.network_node)
            )
        }
        groups += node_groups(_outages(session, Camera.network_node.in_(nodes), config), sizes, config)
    if districts:
        no_node = Camera.network_node.is_(None) & Camera.district_id.in_(districts)
        groups += district_groups(_outages(session, no_node, config), config)
    for group in groups:
        _raise_incident(session, group, now, config, changes)


def _raise_incident(
    session: Session, group: Group, now: datetime, config: MaintenanceConfig, changes: list[TicketChange]
) -> None:
    incident = next(
        (
            t
            for t in active_incidents(session)
            if t.kind == group.kind and (t.node if group.kind == "node" else str(t.district_id)) == group.key
        ),
        None,
    )
    cameras = session.scalars(select(Camera).where(Camera.id.in_(group.camera_ids))).all()
    if incident is None:
        maintainers = Counter(c.maintainer_id for c in cameras if c.maintainer_id is not None)
        codes = sorted(set(config.group_codes))
        priority = config.priority_for(codes) or "critical"
        incident = Ticket(
            kind=group.kind,
            node=group.key if group.kind == "node" else None,
            district_id=int(group.key) if group.kind == "district" else cameras[0].district_id,
            maintainer_id=maintainers.most_common(1)[0][0] if maintainers else None,
            status="open",
            priority=priority,
            codes=codes,
            source="monitor",
            title=(f"Node {group.key} down" if group.kind == "node" else "Cameras down together")[:300],
            opened_at=group.started,
            due_at=due_at(group.started, priority, config),
            closed_by_override=False,
            members=[],
            grouping=group.explanation[:300],
        )
        session.add(incident)
        session.flush()
        notice = notify(
            session,
            config,
            incident,
            "incident_opened",
            now,
            key=f"notice.incident_opened.{group.kind}",
            values={"count": len(group.camera_ids), "size": group.size, "seconds": group.window_seconds},
        )
        journal(
            session,
            incident,
            "incident_opened",
            now,
            text=group.explanation,
            detail={"cameras": list(group.camera_ids)},
            notice=notice,
        )
        changes.append(TicketChange(incident.id, None, "incident_opened"))
    new_members = [c for c in group.camera_ids if c not in (incident.members or [])]
    if not new_members:
        return
    incident.members = sorted({*(incident.members or []), *new_members})
    folded: set[int] = set()
    open_tickets = _open_tickets(session, set(new_members))
    for camera_id in new_members:
        ticket = open_tickets.get(camera_id)
        if ticket is None:
            continue
        ticket.incident_id = incident.id
        if (
            ticket.status == "open"
            and ticket.source == "monitor"
            and ticket.maintainer_id == incident.maintainer_id
        ):
            # Nobody has started on it: the incident replaces it. Tickets people work on stay, linked, and so
            # do another contractor's: the incident is its maintainer's, and theirs would vanish from view.
            ticket.status = "cancelled"
            ticket.closed_at = now
            ticket.resolution_code = "grouped"
            journal(
                session,
                ticket,
                "grouped",
                now,
                text=f"folded into incident #{incident.id}",
                detail={"incident": incident.id},
            )
            folded.add(ticket.id)
            changes.append(TicketChange(ticket.id, camera_id, "grouped"))
    if folded:
        supersede(session, folded)
    journal(session, incident, "members", now, detail={"added": new_members})


def _recover_incidents(
    session: Session, now: datetime, config: MaintenanceConfig, changes: list[TicketChange]
) -> None:
    """An incident closes once fewer than `node_min_cameras` members are still down; those still down
    get tickets of their own (their fault is no longer explained by the node)."""
    for incident in active_incidents(session):
        members = session.scalars(select(Camera).where(Camera.id.in_(incident.members or []))).all()
        down = [c for c in members if c.health == Health.FAILED.value]
        if len(down) >= config.node_min_cameras and len(down) > 0:
            continue
        incident.status = "closed"
        incident.resolved_at = incident.resolved_at or now
        incident.closed_at = now
        incident.resolution_code = "recovered"
        values = {"back": len(members) - len(down), "total": len(members)}
        notice = notify(session, config, incident, "incident_closed", now, values=values)
        journal(
            session,
            incident,
            "incident_closed",
            now,
            notice=notice,
            detail={"still_down": [c.id for c in down]},
        )
        changes.append(TicketChange(incident.id, None, "incident_closed"))
        for camera in down:
            if active_ticket(session, camera.id) is not None:
                continue
            row = session.get(CameraHealthRow, camera.id)
            codes = tuple(row.codes if row else ())
            priority = config.priority_for(codes)
            if priority is None:
                continue
            ticket = _new_ticket(session, camera, codes, priority, now, config, source="monitor")
            journal(
                session,
                ticket,
                "opened",
                now,
                text=f"still down after incident #{incident.id} closed",
                detail={"incident": incident.id},
            )
            notify(
                session,
                config,
                ticket,
                "opened",
                now,
                key="notice.opened.after_incident",
                values={"incident": incident.id},
                cause=access_cause(codes, row.findings if row else None),
            )
            changes.append(TicketChange(ticket.id, camera.id, "opened"))


# ------------------------------------------------------------------------------------------- people's actions


def _actor(principal: Principal | None) -> str:
    return principal.name if principal else "system"


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "resolution_code": ticket.resolution_code,
        "closed_by_override": ticket.closed_by_override,
        "assignee": ticket.assignee,
    }


def _why_not_repairer(role: str, organisation_id: int | None, active: bool, ticket: Ticket) -> str | None:
    """Why this person cannot be given the ticket, or None: they must be active, in a role that works repairs,
    and an engineer must work for the ticket's maintainer (a contractor repairs its own cameras only)."""
    if not active:
        return "their account is disabled"
    if role not in ACTIONS[REPAIR_ACTION]:
        return f"a {role} does not work repairs"
    if role == "engineer" and organisation_id != ticket.maintainer_id:
        return "they work for another organisation than the ticket's maintainer"
    return None


def repairers(db: Database, ticket_id: int) -> list[str]:
    """The people a ticket may be given to, by name: its maintainer's engineers and the OCC's staff."""
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        users = session.scalars(select(User).order_by(User.name)).all()
        return [u.name for u in users if not _why_not_repairer(u.role, u.organisation_id, u.active, ticket)]


def _assign(
    session: Session,
    ticket: Ticket,
    name: str | None,
    now: datetime,
    actor: Principal | None,
    config: MaintenanceConfig,
) -> None:
    """Gives the ticket to `name` and tells them, and whoever had it, unless they made the change."""
    before = ticket.assignee
    journal(
        session,
        ticket,
        "assigned",
        now,
        actor=_actor(actor),
        text=f"assigned to {name}" if name else f"no longer assigned to {before}",
        detail={"to": name, "from": before},
    )
    ticket.assignee = name
    by = _actor(actor)
    if name is not None:
        notify(session, config, ticket, "assigned", now, values={"by": by, "due_at": ticket.due_at}, actor=by)
    if before is not None:
        # Whoever had it must not drive out to it any more.
        notify(
            session,
            config,
            ticket,
            "unassigned",
            now,
            key="notice.unassigned.to" if name else "notice.unassigned",
            values={"by": by, "to": name},
            actor=by,
            person=before,
        )


def assign(
    db: Database,
    ticket_id: int,
    assignee: str | None,
    *,
    now: datetime,
    config: MaintenanceConfig,
    actor: Principal | None = None,
) -> TicketView:
    """Gives the ticket to a person (None: to nobody), journaled and audited; see `repairers` for who may
    have it. Giving it to whoever has it already changes nothing."""
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        if assignee is not None:
            user = session.scalar(select(User).where(User.name == assignee))
            if user is None:
                raise InputError(f"No user is named '{assignee}'.")
            why = _why_not_repairer(user.role, user.organisation_id, user.active, ticket)
            if why:
                raise InputError(f"Ticket #{ticket_id} cannot be given to {assignee}: {why}.")
        if ticket.assignee != assignee:
            before = _snapshot(ticket)
            _assign(session, ticket, assignee, now, actor, config)
            record_audit(session, actor, "tickets.assign", f"ticket:{ticket.id}", before, _snapshot(ticket))
    return ticket_detail(db, ticket_id, now=now, config=config).ticket


def open_ticket(
    db: Database,
    camera_code: str,
    *,
    now: datetime,
    config: MaintenanceConfig,
    priority: str = "normal",
    note: str = "",
    codes: Sequence[str] = (),
    actor: Principal | None = None,
) -> TicketView:
    """A ticket opened by a person. If the camera already has an open ticket, the note joins it."""
    if priority not in PRIORITIES:
        raise InputError(f"Unknown priority '{priority}': use one of {', '.join(PRIORITIES)}.")
    with db.session() as session:
        camera = session.scalar(select(Camera).where(Camera.code == camera_code))
        if camera is None:
            raise NotFoundError.camera(camera_code)
        ticket = active_ticket(session, camera.id)
        if ticket is not None:
            journal(
                session,
                ticket,
                "comment",
                now,
                actor=_actor(actor),
                text=note or "reported again",
                detail={"reported_again": True, "note": note},
            )
            ticket_id = ticket.id
        else:
            ticket = _new_ticket(
                session, camera, codes, priority, now, config, source="manual", title=note[:300]
            )
            journal(session, ticket, "opened", now, actor=_actor(actor), text=note)
            record_audit(session, actor, "tickets.open", f"ticket:{ticket.id}", None, _snapshot(ticket))
            notify(
                session,
                config,
                ticket,
                "opened",
                now,
                key="notice.opened.manual",
                values={"actor": _actor(actor)},
            )
            ticket_id = ticket.id
    return ticket_detail(db, ticket_id, now=now, config=config).ticket


def set_status(
    db: Database,
    ticket_id: int,
    status: str,
    *,
    now: datetime,
    config: MaintenanceConfig,
    actor: Principal | None = None,
    resolution_code: str | None = None,
    override_reason: str | None = None,
    note: str = "",
) -> TicketView:
    """Moves a ticket along its lifecycle. Closing a camera ticket needs the monitor's confirmation
    (healthy for `confirm_minutes`); without it, only with `override_reason`, which is audited."""
    if status not in STATUSES:
        raise InputError(f"Unknown ticket status '{status}': use one of {', '.join(STATUSES)}.")
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        if status not in ALLOWED[ticket.status]:
            allowed = ", ".join(sorted(ALLOWED[ticket.status])) or "nothing (it is final)"
            raise InputError(
                f"Ticket #{ticket_id} is {ticket.status}; it can move to {allowed}, not {status}."
            )
        before = _snapshot(ticket)
        override = False
        if (
            status == "closed"
            and ticket.kind == "camera"
            and not monitor_confirms(session, ticket, now, config)
        ):
            if not (override_reason and override_reason.strip()):
                camera = session.get(Camera, ticket.camera_id) if ticket.camera_id is not None else None
                health = camera.health if camera else "unknown"
                raise InputError(
                    f"Ticket #{ticket_id} cannot be closed: the monitor has not confirmed that camera "
                    f"{camera.code if camera else '?'} works (health {health}, needs "
                    f"{config.confirm_minutes:g} min ok). Wait for the confirmation, or close with an "
                    "override reason."
                )
            override = True
        if status == "resolved" and resolution_code:
            ticket.resolution_code = resolution_code[:40]
        if status == "in_progress" and ticket.status == "resolved":
            ticket.resolved_at = None
        if (
            status in ("acknowledged", "in_progress")
            and ticket.assignee is None
            and actor is not None
            and _why_not_repairer(actor.role, actor.organisation_id, True, ticket) is None
        ):
            _assign(session, ticket, actor.name, now, actor, config)  # who takes it on is who repairs it
        ticket.status = status
        setattr(ticket, _STAMP[status], now) if status in _STAMP else None
        if override:
            ticket.closed_by_override = True
            journal(session, ticket, "override_close", now, actor=_actor(actor), text=override_reason or "")
            record_audit(
                session,
                actor,
                "tickets.close_override",
                f"ticket:{ticket.id}",
                before,
                {**_snapshot(ticket), "reason": override_reason},
            )
        journal(
            session,
            ticket,
            "status",
            now,
            actor=_actor(actor),
            text=note,
            detail={"from": before["status"], "to": status},
        )
        record_audit(session, actor, "tickets.status", f"ticket:{ticket.id}", before, _snapshot(ticket))
        if status in ("resolved", "closed", "removed_for_repair"):
            notify(
                session,
                config,
                ticket,
                status,
                now,
                key="notice.status",
                values={"status": status},
                actor=_actor(actor),
            )
    return ticket_detail(db, ticket_id, now=now, config=config).ticket


def add_comment(
    db: Database, ticket_id: int, text: str, *, now: datetime, actor: Principal | None = None
) -> None:
    if not text.strip():
        raise InputError("A comment needs some text.")
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        journal(session, ticket, "comment", now, actor=_actor(actor), text=text[:4000])


def add_photo(
    db: Database,
    ticket_id: int,
    jpeg: bytes,
    *,
    photo_dir: Path,
    now: datetime,
    actor: Principal | None = None,
) -> str:
    """Stores a photo from the field (JPEG) under `photo_dir/tickets/<id>/` and journals it; returns
    the path relative to `photo_dir` (the console serves it like snapshots)."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise InputError("A ticket photo must be a JPEG image.")
    if len(jpeg) > 10 * 1024 * 1024:
        raise InputError("A ticket photo must be at most 10 MB.")
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        relative = Path("tickets") / str(ticket_id) / f"{now:%Y%m%dT%H%M%S%f}.jpg"
        target = photo_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jpeg)
        journal(session, ticket, "photo", now, actor=_actor(actor), detail={"path": relative.as_posix()})
    return relative.as_posix()


# -------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TicketView:
    """One ticket as the queue page and the CLI show it."""

    id: int
    kind: str
    status: str
    priority: str
    codes: tuple[str, ...]
    title: str
    opened_at: datetime
    due_at: datetime | None
    sla: str  # ok | warning | breached | met | missed
    hours_left: float | None
    proposed_for_resolution: bool
    camera_id: int | None
    camera_code: str | None
    camera_name: str | None
    camera_health: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    route_url: str | None  # opens turn-by-turn directions on a phone
    district: str | None
    maintainer: str | None
    snapshot_path: str | None  # relative to the SnapshotStore root (the evidence of the fault)
    node: str | None
    members: tuple[int, ...]
    grouping: str | None
    incident_id: int | None
    resolution_code: str | None
    closed_by_override: bool
    # Why the camera cannot be read, as its last probe found (probe.result.ProbeCause): what to bring.
    camera_cause: str | None = None
    member_codes: tuple[str, ...] = ()  # an incident's cameras, by code
    assignee: str | None = None  # who is repairing it


def ticket_matches(view: TicketView, words: str) -> bool:
    """Whether every word (case aside) is in the ticket's number, camera, address, district, node, grouping,
    maintainer, assignee or an incident's cameras: how a dispatcher finds "TUR-0218" or "Sayram" in a
    storm's queue."""
    said = _said(
        view.id, view.camera_code, view.camera_name, view.address, view.district, view.node, view.grouping,
        view.maintainer, view.assignee, view.member_codes,
    )  # fmt: skip
    return _words_in(words, said)


def _said(ticket_id: int, *fields: str | Sequence[str] | None) -> str:
    """What `ticket_matches` searches, as one casefolded text (the member codes come as a sequence)."""
    words: list[str] = [f"#{ticket_id}"]
    for value in fields:
        if isinstance(value, str):
            words.append(value)
        elif value:
            words.extend(value)
    return " ".join(words).casefold()


def _words_in(words: str, haystack: str) -> bool:
    return all(word in haystack for word in words.casefold().split())


@dataclass(frozen=True)
class TicketFilter:
    """What a queue asks for beyond its reader's scope. All of it is chosen before the read's limit: in a
    storm of a thousand tickets, "TUR-0218" or "mine" still finds the one asked for."""

    statuses: Sequence[str] = ACTIVE
    priority: str | None = None
    assignee: str | None = None
    camera: str | None = None  # a camera's code: its own tickets and the incidents it is part of
    overdue: bool = False  # past the SLA deadline: breached, or done too late (missed)
    words: str = ""  # see ticket_matches


@dataclass(frozen=True)
class TicketEventView:
    at: datetime
    kind: str
    actor: str | None
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketView
    events: tuple[TicketEventView, ...]
    photos: tuple[str, ...]


def route_url(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps/dir/?api=1&destination={latitude:.6f},{longitude:.6f}"


_EVIDENCE_KINDS = ("opened", "joined", "reopened")  # journal entries that carry the fault's snapshot


@dataclass(frozen=True)
class _Related:
    """What the views of some tickets read besides the tickets, each loaded in one query: the queue of 556
    tickets took 2,800 queries when each view looked up its own."""

    cameras: dict[int, Camera]
    health: dict[int, CameraHealthRow]
    districts: dict[int, District]
    organisations: dict[int, Organisation]
    evidence: dict[int, str | None]  # ticket id -> the latest fault snapshot its journal names


def _related(session: Session, tickets: Sequence[Ticket]) -> _Related:
    camera_ids = {t.camera_id for t in tickets if t.camera_id is not None}
    camera_ids |= {member for t in tickets for member in (t.members or ())}  # an incident's cameras
    latest = (
        select(func.max(TicketEvent.id))
        .where(TicketEvent.ticket_id.in_([t.id for t in tickets]), TicketEvent.kind.in_(_EVIDENCE_KINDS))
        .group_by(TicketEvent.ticket_id)
    )
    journal_rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.detail).where(TicketEvent.id.in_(latest))
    )
    return _Related(
        cameras=_by_id(session, Camera, Camera.id, camera_ids),
        health=_by_id(session, CameraHealthRow, CameraHealthRow.camera_id, camera_ids),
        districts=_by_id(session, District, District.id, {t.district_id for t in tickets if t.district_id}),
        organisations=_by_id(
            session, Organisation, Organisation.id, {t.maintainer_id for t in tickets if t.maintainer_id}
        ),
        evidence={ticket_id: (detail or {}).get("snapshot") for ticket_id, detail in journal_rows},
    )


def _by_id(session: Session, model: Any, column: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    key = column.key
    return {getattr(row, key): row for row in session.scalars(select(model).where(column.in_(ids)))}


def _view(
    session: Session,
    ticket: Ticket,
    now: datetime,
    config: MaintenanceConfig,
    related: _Related | None = None,
) -> TicketView:
    """`related`: loaded for the whole queue by `_related`; None, for this ticket alone."""
    related = related or _related(session, [ticket])
    camera = related.cameras.get(ticket.camera_id) if ticket.camera_id is not None else None
    district = related.districts.get(ticket.district_id) if ticket.district_id else None
    organisation = related.organisations.get(ticket.maintainer_id) if ticket.maintainer_id else None
    snapshot_path = related.evidence.get(ticket.id)
    row = related.health.get(camera.id) if camera is not None else None
    if snapshot_path is None and row is not None:
        snapshot_path = row.snapshot_path
    hours_left = (
        (ticket.due_at - now).total_seconds() / 3600 if ticket.due_at and ticket.status in ACTIVE else None
    )
    return TicketView(
        id=ticket.id,
        kind=ticket.kind,
        status=ticket.status,
        priority=ticket.priority,
        codes=tuple(ticket.codes or ()),
        title=ticket.title,
        opened_at=ticket.opened_at,
        due_at=ticket.due_at,
        sla=sla_state(ticket, now, config),
        hours_left=round(hours_left, 2) if hours_left is not None else None,
        proposed_for_resolution=ticket.proposed_at is not None and ticket.status in ACTIVE,
        camera_id=ticket.camera_id,
        camera_code=camera.code if camera else None,
        camera_name=camera.name if camera else None,
        camera_health=camera.health if camera else None,
        address=camera.address if camera else None,
        latitude=camera.latitude if camera else None,
        longitude=camera.longitude if camera else None,
        route_url=route_url(camera.latitude, camera.longitude) if camera else None,
        district=district.name if district else None,
        maintainer=organisation.name if organisation else None,
        snapshot_path=snapshot_path,
        node=ticket.node,
        members=tuple(ticket.members or ()),
        grouping=ticket.grouping,
        incident_id=ticket.incident_id,
        resolution_code=ticket.resolution_code,
        closed_by_override=ticket.closed_by_override,
        camera_cause=stored_cause(row.findings) if row is not None else None,
        assignee=ticket.assignee,
        member_codes=tuple(
            related.cameras[member].code for member in (ticket.members or ()) if member in related.cameras
        ),
    )


_PRIORITY_ORDER = {p: i for i, p in enumerate(PRIORITIES)}


def list_tickets(
    db: Database,
    *,
    now: datetime,
    config: MaintenanceConfig,
    maintainer_id: int | None = None,
    wanted: TicketFilter = TicketFilter(),
    limit: int = 500,
) -> list[TicketView]:
    """An organisation's queue (or everyone's): the active tickets, most urgent first (priority, then the
    nearest deadline), then the finished ones, the most recently finished first. `limit` applies to each
    part, so that a long history of closed tickets never pushes today's out, and a storm beyond the limit
    keeps its most urgent tickets. `wanted` narrows the queue before the limit."""
    wanted_active = [s for s in wanted.statuses if s in ACTIVE]
    wanted_done = [s for s in wanted.statuses if s not in ACTIVE]
    urgency = case(_PRIORITY_ORDER, value=Ticket.priority, else_=len(_PRIORITY_ORDER))
    with db.session() as session:
        query = select(Ticket)
        if maintainer_id is not None:
            query = query.where(Ticket.maintainer_id == maintainer_id)
        if wanted.priority is not None:
            query = query.where(Ticket.priority == wanted.priority)
        if wanted.assignee is not None:
            query = query.where(Ticket.assignee == wanted.assignee)
        if wanted.overdue:
            query = query.where(_overdue(now))
        if wanted.camera is not None:
            camera_id = session.scalar(select(Camera.id).where(Camera.code == wanted.camera))
            if camera_id is None:
                return []
            # Its own tickets, and the incidents (whose members `_chosen` checks).
            query = query.where(or_(Ticket.camera_id == camera_id, Ticket.kind != "camera"))
        tickets = _chosen(
            session,
            query.where(Ticket.status.in_(wanted_active)).order_by(
                urgency, func.coalesce(Ticket.due_at, Ticket.opened_at), Ticket.id
            ),
            wanted,
            limit,
        )
        if wanted_done:
            tickets += _chosen(
                session,
                query.where(Ticket.status.in_(wanted_done)).order_by(
                    func.coalesce(Ticket.closed_at, Ticket.opened_at).desc(), Ticket.id.desc()
                ),
                wanted,
                limit,
            )
        related = _related(session, tickets)
        return [_view(session, t, now, config, related) for t in tickets]


def _overdue(now: datetime) -> ColumnElement[bool]:
    """`sla_state` is `breached` or `missed`, in SQL: done after the deadline, or not done and past it."""
    done = func.coalesce(Ticket.resolved_at, case((Ticket.status == "closed", Ticket.closed_at)))
    return and_(
        Ticket.due_at.is_not(None),
        or_(and_(done.is_not(None), done > Ticket.due_at), and_(done.is_(None), Ticket.due_at <= now)),
    )


def _chosen(session: Session, query: Select[Ticket], wanted: TicketFilter, limit: int) -> list[Ticket]:
    """The first `limit` tickets of the ordered query that have the camera and the words asked for. Those
    are matched in Python by `ticket_matches`' own rule (each word anywhere in nine columns of three tables
    and in an incident's camera codes, which are JSON ids), over a light read of the searched columns that
    stops as soon as `limit` tickets are found."""
    if wanted.camera is None and not wanted.words.split():
        return list(session.scalars(query.limit(limit)))
    searched = (
        Ticket.id, Camera.code, Camera.name, Camera.address, District.name, Ticket.node, Ticket.grouping,
        Organisation.name, Ticket.assignee, Ticket.members,
    )  # fmt: skip
    light = (
        query.with_only_columns(*searched)
        .outerjoin(Camera, Camera.id == Ticket.camera_id)
        .outerjoin(District, District.id == Ticket.district_id)
        .outerjoin(Organisation, Organisation.id == Ticket.maintainer_id)
    )
    codes: dict[int, str] | None = None  # every camera's code, read at the first incident
    found: list[int] = []
    for ticket_id, code, *rest, members in session.execute(light).yield_per(1000):
        member_codes: list[str] = []
        if members:
            if codes is None:
                codes = {cid: its_code for cid, its_code in session.execute(select(Camera.id, Camera.code))}
            member_codes = [codes[m] for m in members if m in codes]
        if wanted.camera is not None and wanted.camera != code and wanted.camera not in member_codes:
            continue
        if _words_in(wanted.words, _said(ticket_id, code, *rest, member_codes)):
            found.append(ticket_id)
            if len(found) == limit:
                break
    by_id = _by_id(session, Ticket, Ticket.id, set(found))
    return [by_id[ticket_id] for ticket_id in found]


def ticket_detail(db: Database, ticket_id: int, *, now: datetime, config: MaintenanceConfig) -> TicketDetail:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFoundError(f"No ticket #{ticket_id}.")
        rows = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        events = tuple(TicketEventView(e.at, e.kind, e.actor, e.text, dict(e.detail or {})) for e in rows)
        view = _view(session, ticket, now, config)
        return TicketDetail(ticket=view, events=events, photos=_photos_of(events))


def queue_for(
    db: Database,
    principal: Principal,
    *,
    now: datetime,
    config: MaintenanceConfig,
    wanted: TicketFilter = TicketFilter(),
    limit: int = 500,
) -> list[TicketView]:
    """`list_tickets` as the principal may see it (the rule of `visible_to`): an engineer gets their
    contractor's tickets only, and none without an organisation; everyone else gets every ticket."""
    maintainer_id = None
    if principal.role == "engineer":
        if principal.organisation_id is None:
            return []
        maintainer_id = principal.organisation_id
    return list_tickets(db, now=now, config=config, maintainer_id=maintainer_id, wanted=wanted, limit=limit)


def visible_to(principal: Principal, maintainer_id: int | None) -> bool:
    """Whether a ticket of this maintainer is the principal's to see: an engineer works for one contractor
    and sees its tickets only (one without an organisation, none); everyone else sees every ticket."""
    if principal.role != "engineer":
        return True
    return principal.organisation_id is not None and principal.organisation_id == maintainer_id


def check_visible(db: Database, ticket_id: int, principal: Principal) -> None:
    """NotFoundError unless the ticket exists and is the principal's to see: another contractor's ticket
    reads as missing, in the same words, so that ticket numbers do not tell an engineer what others are
    repairing. One small query: a change checks this before it touches the ticket."""
    with db.session() as session:
        found = session.execute(select(Ticket.maintainer_id).where(Ticket.id == ticket_id)).first()
    if found is None or not visible_to(principal, found.maintainer_id):
        raise NotFoundError(f"No ticket #{ticket_id}.")


def ticket_for(
    db: Database, ticket_id: int, principal: Principal, *, now: datetime, config: MaintenanceConfig
) -> TicketDetail:
    """`ticket_detail` for someone (see `check_visible`)."""
    check_visible(db, ticket_id, principal)
    return ticket_detail(db, ticket_id, now=now, config=config)


def _photos_of(events: Sequence[TicketEventView]) -> tuple[str, ...]:
    """The field photos a ticket's history names (paths relative to the photo directory)."""
    return tuple(e.detail["path"] for e in events if e.kind == "photo" and "path" in e.detail)


@dataclass(frozen=True)
class InRepairCounts:
    """Cameras physically away for repair (their ticket is removed_for_repair), for fleet_summary."""

    total: int
    by_district: dict[str, int]
    by_vendor: dict[str, int]


def in_repair_counts(session: Session) -> InRepairCounts:
    rows = session.execute(
        select(District.name, Camera.vendor, func.count(Camera.id))
        .join(Ticket, Ticket.camera_id == Camera.id)
        .outerjoin(District, Camera.district_id == District.id)
        .where(Ticket.status == "removed_for_repair")
        .group_by(District.name, Camera.vendor)
    ).all()
    by_district: Counter[str] = Counter()
    by_vendor: Counter[str] = Counter()
    for district, vendor, n in rows:
        by_district[district or NO_DISTRICT] += n
        by_vendor[vendor] += n
    return InRepairCounts(sum(by_district.values()), dict(by_district), dict(by_vendor))
