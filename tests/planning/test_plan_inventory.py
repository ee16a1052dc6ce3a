"""Existing cameras come from the inventory as plain dataclasses (SQLite and PostgreSQL)."""

from __future__ import annotations

from qarauyl.planning import apply_overrides, load_existing_cameras
from qarauyl.planning.layers import ExistingCamera
from qarauyl.store import Camera, Database


def _cam(code: str, **kw: object) -> Camera:
    base: dict[str, object] = dict(
        code=code,
        name=code,
        vendor="hikvision",
        kind="fixed",
        latitude=43.293,
        longitude=68.27,
        lifecycle="connected",
        health="ok",
    )
    base.update(kw)
    return Camera(**base)


def test_load_existing_cameras(db: Database) -> None:
    with db.session() as s:
        s.add_all(
            [
                _cam("A", heading_deg=370.0, hfov_deg=60.0, width=2560, health="failed"),
                _cam("B", heading_deg=None, hfov_deg=None, width=None),
                _cam("C", lifecycle="decommissioned"),
                _cam("D", lifecycle="planned", health="unknown"),
            ]
        )
    cams = {c.code: c for c in load_existing_cameras(db, mount_height_m=7.0)}
    assert set(cams) == {"A", "B", "D"}
    a, b = cams["A"], cams["B"]
    assert a.heading_deg == 10.0 and a.hfov_deg == 60.0 and a.width_px == 2560 and not a.working
    assert a.mount_height_m == 7.0
    assert b.heading_deg is None and b.hfov_deg == 90.0 and b.width_px == 1920 and b.working
    assert cams["D"].lifecycle == "planned"


def test_overrides_from_a_file_by_code() -> None:
    store = [ExistingCamera("A", 43.0, 68.0, None), ExistingCamera("B", 43.0, 68.0, 90.0)]
    file = [ExistingCamera("A", 43.0, 68.0, 45.0, mount_height_m=9.0), ExistingCamera("Z", 43.1, 68.1, 0.0)]
    out = {c.code: c for c in apply_overrides(store, file)}
    assert out["A"].heading_deg == 45.0 and out["A"].mount_height_m == 9.0
    assert out["B"].heading_deg == 90.0 and "Z" in out
