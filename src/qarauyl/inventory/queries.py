"""Reading cameras back out of the store as plain rows in the inventory's own column names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from qarauyl.errors import NotFoundError
from qarauyl.store import Camera, District, NetworkZone, Organisation

_Owner = aliased(Organisation)
_Maintainer = aliased(Organisation)


@dataclass(frozen=True)
class CameraFilter:
    district: str | None = None
    vendor: str | None = None
    lifecycle: str | None = None
    health: str | None = None
    search: str | None = None


def _query(filters: CameraFilter | None = None) -> Select[Camera, str, str, str, str]:
    query: Select[Camera, str, str, str, str] = (
        select(
            Camera,
            District.name.label("district_name"),
            NetworkZone.name.label("zone_name"),
            _Owner.name.label("owner_name"),
            _Maintainer.name.label("maintainer_name"),
        )
        .outerjoin(District, Camera.district_id == District.id)
        .outerjoin(NetworkZone, Camera.zone_id == NetworkZone.id)
        .outerjoin(_Owner, Camera.owner_id == _Owner.id)
        .outerjoin(_Maintainer, Camera.maintainer_id == _Maintainer.id)
        .order_by(Camera.code)
    )
    if filters:
        if filters.district:
            query = query.where(District.name == filters.district)
        if filters.vendor:
            query = query.where(Camera.vendor == filters.vendor.lower())
        if filters.lifecycle:
            query = query.where(Camera.lifecycle == filters.lifecycle.lower())
        if filters.health:
            query = query.where(Camera.health == filters.health.lower())
        if filters.search:
            needle = f"%{filters.search.lower()}%"
            query = query.where(func.lower(Camera.code).like(needle) | func.lower(Camera.name).like(needle))
    return query


def _row_to_dict(row: Any) -> dict[str, Any]:
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
        "installed_on": camera.installed_on.isoformat() if camera.installed_on else None,
        "lifecycle": camera.lifecycle,
        "tags": list(camera.tags or []),
        "health": camera.health,
        "has_credentials": bool(camera.username or camera.password_encrypted),
    }


def iter_cameras(
    session: Session, filters: CameraFilter | None = None, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every camera as an inventory dict; credentials are never part of it."""
    for row in session.execute(_query(filters).execution_options(yield_per=batch)):
        yield _row_to_dict(row)


def get_camera(session: Session, code: str) -> dict[str, Any]:
    row = session.execute(_query().where(Camera.code == code)).first()
    if row is None:
        raise NotFoundError(f"No camera with code '{code}'.")
    return _row_to_dict(row)


def camera_by_code(session: Session, code: str, scope: ColumnElement[bool] | None = None) -> Camera:
    """The camera's row, if `scope` (a WHERE clause, e.g. an engineer's cameras) lets the caller see it;
    NotFoundError otherwise, the same for both, so that nobody learns of cameras outside their scope."""
    query = select(Camera).where(Camera.code == code)
    if scope is not None:
        query = query.where(scope)
    camera = session.scalar(query)
    if camera is None:
        raise NotFoundError(f"No camera with code '{code}'.")
    return camera


def count_cameras(session: Session) -> int:
    return int(session.scalar(select(func.count(Camera.id))) or 0)
