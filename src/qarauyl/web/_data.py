"""What the console pages show, read from the store: plain dicts and lists, no UI code.

Every function takes the database and a `Scope` (engineers see only the cameras their organisation
maintains) and returns data a page can render; writes (acknowledge, lifecycle, edit) return the
before/after pair for the audit log.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, case, func, null, select, true
from sqlalchemy.orm import Session

from qarauyl.analytics.fleet import NO_DISTRICT, Counts, FaultsNow, FleetSummary, faults_now, fleet_summary
from qarauyl.domain import Health, Lifecycle
from qarauyl.errors import InputError, NotFoundError, Problem
from qarauyl.health import availability
from qarauyl.health.causes import access_cause
from qarauyl.inventory.queries import CameraFilter, Maintainer, camera_by_code, where_filter
from qarauyl.inventory.records import PARSERS
from qarauyl.maintenance.models import Ticket
from qarauyl.maintenance.tickets import active_ticket
from qarauyl.monitor.unmonitored import settle_unmonitored
from qarauyl.store import Camera, Database, District
from qarauyl.store.models import CameraHealthRow, HealthEvent, ProbeRecord

HEALTH_ORDER = ("ok", "degraded", "failed", "unknown")


@dataclass(frozen=True)
class Scope:
    """Which cameras a person may see: all (maintainer_id None) or one maintainer's."""

    maintainer_id: int | None = None
    restricted: bool = False

    def clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        if self.maintainer_id is None:
            return Camera.id == -1  # an engineer without an organisation sees nothing
        return Camera.maintainer_id == self.maintainer_id


ALL = Scope()

T = TypeVar("T")
_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}


def cached(key: tuple[Any, ...], ttl: float, compute: Callable[[], T]) -> T:
    """Short-lived memo so that many open consoles refreshing every few seconds cost one query."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        value: T = hit[1]
        return value
    value = compute()
    _cache[key] = (now, value)
    return value


def clear_cache() -> None:
    _cache.clear()


# --- overview -----------------------------------------------------------------------------------


def faults(db: Database, scope: Scope = ALL) -> FaultsNow:
    """The faults on the person's connected cameras now, and why those that cannot be read cannot."""
    with db.session() as session:
        return faults_now(session, scope.clause() if scope.restricted else None)


def summary(db: Database, scope: Scope = ALL) -> FleetSummary:
    with db.session() as session:
        if not scope.restricted:
            return fleet_summary(session)
        result = FleetSummary()
        query = (
            select(District.name, Camera.vendor, Camera.lifecycle, Camera.health, func.count(Camera.id))
            .outerjoin(District, Camera.district_id == District.id)
            .where(scope.clause())
            .group_by(District.name, Camera.vendor, Camera.lifecycle, Camera.health)
        )
        for district, vendor, lifecycle, health, n in session.execute(query):
            result.total.add(lifecycle, health, n)
            result.by_district.setdefault(district or NO_DISTRICT, Counts()).add(lifecycle, health, n)
            result.by_vendor.setdefault(vendor, Counts()).add(lifecycle, health, n)
        return result


def _health(value: str) -> Health:
    return Health(value) if value in HEALTH_ORDER else Health.UNKNOWN


@dataclass(frozen=True)
class AvailabilityReport:
    """Working share of known time per window (None when nothing was known) and per day for 30 days."""

    last_24h: float | None
    last_7d: float | None
    last_30d: float | None
    daily: list[tuple[datetime, float | None]]


