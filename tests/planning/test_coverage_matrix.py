"""The coverage matrix on a tiny scene whose answer can be worked out by hand."""

from __future__ import annotations

import numpy as np
import shapely

from qarauyl.planning.camera import DEFAULT_TIERS, CameraModel, ground_range_m
from qarauyl.planning.coverage import MetricSite, build_coverage
from qarauyl.planning.demand import Demand
from qarauyl.planning.visibility import Obstacles


def _demand(points: list[tuple[float, float, str]], step: float = 1.0) -> Demand:
    """Demand rows at cell centres (x, y must be k + 0.5), one per point, tiers by name."""
    names = [t.name for t in DEFAULT_TIERS]
    ix = np.array([int(np.floor(x + 100)) for x, _, _ in points])
    iy = np.array([int(np.floor(y + 100)) for _, y, _ in points])
    nx = 400
    key = iy * nx + ix
    order = np.argsort(key, kind="stable")
    ix, iy, key = ix[order], iy[order], key[order]
    tiers = np.array([names.index(points[i][2]) for i in order], dtype=np.int8)
    cell_key, start = np.unique(key, return_index=True)
    return Demand(
        step,
        -100.0,
        -100.0,
        nx,
        ix,
        iy,
        np.ones(len(points)),
        tiers,
        np.zeros(len(points), dtype=np.int16),
        ["l"],
        DEFAULT_TIERS,
        cell_key,
        np.append(start, key.size).astype(np.int64),
    )


def test_heading_fov_range_and_buildings() -> None:
    model = CameraModel("m", 90.0, 1920)
    detect = ground_range_m(1920, 90.0, 25.0, mount_height_m=6.0)  # about 38 m
    demand = _demand(
        [
            (0.5, 20.5, "detect"),  # north, in range
            (0.5, 60.5, "detect"),  # north, beyond range
            (20.5, 0.5, "detect"),  # east
            (0.5, 30.5, "identify"),  # north but far beyond the identify range
            (-0.5, -20.5, "detect"),  # south, behind the building
            (-5.5, 10.5, "detect"),  # north-north-west: inside a wedge centred on north
        ]
    )
    by_xy = {
        (round(float(x), 1), round(float(y), 1)): i
        for i, (x, y) in enumerate(zip(demand.x, demand.y, strict=False))
    }
    obstacles = Obstacles.from_polygons([shapely.box(-5, -12, 5, -10)])
    site = MetricSite(0.0, 0.0, 6.0, (0,), (0.0, 90.0, 180.0, 270.0))
    mat = build_coverage([site], [model], demand, obstacles)
    assert mat.n_columns == 4 and mat.col_heading.tolist() == [0.0, 90.0, 180.0, 270.0]
    north = set(mat.a.indices[mat.a.indptr[0] : mat.a.indptr[1]].tolist())
    east = set(mat.a.indices[mat.a.indptr[1] : mat.a.indptr[2]].tolist())
    south = set(mat.a.indices[mat.a.indptr[2] : mat.a.indptr[3]].tolist())
    assert north == {by_xy[(0.5, 20.5)], by_xy[(-5.5, 10.5)]}
    assert east == {by_xy[(20.5, 0.5)]}
    assert south == set()  # the only southern point is behind the building
    assert 30 < detect < 40


def test_wedge_across_north_in_the_matrix() -> None:
    model = CameraModel("m", 40.0, 1920)
    # Points at bearings 340°, 355°, 5°, 25° at 10 m.
    pts = []
    for b in (340.0, 355.0, 5.0, 25.0):
        r = np.radians(b)
        pts.append((np.floor(10 * np.sin(r)) + 0.5, np.floor(10 * np.cos(r)) + 0.5, "detect"))
    demand = _demand(pts)
    bearings = np.mod(np.degrees(np.arctan2(demand.x, demand.y)), 360)
    mat = build_coverage([MetricSite(0.0, 0.0, 6.0, (0,), (350.0,))], [model], demand, None)
    covered = np.zeros(len(demand), dtype=bool)
    covered[mat.a.indices] = True
    expected = np.abs(np.mod(bearings - 350.0 + 180, 360) - 180) <= 20.0
    assert covered.tolist() == expected.tolist()
    # 340° and 355° (west of north) and 5° (east of north) are inside 330°..10°; 25° is not.
    assert covered.sum() == 3
    assert covered[demand.x < 0].all() and covered[(demand.x > 0) & (bearings < 10)].all()
