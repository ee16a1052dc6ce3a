"""Reading cameras back out of the store as plain rows in the inventory's own column names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased, lazyload

from qarauyl.errors import NotFoundError
from qarauyl.store import Camera, District, NetworkZone, Organisation

# The owner and the maintainer are both organisations: each has its own alias in the joins.
Owner = aliased(Organisation)
Maintainer = aliased(Organisation)

CameraSelect = Select[Camera, str, str, str, str]
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])  # any query over the camera table


@dataclass(frozen=True)
class CameraFilter:
    """What the CLI, the API and the console narrow the register by; every field optional."""

    district: str | None = None
    vendor: str | None = None
    lifecycle: str | None = None
    health: str | None = None
    maintainer: str | None = None  # the maintaining organisation's name
    search: str | None = None  # text in the code, name or address, any case


def camera_select() -> CameraSelect:
    """Cameras with the names of their district, zone, owner and maintainer (read by `camera_fields`)."""
    return (
        select(
            Camera,
            District.name.label("district_name"),
            NetworkZone.name.label("zone_name"),
            Owner.name.label("owner_name"),
            Maintainer.name.label("maintainer_name"),
        )
        .outerjoin(District, Camera.district_id == District.id)
        .outerjoin(NetworkZone, Camera.zone_id == NetworkZone.id)
        .outerjoin(Owner, Camera.owner_id == Owner.id)
        .outerjoin(Maintainer, Camera.maintainer_id == Maintainer.id)
        # The names come from the joins above; the model's own joined relationships would join it all again.
        .options(lazyload("*"))
    )


def join_for_filter(query: Q, filters: CameraFilter) -> Q:
    """Joins to a bare camera query only the tables `filters` needs (`camera_select` has them all):
    counting through four outer joins costs more than fetching a page at 10,000 cameras."""
    if filters.district:
        query = query.join(District, Camera.district_id == District.id)
    if filters.maintainer:
        query = query.join(Maintainer, Camera.maintainer_id == Maintainer.id)
    return query


def where_filter(query: Q, filters: CameraFilter | None, scope: ColumnElement[bool] | None = None) -> Q:
    """`query` narrowed by `filters` and by `scope` (a WHERE clause, e.g. an engineer's cameras)."""
    if scope is not None:
        query = query.where(scope)
    if filters is None:
        return query
    if filters.district:
        query = query.where(District.name == filters.district)
    if filters.vendor:
        query = query.where(Camera.vendor == filters.vendor.lower())
    if filters.lifecycle:
        query = query.where(Camera.lifecycle == filters.lifecycle.lower())
    if filters.health:
        query = query.where(Camera.health == filters.health.lower())
    if filters.maintainer:
        query = query.where(Maintainer.name == filters.maintainer)
    if filters.search and filters.search.strip():
        # The text typed is matched as it is: '%' and '_' are LIKE's wildcards unless escaped.
        typed = filters.search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        needle = f"%{typed}%"
        query = query.where(
            func.lower(Camera.code).like(needle, escape="\\")
            | func.lower(Camera.name).like(needle, escape="\\")
            | func.lower(func.coalesce(Camera.address, "")).like(needle, escape="\\")
        )
    return query


def camera_fields(row: Any) -> dict[str, Any]:
    """A row of `camera_select` as the register's fields: never the username or password, only whether
    the camera has them. `installed_on` stays a date."""
    camera: Camera = row[0]
    return {
        "code": camera.code,
        "name": camera.name,
        "vendor": camera.vendor,
        "model": camera.model,
        "kind": camera.kind,
        "latitude": camera.latitude,
        "longitude": camera.longitude,
        "address": camera.address,
        "district": row.district_name,
        "zone": row.zone_name,
        "network_node": camera.network_node,
        "heading_deg": camera.heading_deg,
        "hfov_deg": camera.hfov_deg,
        "mount_height_m": camera.mount_height_m,
        "focal_mm": camera.focal_mm,
        "sensor_width_mm": camera.sensor_width_mm,
        "resolution": f"{camera.width}x{camera.height}" if camera.width and camera.height else None,
        "fps": camera.fps,
        "min_bitrate_kbps": camera.min_bitrate_kbps,
        "main_stream_url": camera.main_stream_url,
        "sub_stream_url": camera.sub_stream_url,
        "onvif_url": camera.onvif_url,
        "rtsp_transport": camera.rtsp_transport,
        "owner": row.owner_name,
        "maintainer": row.maintainer_name,
        "installed_on": camera.installed_on,
        "lifecycle": camera.lifecycle,
        "tags": list(camera.tags or []),
        "health": camera.health,
        "has_credentials": bool(camera.username or camera.password_encrypted),
    }


def _row_to_dict(row: Any) -> dict[str, Any]:
    """The inventory's plain row (export, `cameras list --json`): JSON-ready, the date as ISO text."""
    fields = camera_fields(row)
    if fields["installed_on"] is not None:
        fields["installed_on"] = fields["installed_on"].isoformat()
    return fields


def iter_cameras(
    session: Session, filters: CameraFilter | None = None, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every camera as an inventory dict; credentials are never part of it."""
    query = where_filter(camera_select(), filters).order_by(Camera.code)
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield _row_to_dict(row)


def get_camera(session: Session, code: str) -> dict[str, Any]:
    row = session.execute(camera_select().where(Camera.code == code)).first()
    if row is None:
        raise NotFoundError.camera(code)
    return _row_to_dict(row)


def camera_by_code(session: Session, code: str, scope: ColumnElement[bool] | None = None) -> Camera:
    """The camera's row, if `scope` (a WHERE clause, e.g. an engineer's cameras) lets the caller see it;
    NotFoundError otherwise, the same for both, so that nobody learns of cameras outside their scope."""
    query = select(Camera).where(Camera.code == code)
    if scope is not None:
        query = query.where(scope)
    camera = session.scalar(query)
    if camera is None:
        raise NotFoundError.camera(code)
    return camera


def count_cameras(session: Session) -> int:
    return int(session.scalar(select(func.count(Camera.id))) or 0)