def fleet_availability(
    db: Database, now: datetime, scope: Scope = ALL, zone: tzinfo | None = None
) -> AvailabilityReport:
    """Time-weighted availability of connected cameras from their health events; the daily figures are
    days of `zone` (the OCC's; None: this machine's), from its midnights.

    A camera with no event in the window was in its current state all along, so those are counted
    in one grouped query; only cameras that changed are replayed through `health.availability`.
    """
    start = now - timedelta(days=30)
    with db.session() as session:
        changes: dict[int, list[tuple[datetime, Health]]] = defaultdict(list)
        initial: dict[int, Health] = {}
        events = session.execute(
            select(HealthEvent.camera_id, HealthEvent.at, HealthEvent.before, HealthEvent.after)
            .join(Camera, Camera.id == HealthEvent.camera_id)
            .where(HealthEvent.at >= start, Camera.lifecycle == Lifecycle.CONNECTED.value, scope.clause())
            .order_by(HealthEvent.camera_id, HealthEvent.at)
        )
        for camera_id, at, before, after in events:
            if camera_id not in initial:
                initial[camera_id] = _health(before)
            changes[camera_id].append((at, _health(after)))
        steady = session.execute(
            select(Camera.id, Camera.health).where(
                Camera.lifecycle == Lifecycle.CONNECTED.value, scope.clause()
            )
        ).all()
    steady_counts: dict[Health, int] = defaultdict(int)
    for camera_id, health in steady:
        if camera_id not in changes:
            steady_counts[_health(health)] += 1

    def window(begin: datetime, end: datetime) -> float | None:
        span = (end - begin).total_seconds()
        working = (steady_counts[Health.OK] + steady_counts[Health.DEGRADED]) * span
        known = working + steady_counts[Health.FAILED] * span
        for camera_id, camera_changes in changes.items():
            share = availability(camera_changes, begin, end, initial[camera_id])
            working += share.ok + share.degraded
            known += share.known
        return working / known if known > 0 else None

    local_now = now.astimezone(zone)
    # Each calendar day from its own midnight (a day with a daylight-saving change is 23 or 25 hours).
    midnight = datetime.min.time()
    day_starts = [
        datetime.combine(local_now.date() - timedelta(days=d), midnight, local_now.tzinfo).astimezone(UTC)
        for d in range(29, -1, -1)
    ]
    ends = [*day_starts[1:], now]
    daily = [(day, window(max(day, start), end)) for day, end in zip(day_starts, ends, strict=True)]
    return AvailabilityReport(
        last_24h=window(now - timedelta(hours=24), now),
        last_7d=window(now - timedelta(days=7), now),
        last_30d=window(start, now),
        daily=daily,
    )


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    state: str | None = None  # the state the camera went to
    code: str | None = None
    district: str | None = None
    unacknowledged: bool = False
    camera_code: str | None = None


