"""Existing cameras read from the inventory as the planner's plain dataclasses (the solver never sees
the database). Mount height and lens are not in the store yet: documented defaults, overridable by code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select

from qarauyl.planning.camera import DEFAULT_HFOV_DEG, DEFAULT_MOUNT_HEIGHT_M, DEFAULT_WIDTH_PX
from qarauyl.planning.layers import ExistingCamera
from qarauyl.store import Camera, Database


def load_existing_cameras(
    db: Database,
    *,
    mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M,
    hfov_deg: float = DEFAULT_HFOV_DEG,
    width_px: int = DEFAULT_WIDTH_PX,
) -> list[ExistingCamera]:
    """Every camera that is not decommissioned, with the given defaults where the inventory has no value.
    Planned cameras are returned too (lifecycle `planned`); the analyses count only installed/connected."""
    with db.session() as session:
        rows = session.execute(
            select(
                Camera.code,
                Camera.latitude,
                Camera.longitude,
                Camera.heading_deg,
                Camera.hfov_deg,
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
            hfov_deg=float(r.hfov_deg) if r.hfov_deg and 0 < r.hfov_deg < 180 else hfov_deg,
            width_px=int(r.width) if r.width else width_px,
            mount_height_m=mount_height_m,
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
