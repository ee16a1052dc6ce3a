"""Existing cameras read from the inventory as the planner's plain dataclasses (the solver never sees
the database). Optics come from the store where recorded (hfov_deg, else focal_mm with sensor_width_mm;
mount_height_m); documented defaults stand in for the rest, and an override file wins by code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select

from qarauyl.planning.camera import (
    DEFAULT_HFOV_DEG,
    DEFAULT_MOUNT_HEIGHT_M,
    DEFAULT_SENSOR_WIDTH_MM,
    DEFAULT_WIDTH_PX,
    hfov_from_focal,
)
from qarauyl.planning.layers import ExistingCamera
from qarauyl.store import Camera, Database


def stored_hfov(
    hfov_deg: float | None, focal_mm: float | None, sensor_width_mm: float | None, default: float
) -> float:
    """The field of view the planner uses for a stored camera: the recorded one when it is a usable
    wedge (0 < hfov < 180), else the one the lens gives (focal length on the sensor width, a 1/2.8"
    sensor when the width is not recorded), else `default`."""
    if hfov_deg and 0 < hfov_deg < 180:
        return float(hfov_deg)
    if focal_mm and focal_mm > 0:
        sensor = sensor_width_mm if sensor_width_mm and sensor_width_mm > 0 else DEFAULT_SENSOR_WIDTH_MM
        return hfov_from_focal(float(focal_mm), float(sensor))
    return default


def load_existing_cameras(
    db: Database,
    *,
    mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M,
    hfov_deg: float = DEFAULT_HFOV_DEG,
    width_px: int = DEFAULT_WIDTH_PX,
) -> list[ExistingCamera]:
    """Every camera that is not decommissioned; the keyword arguments are the defaults for cameras whose
    inventory row does not say (mount height, field of view, horizontal pixels).
    Planned cameras are returned too (lifecycle `planned`); the analyses count only installed/connected."""
    with db.session() as session:
        rows = session.execute(
            select(
                Camera.code,
                Camera.latitude,
                Camera.longitude,
                Camera.heading_deg,
                Camera.hfov_deg,
                Camera.focal_mm,
                Camera.sensor_width_mm,
                Camera.mount_height_m,
                Camera.width,
                Camera.health,
                Camera.lifecycle,
            )
            .where(Camera.lifecycle != "decommissioned")
            .order_by(Camera.code)
        ).all()
    return [
        ExistingCamera(
            code=r.code,
            latitude=float(r.latitude),
            longitude=float(r.longitude),
            heading_deg=None if r.heading_deg is None else float(r.heading_deg) % 360.0,
            hfov_deg=stored_hfov(r.hfov_deg, r.focal_mm, r.sensor_width_mm, hfov_deg),
            width_px=int(r.width) if r.width else width_px,
            mount_height_m=float(r.mount_height_m) if r.mount_height_m else mount_height_m,
            health=str(r.health or "unknown"),
            lifecycle=str(r.lifecycle),
        )
        for r in rows
    ]


def apply_overrides(
    cameras: Sequence[ExistingCamera], overrides: Sequence[ExistingCamera]
) -> list[ExistingCamera]:
    """Cameras from the store with the file's mount height, lens, heading and width for the same code;
    codes only in the file are added (cameras the inventory does not know yet)."""
    by_code = {c.code: c for c in overrides}
    out = []
    for c in cameras:
        o = by_code.pop(c.code, None)
        if o is None:
            out.append(c)
            continue
        out.append(
            replace(
                c,
                heading_deg=o.heading_deg if o.heading_deg is not None else c.heading_deg,
                hfov_deg=o.hfov_deg,
                width_px=o.width_px,
                mount_height_m=o.mount_height_m,
            )
        )
    out.extend(by_code.values())
    return out
