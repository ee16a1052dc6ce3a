"""/api/v1/tickets: the repair queue, one ticket with its history, and working tickets (open by hand, move
along the lifecycle, comment). The same rules as the console: an engineer sees and works only the tickets
of the organisation that employs them; closing a camera's ticket the monitor has not confirmed needs an
override reason, which is audited."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from qarauyl.accounts import Principal, camera_scope
from qarauyl.api._deps import Db, allow
from qarauyl.api._errors import Conflict
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.api.routes.cameras import snapshot_url
from qarauyl.api.schemas.common import MAX_LIMIT, Page
from qarauyl.api.schemas.tickets import (
    Priority,
    TicketAssign,
    TicketComment,
    TicketDetailOut,
    TicketMove,
    TicketOpen,
    TicketOut,
    TicketStatus,
)
from qarauyl.domain.tickets import ACTIVE
from qarauyl.errors import InputError, NotFoundError
from qarauyl.maintenance.config import MaintenanceConfig, load_config
from qarauyl.maintenance.tickets import (
    TicketDetail,
    TicketFilter,
    TicketView,
    add_comment,
    assign,
    check_visible,
    open_ticket,
    queue_for,
    set_status,
    ticket_for,
)
from qarauyl.store.models import Camera

router = APIRouter(prefix="/tickets", tags=["tickets"], responses=PROTECTED)
TicketId = Annotated[int, Path(ge=1, le=2_147_483_647)]
# The most a queue's read returns (every filter is chosen before it): this many active tickets, and as many
# finished ones; `total` counts what it found.
QUEUE_READ = 5000


def _now() -> datetime:
    return datetime.now(UTC)


def _out(view: TicketView, config: MaintenanceConfig) -> dict[str, Any]:
    shown = asdict(view)
    for internal in ("camera_id", "snapshot_path", "members", "member_codes", "grouping"):
        shown.pop(internal)
    return {
        **shown,
        "codes": list(view.codes),
        "members": list(view.member_codes),
        "snapshot_url": snapshot_url(view.snapshot_path),
        "title": view.title if view.kind == "camera" else view.grouping or view.title,
        "console_url": f"{config.console_url}/tickets/{view.id}" if config.console_url else None,
    }


def _detail_out(detail: TicketDetail, config: MaintenanceConfig) -> dict[str, Any]:
    history = [{"at": e.at, "kind": e.kind, "actor": e.actor, "text": e.text} for e in detail.events]
    return {**_out(detail.ticket, config), "history": history}


def _visible(db: Db, ticket_id: int, principal: Principal, config: MaintenanceConfig) -> TicketDetail:
    return ticket_for(db, ticket_id, principal, now=_now(), config=config)


@router.get("", response_model=Page[TicketOut], summary="The repair queue: most urgent first")
def list_queue(
    db: Db,
    principal: Annotated[Principal, Depends(allow("events.read"))],
    status: Annotated[
        list[TicketStatus] | None, Query(description="Repeat for several; default: every active status")
    ] = None,
    priority: Priority | None = None,
    camera: Annotated[str | None, Query(max_length=64, description="A camera code.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words that must each be in the number, camera, place or node."),
    ] = None,
    overdue: Annotated[bool, Query(description="Only tickets past their SLA deadline.")] = False,
    assignee: Annotated[
        str | None, Query(max_length=80, description="Only those given to this user; `me`: to the caller.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    config = load_config()
    wanted = TicketFilter(
        statuses=tuple(status) if status else ACTIVE,
        priority=priority,
        assignee=principal.name if assignee == "me" else assignee,
        camera=camera,
        overdue=overdue,
        words=q or "",
    )
    found = queue_for(db, principal, now=_now(), config=config, wanted=wanted, limit=QUEUE_READ)
    items = [_out(v, config) for v in found[offset : offset + limit]]
    return {"total": len(found), "limit": limit, "offset": offset, "items": items}


@router.get(
    "/{ticket_id}",
    response_model=TicketDetailOut,
    summary="One ticket and its history",
    responses=errors(404),
)
def get_ticket(
    ticket_id: TicketId, db: Db, principal: Annotated[Principal, Depends(allow("events.read"))]
) -> dict[str, Any]:
    config = load_config()
    return _detail_out(_visible(db, ticket_id, principal, config), config)


@router.post(
    "",
    response_model=TicketDetailOut,
    status_code=201,
    summary="Report a fault by hand: opens a ticket, or adds the note to the camera's open one",
    responses=errors(404),
)
def open_by_hand(
    body: TicketOpen, db: Db, principal: Annotated[Principal, Depends(allow("events.ack"))]
) -> dict[str, Any]:
    config = load_config()
    scope = camera_scope(principal)
    with db.session() as session:
        query = select(Camera.id).where(Camera.code == body.camera)
        if session.scalar(query if scope is None else query.where(scope)) is None:
            raise NotFoundError.camera(body.camera)
    view = open_ticket(
        db, body.camera, now=_now(), config=config, priority=body.priority, note=body.note, actor=principal
    )
    return _detail_out(_visible(db, view.id, principal, config), config)


@router.post(
    "/{ticket_id}/status",
    response_model=TicketDetailOut,
    summary="Move a ticket along its lifecycle",
    description="409 names the moves the ticket's status allows, or says that the monitor has not confirmed "
    "the camera works: wait for it, or send an override_reason, which is audited.",
    responses=errors(404, 409),
)
def move(
    ticket_id: TicketId,
    body: TicketMove,
    db: Db,
    principal: Annotated[Principal, Depends(allow("events.ack"))],
) -> dict[str, Any]:
    config = load_config()
    check_visible(db, ticket_id, principal)  # before the change: another's ticket is missing
    try:
        set_status(
            db,
            ticket_id,
            body.status,
            now=_now(),
            config=config,
            actor=principal,
            resolution_code=body.resolution_code or None,
            override_reason=body.override_reason or None,
        )
    except InputError as exc:  # a move the ticket's state does not allow
        raise Conflict(str(exc)) from None
    return _detail_out(_visible(db, ticket_id, principal, config), config)


@router.post(
    "/{ticket_id}/assignee",
    response_model=TicketDetailOut,
    summary="Give a ticket to the person who repairs it, or to nobody",
    description="422 names why the person cannot have it: no such user, a disabled account, a role that does "
    "not work repairs, or an engineer of another organisation than the ticket's maintainer.",
    responses=errors(404),
)
def give(
    ticket_id: TicketId,
    body: TicketAssign,
    db: Db,
    principal: Annotated[Principal, Depends(allow("events.ack"))],
) -> dict[str, Any]:
    config = load_config()
    check_visible(db, ticket_id, principal)
    assign(db, ticket_id, body.assignee, now=_now(), config=config, actor=principal)
    return _detail_out(_visible(db, ticket_id, principal, config), config)


@router.post(
    "/{ticket_id}/comments",
    response_model=TicketDetailOut,
    status_code=201,
    summary="Add a comment to a ticket's history",
    responses=errors(404),
)
def comment(
    ticket_id: TicketId,
    body: TicketComment,
    db: Db,
    principal: Annotated[Principal, Depends(allow("events.ack"))],
) -> dict[str, Any]:
    config = load_config()
    check_visible(db, ticket_id, principal)
    add_comment(db, ticket_id, body.text, now=_now(), actor=principal)
    return _detail_out(_visible(db, ticket_id, principal, config), config)
