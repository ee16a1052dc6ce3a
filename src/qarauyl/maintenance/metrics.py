"""Prometheus exposition for the existing ops stack: per-camera health and key picture metrics, fleet
counts, open tickets, probe durations, the notification outbox.

`render_metrics(db, now)` returns the text (format 0.0.4); `metrics_router()` is a FastAPI router with
`GET /metrics` reading the Database from `request.app.state.db` (or a getter you pass). Written by
hand rather than with prometheus_client: every value is read from the store at scrape time, so there
is no in-process registry to keep, and several API workers all answer the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from qarauyl.analytics.fleet import faults_now
from qarauyl.domain import Health
from qarauyl.domain.tickets import ACTIVE
from qarauyl.maintenance.models import OutboxMessage, Ticket
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow, District, ProbeRecord

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Picture metrics worth a time series (the monitor stores many more, e.g. thumbnail signatures).
QUALITY_METRICS = (
    "luma_mean",
    "contrast_range",
    "sharpness",
    "sharpness_ratio",
    "noise_sigma",
    "decode_error_rate",
    "frame_change_mean",
    "fps_ratio",
    "bitrate_ratio",
)
HEALTH_VALUE = {Health.OK.value: 1, Health.DEGRADED.value: 2, Health.FAILED.value: 3, Health.UNKNOWN.value: 0}
PROBE_WINDOW = timedelta(minutes=15)
QUANTILES = (0.5, 0.9, 0.99)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self, name: str, kind: str, help_: str, samples: Iterable[tuple[dict[str, str], float]]
    ) -> None:
        self.lines.append(f"# HELP {name} {help_}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]


def render_metrics(db: Database, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    out = _Writer()
    with db.session() as session:
        cameras = session.execute(
            select(
                Camera.code,
                District.name,
                Camera.vendor,
                Camera.health,
                CameraHealthRow.metrics,
                CameraHealthRow.last_probe_at,
            )
            .outerjoin(District, Camera.district_id == District.id)
            .outerjoin(CameraHealthRow, CameraHealthRow.camera_id == Camera.id)
            .where(Camera.lifecycle == "connected")
            .order_by(Camera.code)
        ).all()
        fleet = session.execute(
            select(Camera.lifecycle, Camera.health, func.count(Camera.id)).group_by(
                Camera.lifecycle, Camera.health
            )
        ).all()
        tickets = session.execute(
            select(Ticket.kind, Ticket.status, Ticket.priority, func.count(Ticket.id))
            .where(Ticket.status.in_(ACTIVE))
            .group_by(Ticket.kind, Ticket.status, Ticket.priority)
        ).all()
        breached = session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.status.in_(ACTIVE), Ticket.status != "resolved", Ticket.due_at < now
            )
        )
        durations = sorted(
            float(d) / 1000
            for d in session.scalars(
                select(ProbeRecord.duration_ms).where(
                    ProbeRecord.at >= now - PROBE_WINDOW, ProbeRecord.duration_ms.is_not(None)
                )
            )
            if d is not None
        )
        outbox = session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
        ).all()
        present = faults_now(session)

    def camera_labels(code: str, district: str | None, vendor: str) -> dict[str, str]:
        return {"camera": code, "district": district or "", "vendor": vendor}

    out.family(
        "qarauyl_camera_health",
        "gauge",
        "Camera health: 0 unknown, 1 ok, 2 degraded, 3 failed (connected cameras).",
        ((camera_labels(c, d, v), HEALTH_VALUE.get(h, 0)) for c, d, v, h, _, _ in cameras),
    )
    out.family(
        "qarauyl_camera_up",
        "gauge",
        "1 if the camera delivers a picture (ok or degraded), 0 if failed; unknown cameras are left out.",
        (
            (camera_labels(c, d, v), 0 if h == Health.FAILED.value else 1)
            for c, d, v, h, _, _ in cameras
            if h != Health.UNKNOWN.value
        ),
    )
    out.family(
        "qarauyl_camera_last_probe_timestamp_seconds",
        "gauge",
        "When the camera was last probed (Unix time).",
        ((camera_labels(c, d, v), at.timestamp()) for c, d, v, _, _, at in cameras if at is not None),
    )
    out.family(
        "qarauyl_camera_quality",
        "gauge",
        "Key picture metrics from the latest probe (metric label names which one).",
        (
            ({**camera_labels(c, d, v), "metric": key}, float(metrics[key]))
            for c, d, v, _, metrics, _ in cameras
            for key in QUALITY_METRICS
            if metrics and isinstance(metrics.get(key), int | float)
        ),
    )
    out.family(
        "qarauyl_fleet_cameras",
        "gauge",
        "Cameras by lifecycle and health.",
        (({"lifecycle": lifecycle, "health": health}, n) for lifecycle, health, n in fleet),
    )
    out.family(
        "qarauyl_fleet_faults",
        "gauge",
        "Connected cameras with each confirmed fault now.",
        (({"fault": code}, n) for code, n in sorted(present.faults.items())),
    )
    out.family(
        "qarauyl_fleet_unreadable",
        "gauge",
        "Connected cameras that cannot be read, by the probe's cause (unreachable, refused, credentials...).",
        (({"cause": cause}, n) for cause, n in sorted(present.causes.items())),
    )
    out.family(
        "qarauyl_tickets_open",
        "gauge",
        "Open repair tickets and incidents by kind, status and priority.",
        (({"kind": k, "status": s, "priority": p}, n) for k, s, p, n in tickets),
    )
    out.family(
        "qarauyl_cameras_in_repair",
        "gauge",
        "Cameras physically removed for repair.",
        [({}, sum(n for k, s, _, n in tickets if k == "camera" and s == "removed_for_repair"))],
    )
    out.family(
        "qarauyl_tickets_sla_breached",
        "gauge",
        "Open tickets past their SLA deadline.",
        [({}, breached or 0)],
    )
    samples: list[tuple[dict[str, str], float]] = [
        ({"quantile": str(q)}, _quantile(durations, q)) for q in QUANTILES
    ]
    out.family(
        "qarauyl_probe_duration_seconds",
        "summary",
        f"Probe durations over the last {int(PROBE_WINDOW.total_seconds() // 60)} minutes.",
        samples,
    )
    out.lines.append(f"qarauyl_probe_duration_seconds_sum {_number(sum(durations))}")
    out.lines.append(f"qarauyl_probe_duration_seconds_count {len(durations)}")
    out.family(
        "qarauyl_notifications",
        "gauge",
        "Notification outbox rows by status (pending ones are waiting or retrying).",
        (({"status": status}, n) for status, n in outbox),
    )
    return out.text()


def metrics_router(get_db: Callable[[Request], Database] | None = None) -> APIRouter:
    """`GET /metrics`. Mount it without authentication only on a network Prometheus alone can reach,
    or behind the API's token check: camera codes and health are operational data."""
    router = APIRouter()

    def default_db(request: Request) -> Database:
        db: Any = getattr(request.app.state, "db", None)
        if not isinstance(db, Database):
            raise RuntimeError("metrics_router: app.state.db is not a qarauyl Database; pass get_db")
        return db

    getter = get_db or default_db

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        text = await run_in_threadpool(render_metrics, getter(request))
        return Response(content=text, media_type=CONTENT_TYPE)

    return router
