"""The coverage matrix on a tiny scene whose answer can be worked out by hand."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=60, deadline=None)
@given(
    boxes=st.lists(
        st.tuples(st.integers(-40, 40), st.integers(-40, 40), st.integers(1, 15), st.integers(1, 15)),
        min_size=1,
        max_size=6,
    ),
    heading=st.floats(0, 360, allow_nan=False, exclude_max=True),
    seed=st.integers(0, 2**31 - 1),
)
def test_covered_rows_are_never_behind_a_building(boxes: list, heading: float, seed: int) -> None:
    """Property through the whole matrix builder: whatever it counts as covered is in plain view."""
    polys = [shapely.box(x, y, x + w, y + h) for x, y, w, h in boxes]
    union = shapely.union_all(polys)
    if union.distance(shapely.Point(0.3, 0.3)) < 0.5:
        return  # the camera would stand in or on a building
    rng = np.random.default_rng(seed)
    cells = {(int(a), int(b)) for a, b in rng.integers(-50, 50, size=(300, 2))}
    pts = [(a + 0.5, b + 0.5, "detect") for a, b in cells if (a + 0.5, b + 0.5) != (0.5, 0.5)]
    demand = _demand(pts)
    site = MetricSite(0.3, 0.3, 6.0, (0,), (heading,))
    mat = build_coverage([site], [CameraModel("m", 90.0, 1920)], demand, Obstacles.from_polygons(polys))
    rows = mat.a.indices
    segs = shapely.linestrings(
        np.stack(
            [
                np.stack([np.full(rows.size, 0.3), demand.x[rows]], 1),
                np.stack([np.full(rows.size, 0.3), demand.y[rows]], 1),
            ],
            2,
        )
    )
    assert not shapely.intersects(segs, union).any()
    # And each covered row lies in the wedge and within the detect range.
    b = np.mod(np.degrees(np.arctan2(demand.x[rows] - 0.3, demand.y[rows] - 0.3)), 360)
    assert np.all(np.abs(np.mod(b - heading + 180, 360) - 180) <= 45 + 1e-6)
    assert np.all(
        np.hypot(demand.x[rows] - 0.3, demand.y[rows] - 0.3) <= ground_range_m(1920, 90.0, 25.0) + 1e-9
    )
