"""The tables. Rules live in the capabilities; these classes only say what is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints, so that migrations are the same on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware: SQLite drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Qarauyl stores only timezone-aware timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
    }


class Organisation(Base):
    """Police, the akimat's digitalisation office, a maintenance contractor."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")


class District(Base):
    """A city or a rural district of the region; the unit the OCC meeting breaks numbers down by."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class NetworkZone(Base):
    """A network segment that probes must run inside (later: one Celery queue per zone)."""

    __tablename__ = "network_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Camera(Base):
    __tablename__ = "camera"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    vendor: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("network_zone.id"), index=True)
    network_node: Mapped[str | None] = mapped_column(String(200), index=True)  # switch/fibre node/cabinet
    heading_deg: Mapped[float | None] = mapped_column(Float)
    hfov_deg: Mapped[float | None] = mapped_column(Float)
    # Optics for coverage planning (planning.inventory): the field of view follows from focal length and
    # sensor width when hfov_deg is not recorded.
    mount_height_m: Mapped[float | None] = mapped_column(Float)
    focal_mm: Mapped[float | None] = mapped_column(Float)
    sensor_width_mm: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # The stream profile the camera should deliver; the monitor flags low_fps / low_bitrate against it.
    fps: Mapped[float | None] = mapped_column(Float)
    min_bitrate_kbps: Mapped[float | None] = mapped_column(Float)
    main_stream_url: Mapped[str | None] = mapped_column(Text)
    sub_stream_url: Mapped[str | None] = mapped_column(Text)
    onvif_url: Mapped[str | None] = mapped_column(Text)
    # "tcp" or "udp"; None: the monitor's default (tcp). Some cameras' RTSP servers offer only one of them.
    rtsp_transport: Mapped[str | None] = mapped_column(String(8))
    username: Mapped[str | None] = mapped_column(String(120))
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    password_digest: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    maintainer_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    installed_on: Mapped[date | None] = mapped_column(Date)
    lifecycle: Mapped[str] = mapped_column(String(20), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Measured by the monitor; `unknown` until the first probe.
    health: Mapped[str] = mapped_column(String(20), default="unknown", index=True)
    health_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District | None] = relationship(lazy="joined")
    zone: Mapped[NetworkZone | None] = relationship(lazy="joined")
    owner: Mapped[Organisation | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    maintainer: Mapped[Organisation | None] = relationship(foreign_keys=[maintainer_id], lazy="joined")


class CameraHealthRow(Base):
    """The monitor's memory of one camera between probes: the health state machine's state, the
    latest verdict, and the learned reference and baseline that diagnosis compares against."""

    __tablename__ = "camera_health"

    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="unknown")
    since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    pending: Mapped[str | None] = mapped_column(String(20))
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO timestamps of recent changes
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    last_probe_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stream: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    snapshot_path: Mapped[str | None] = mapped_column(String(500))
    reference_path: Mapped[str | None] = mapped_column(String(500))
    reference_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reference_votes: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Fault code -> ISO time since when it has been seen without a break (for fault rules' alarm delays).
    seen_since: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The codes announced by an event since the state was confirmed (None on rows from before 0008: `codes`),
    # and the run of probes that found one that was not (see health/state_machine.py).
    announced: Mapped[list[str] | None] = mapped_column(JSON)
    novel_count: Mapped[int | None] = mapped_column(Integer)
    novel_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HealthEvent(Base):
    """A confirmed health change (or a flapping notice), with the evidence that caused it."""

    __tablename__ = "health_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    before: Mapped[str] = mapped_column(String(20))
    after: Mapped[str] = mapped_column(String(20))
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(300), default="")
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot_path: Mapped[str | None] = mapped_column(String(500))
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FaultRuleRow(Base):
    """An OCC's rule for one fault code, fleet-wide (no camera) or for one camera (see health/rules.py)."""

    __tablename__ = "fault_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    min_score: Mapped[float] = mapped_column(Float, default=0.5)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())  # lapses by itself then; None: never
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    # One rule per code and camera, and one fleet-wide (a partial index: NULLs repeat in a plain unique one).
    __table_args__ = (
        Index("ix_fault_rule_camera_code", "camera_id", "code", unique=True),
        Index(
            "ix_fault_rule_fleet_code",
            "code",
            unique=True,
            sqlite_where=text("camera_id IS NULL"),
            postgresql_where=text("camera_id IS NULL"),
        ),
    )


class ProbeRecord(Base):
    """One probe's outcome and measurements, for history charts; pruned after a retention period."""

    __tablename__ = "probe_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    observed: Mapped[str] = mapped_column(String(20))  # the health this probe alone suggests
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_probe_record_camera_at", "camera_id", "at"),)