def events(
    db: Database, scope: Scope = ALL, filters: EventFilter | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    filters = filters or EventFilter()
    query = (
        select(HealthEvent, Camera.code, Camera.name, District.name)
        .join(Camera, Camera.id == HealthEvent.camera_id)
        .outerjoin(District, Camera.district_id == District.id)
        .where(scope.clause())
        .order_by(HealthEvent.at.desc(), HealthEvent.id.desc())
    )
    if filters.state:
        query = query.where(HealthEvent.after == filters.state)
    if filters.district:
        query = query.where(District.name == filters.district)
    if filters.unacknowledged:
        query = query.where(HealthEvent.acknowledged_at.is_(None))
    if filters.camera_code:
        query = query.where(Camera.code == filters.camera_code)
    rows: list[dict[str, Any]] = []
    with db.session() as session:
        # Codes are a JSON list: filtered here, reading a bounded number of extra rows.
        result = session.execute(query.limit(limit * 20 if filters.code else limit))
        for event, code, name, district in result:
            if filters.code and filters.code not in (event.codes or []):
                continue
            rows.append(
                {
                    "id": event.id,
                    "at": event.at,
                    "camera": code,
                    "camera_name": name,
                    "district": district,
                    "before": event.before,
                    "after": event.after,
                    "codes": list(event.codes or []),
                    "cause": access_cause(event.codes, event.findings),
                    "reason": event.reason,
                    "flapping": event.flapping,
                    "acknowledged_by": event.acknowledged_by,
                    "acknowledged_at": event.acknowledged_at,
                }
            )
            if len(rows) >= limit:
                break
    return rows


def events_signature(db: Database, scope: Scope = ALL) -> tuple[int, int]:
    """Changes whenever an event is added or acknowledged: live views redraw only then."""
    with db.session() as session:
        newest, acknowledged = session.execute(
            select(func.max(HealthEvent.id), func.count(HealthEvent.acknowledged_at))
            .join(Camera, Camera.id == HealthEvent.camera_id)
            .where(scope.clause())
        ).one()
    return int(newest or 0), int(acknowledged or 0)


Audit = Callable[[Session, dict[str, Any] | None, dict[str, Any] | None], None]


def _no_audit(session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    return None


def acknowledge(
    db: Database, event_id: int, who: str, at: datetime, scope: Scope = ALL, audit: Audit = _no_audit
) -> dict[str, Any]:
    """Marks an event as seen; the first acknowledgement stands (a second one changes nothing)."""
    with db.session() as session:
        row = session.execute(
            select(HealthEvent)
            .join(Camera, Camera.id == HealthEvent.camera_id)
            .where(HealthEvent.id == event_id, scope.clause())
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"No event {event_id}.")
        if row.acknowledged_at is None:
            row.acknowledged_by, row.acknowledged_at = who, at
            audit(session, None, {"acknowledged_by": who, "acknowledged_at": at.isoformat()})
        return {"acknowledged_by": row.acknowledged_by, "acknowledged_at": row.acknowledged_at.isoformat()}


# --- map ----------------------------------------------------------------------------------------


def map_points(db: Database, scope: Scope = ALL) -> dict[str, Any]:
    """Every camera as parallel arrays (compact JSON for 10,000+ cameras): the browser clusters them."""
    columns: dict[str, list[Any]] = {
        k: [] for k in ("id", "code", "lat", "lon", "health", "heading", "hfov", "lc")
    }
    health_index = {h: i for i, h in enumerate(HEALTH_ORDER)}
    with db.session() as session:
        for cid, code, lat, lon, health, heading, hfov, lifecycle in session.execute(
            select(
                Camera.id,
                Camera.code,
                Camera.latitude,
                Camera.longitude,
                Camera.health,
                Camera.heading_deg,
                Camera.hfov_deg,
                Camera.lifecycle,
            ).where(scope.clause(), Camera.lifecycle != Lifecycle.DECOMMISSIONED.value)
        ):
            columns["id"].append(cid)
            columns["code"].append(code)
            columns["lat"].append(round(lat, 6))
            columns["lon"].append(round(lon, 6))
            # Cameras not connected to the OCC are not probed: shown as unknown (grey).
            columns["health"].append(health_index.get(health, 3) if lifecycle == Lifecycle.CONNECTED else 3)
            columns["heading"].append(heading)
            columns["hfov"].append(hfov)
            columns["lc"].append(lifecycle)
    return columns


def district_outlines(db: Database, scope: Scope = ALL) -> list[dict[str, Any]]:
    """A district's outline as the convex hull of its cameras (the store keeps no boundaries)."""
    from shapely.geometry import MultiPoint

    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with db.session() as session:
        for name, lat, lon in session.execute(
            select(District.name, Camera.latitude, Camera.longitude)
            .join(Camera, Camera.district_id == District.id)
            .where(scope.clause())
        ):
            points[name].append((lon, lat))
    outlines = []
    for name, coords in sorted(points.items()):
        if len(coords) < 3:
            continue
        hull = MultiPoint(coords).convex_hull.buffer(0.003)
        if hull.geom_type != "Polygon":
            continue
        outlines.append({"name": name, "ring": [[round(y, 5), round(x, 5)] for x, y in hull.exterior.coords]})
    return outlines


def map_centre(db: Database, scope: Scope = ALL) -> tuple[float, float]:
    with db.session() as session:
        lat, lon = session.execute(
            select(func.avg(Camera.latitude), func.avg(Camera.longitude)).where(scope.clause())
        ).one()
    return (float(lat), float(lon)) if lat is not None else (43.3, 68.25)


# --- cameras ------------------------------------------------------------------------------------


def camera_rows(
    db: Database, scope: Scope = ALL, filters: CameraFilter | None = None, fault: str | None = None
) -> list[dict[str, Any]]:
    """The camera table's rows: the register's filters, and `fault`, a code among the current findings."""
    query = (
        select(
            Camera.id,
            Camera.code,
            Camera.name,
            Camera.vendor,
            Camera.model,
            Camera.lifecycle,
            Camera.health,
            Camera.health_since,
            District.name,
            Maintainer.name,
            CameraHealthRow.codes,
            CameraHealthRow.last_probe_at,
            # Only a failed camera's findings can say why it cannot be read: the rest stay in the database.
            case((Camera.health == Health.FAILED.value, CameraHealthRow.findings), else_=null()),
        )
        .outerjoin(District, Camera.district_id == District.id)
        .outerjoin(Maintainer, Camera.maintainer_id == Maintainer.id)
        .outerjoin(CameraHealthRow, CameraHealthRow.camera_id == Camera.id)
        .order_by(Camera.code)
    )
    query = where_filter(query, filters, scope.clause())
    rows = []
    with db.session() as session:
        for (
            cid,
            code,
            name,
            vendor,
            model,
            lifecycle,
            health,
            since,
            district,
            maintainer,
            codes,
            probed,
            findings,
        ) in session.execute(query):
            codes = list(codes or [])
            if fault and fault not in codes:
                continue
            rows.append(
                {
                    "id": cid,
                    "code": code,
                    "name": name,
                    "vendor": vendor,
                    "model": model or "",
                    "lifecycle": lifecycle,
                    "health": health,
                    "health_since": since,
                    "district": district or "",
                    "maintainer": maintainer or "",
                    "codes": codes,
                    "cause": access_cause(codes, findings),
                    "last_probe_at": probed,
                }
            )
    return rows


def choices(db: Database, scope: Scope = ALL) -> dict[str, list[str]]:
    """The values the filters offer: districts and vendors present in the fleet."""
    with db.session() as session:
        districts = session.scalars(
            select(District.name)
            .join(Camera, Camera.district_id == District.id)
            .where(scope.clause())
            .distinct()
            .order_by(District.name)
        ).all()
        vendors = session.scalars(
            select(Camera.vendor).where(scope.clause()).distinct().order_by(Camera.vendor)
        ).all()
    return {"district": list(districts), "vendor": list(vendors)}


def camera_detail(db: Database, code: str, scope: Scope = ALL) -> dict[str, Any]:
    from qarauyl.inventory import get_camera

    with db.session() as session:
        camera = camera_by_code(session, code, scope.clause())
        details = get_camera(session, code)  # inventory's dict: never contains credentials
        row = session.get(CameraHealthRow, camera.id)
        ticket = active_ticket(session, camera.id)
        details.update(
            {
                "id": camera.id,
                "ticket": _ticket_brief(ticket),
                "health_since": camera.health_since,
                "findings": list(row.findings or []) if row else [],
                "codes": list(row.codes or []) if row else [],
                "last_probe_at": row.last_probe_at if row else None,
                "error": row.error if row else None,
                "has_snapshot": bool(row and row.snapshot_path),
                "has_reference": bool(row and row.reference_path),
                "reference_at": row.reference_at if row else None,
                "stream": dict(row.stream or {}) if row else {},
            }
        )
    for secret in ("main_stream_url", "sub_stream_url", "onvif_url"):
        if details.get(secret):
            from qarauyl.domain import redact_url

            details[secret] = redact_url(details[secret])
    return details


def _ticket_brief(ticket: Ticket | None) -> dict[str, Any] | None:
    """A camera's open repair ticket as its page and the map's card show it."""
    return {"id": ticket.id, "status": ticket.status, "assignee": ticket.assignee} if ticket else None


def probe_history(db: Database, camera_id: int, since: datetime) -> list[dict[str, Any]]:
    with db.session() as session:
        return [
            {"at": at, "observed": observed, "metrics": dict(metrics or {})}
            for at, observed, metrics in session.execute(
                select(ProbeRecord.at, ProbeRecord.observed, ProbeRecord.metrics)
                .where(ProbeRecord.camera_id == camera_id, ProbeRecord.at >= since)
                .order_by(ProbeRecord.at)
            )
        ]


def snapshot_path(db: Database, camera_id: int, which: str, scope: Scope = ALL) -> str | None:
    """The stored (relative) snapshot path; the caller resolves it through SnapshotStore."""
    with db.session() as session:
        visible = session.scalar(select(Camera.id).where(Camera.id == camera_id, scope.clause()))
        if visible is None:
            return None
        row = session.get(CameraHealthRow, camera_id)
        if row is None:
            return None
        return row.reference_path if which == "reference" else row.snapshot_path


EDITABLE = (
    "name", "address", "heading_deg", "hfov_deg", "model", "mount_height_m", "focal_mm", "sensor_width_mm",
)  # fmt: skip


def set_lifecycle(
    db: Database,
    code: str,
    lifecycle: str,
    scope: Scope = ALL,
    audit: Audit = _no_audit,
    actor: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A camera that leaves `connected` has its health set to unknown (`monitor.unmonitored`), with `actor`
    acknowledging the event that says so."""
    if lifecycle not in {lc.value for lc in Lifecycle}:
        raise InputError(
            "Unknown lifecycle state.", [Problem("lifecycle", "lifecycle", f"'{lifecycle}' is not one")]
        )
    with db.session() as session:
        camera = camera_by_code(session, code, scope.clause())
        before, after = {"lifecycle": camera.lifecycle}, {"lifecycle": lifecycle}
        if before != after:
            camera.lifecycle = lifecycle
            settle_unmonitored(session, [camera.id], actor=actor)
            audit(session, before, after)
        return before, after


def edit_camera(
    db: Database, code: str, changes: dict[str, Any], scope: Scope = ALL, audit: Audit = _no_audit
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Applies the editable fields, each checked by the inventory's own parser (so the console accepts
    exactly what an import and the API accept: ranges, lengths); a number or text may be emptied, the
    name may not."""
    problems = []
    for key in EDITABLE:
        value = changes.get(key)
        if value is None:
            continue
        try:
            PARSERS[key](str(value))
        except ValueError as exc:
            problems.append(Problem(code, key, str(exc)))
    if "name" in changes and not str(changes["name"] or "").strip():
        problems.append(Problem(code, "name", "must not be empty"))
    if problems:
        raise InputError("The camera was not changed.", problems)
    with db.session() as session:
        camera = camera_by_code(session, code, scope.clause())
        before, after = {}, {}
        for key in EDITABLE:
            if key in changes and getattr(camera, key) != changes[key]:
                before[key], after[key] = getattr(camera, key), changes[key]
                setattr(camera, key, changes[key])
        if after:
            audit(session, before, after)
        return before, after


def now_utc() -> datetime:
    return datetime.now(UTC)
