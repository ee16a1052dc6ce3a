"""A camera that leaves the monitored fleet (disconnected, decommissioned, back to planned) has no health any
more: what the monitor last saw of it would be shown as current for as long as it stays away.

Its health becomes `unknown` with an event that says why, so the history stays whole (the time away counts as
unknown, not as the state it left in, and so neither for nor against its availability), and its state machine
starts afresh: a camera connected again is judged on its first probe, not held to a failure from before its
repair. Its last findings, snapshot and reference stay, as the last evidence."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from qarauyl.domain import Health, Lifecycle
from qarauyl.health import CameraHealth
from qarauyl.monitor.recording import SYSTEM, store_state
from qarauyl.store.models import Camera, CameraHealthRow, HealthEvent, utcnow


def settle_unmonitored(
    session: Session,
    camera_ids: Iterable[int] | None = None,
    at: datetime | None = None,
    actor: str | None = None,
) -> int:
    """Sets to unknown the health of the cameras that are not connected but still have one (among
    `camera_ids`, or the whole fleet); returns how many. Runs in the caller's transaction. The event is
    acknowledged at once, by `actor` (who changed the lifecycle) or the system: it follows a person's
    decision, and nobody on duty needs to be told of it."""
    at = at or utcnow()
    query = (
        select(Camera)
        .options(load_only(Camera.id, Camera.health, Camera.lifecycle))  # what is read
        .where(Camera.lifecycle != Lifecycle.CONNECTED.value, Camera.health != Health.UNKNOWN.value)
    )
    if camera_ids is not None:
        query = query.where(Camera.id.in_(list(camera_ids)))
    cameras = list(session.scalars(query))
    if not cameras:
        return 0
    rows = session.scalars(
        select(CameraHealthRow).where(CameraHealthRow.camera_id.in_([c.id for c in cameras]))
    )
    by_camera = {row.camera_id: row for row in rows}
    for camera in cameras:
        session.add(
            HealthEvent(
                camera_id=camera.id,
                at=at,
                before=camera.health,
                after=Health.UNKNOWN.value,
                codes=[],
                findings=[],
                reason=f"no longer monitored: the camera is now {camera.lifecycle}",
                flapping=False,
                acknowledged_by=actor or SYSTEM,
                acknowledged_at=at,
            )
        )
        camera.health, camera.health_since = Health.UNKNOWN.value, at
        row = by_camera.get(camera.id)
        if row is not None:
            store_state(row, CameraHealth(since=at))
            row.seen_since = None
    return len(cameras)
