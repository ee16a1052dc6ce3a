"""/api/v1/events: health events (filtered, paginated) and acknowledging one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qarauyl.accounts import Principal, camera_scope, record_audit
from qarauyl.api._deps import Client, Db, allow
from qarauyl.api._errors import Conflict
from qarauyl.api.routes._responses import PROTECTED, errors
from qarauyl.api.routes.cameras import snapshot_url
from qarauyl.api.schemas.common import MAX_LIMIT, Page
from qarauyl.api.schemas.events import EventOut
from qarauyl.domain import Health
from qarauyl.errors import NotFoundError
from qarauyl.health.causes import access_cause
from qarauyl.store.models import Camera, HealthEvent

router = APIRouter(prefix="/events", tags=["events"], responses=PROTECTED)
# Ids are 32-bit in SQLite and PostgreSQL alike; a larger number is a 422, not a database error.
EventId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _view(event: HealthEvent, code: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "camera_id": event.camera_id,
        "camera_code": code,
        "at": event.at,
        "before": event.before,
        "after": event.after,
        "codes": list(event.codes or []),
        "findings": list(event.findings or []),
        "cause": access_cause(event.codes, event.findings),
        "reason": event.reason,
        "flapping": event.flapping,
        "snapshot_url": snapshot_url(event.snapshot_path),
        "acknowledged_by": event.acknowledged_by,
        "acknowledged_at": event.acknowledged_at,
    }


@router.get("", response_model=Page[EventOut], summary="Health events, newest first")
def list_events(
    db: Db,
    principal: Annotated[Principal, Depends(allow("events.read"))],
    camera: Annotated[str | None, Query(max_length=64, description="A camera code.")] = None,
    after: Annotated[Health | None, Query(description="The health the camera moved to.")] = None,
    acknowledged: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    query = select(HealthEvent, Camera.code).join(Camera, Camera.id == HealthEvent.camera_id)
    scope = camera_scope(principal)
    if scope is not None:
        query = query.where(scope)
    if camera:
        query = query.where(Camera.code == camera)
    if after:
        query = query.where(HealthEvent.after == after.value)
    if acknowledged is not None:
        query = query.where(
            HealthEvent.acknowledged_at.is_not(None)
            if acknowledged
            else HealthEvent.acknowledged_at.is_(None)
        )
    # Naive times are read as UTC, as a person in the OCC would mean them in an API call.
    if since:
        query = query.where(HealthEvent.at >= (since if since.tzinfo else since.replace(tzinfo=UTC)))
    if until:
        query = query.where(HealthEvent.at < (until if until.tzinfo else until.replace(tzinfo=UTC)))
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(HealthEvent.at.desc(), HealthEvent.id.desc()).limit(limit).offset(offset)
        )
        items = [_view(event, code) for event, code in rows]
    return {"total": int(total), "limit": limit, "offset": offset, "items": items}


def _event(session: Session, event_id: int, principal: Principal) -> tuple[HealthEvent, str]:
    query = select(HealthEvent, Camera.code).join(Camera, Camera.id == HealthEvent.camera_id)
    query = query.where(HealthEvent.id == event_id)
    scope = camera_scope(principal)
    if scope is not None:
        query = query.where(scope)
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(f"No event with id {event_id}.")
    return row[0], row[1]


@router.get("/{event_id}", response_model=EventOut, summary="One event", responses=errors(404))
def get_event(
    event_id: EventId, db: Db, principal: Annotated[Principal, Depends(allow("events.read"))]
) -> dict[str, Any]:
    with db.session() as session:
        return _view(*_event(session, event_id, principal))


@router.post(
    "/{event_id}/acknowledge",
    response_model=EventOut,
    summary="Acknowledge an event: records who and when",
    responses=errors(404, 409),
)
def acknowledge(
    event_id: EventId, db: Db, client: Client, principal: Annotated[Principal, Depends(allow("events.ack"))]
) -> dict[str, Any]:
    with db.session() as session:
        event, code = _event(session, event_id, principal)
        if event.acknowledged_at is not None:
            raise Conflict(
                f"Event {event_id} was already acknowledged by {event.acknowledged_by} "
                f"at {event.acknowledged_at:%Y-%m-%d %H:%M} UTC."
            )
        event.acknowledged_by = principal.name
        event.acknowledged_at = datetime.now(UTC)
        record_audit(
            session,
            principal,
            "events.ack",
            f"event:{event_id}",
            {"acknowledged_by": None},
            {"acknowledged_by": principal.name, "acknowledged_at": event.acknowledged_at.isoformat()},
            client=client,
        )
        session.flush()
        return _view(event, code)
