"""Visibility past building footprints: a point behind a building is never seen."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.planning.visibility import MOUNT_CLEARANCE_M, Obstacles, horizon, visible


def _visible(obstacles: Obstacles, sx: float, sy: float, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    dx, dy = px - sx, py - sy
    hz = horizon(obstacles.edges_near(sx, sy, 500.0), sx, sy)
    return visible(dx, dy, np.hypot(dx, dy), hz)


def test_wall_hides_what_is_behind_it() -> None:
    obstacles = Obstacles.from_polygons([shapely.box(10, -5, 12, 5)])
    px = np.array([5.0, 20.0, 20.0, 20.0, -20.0])
    py = np.array([0.0, 0.0, 15.0, 20.0, 0.0])
    # In front: seen; straight behind: hidden; behind but beside the shadow: seen; other side: seen.
    assert _visible(obstacles, 0.0, 0.0, px, py).tolist() == [True, False, True, True, True]


def test_points_inside_a_building_are_hidden() -> None:
    obstacles = Obstacles.from_polygons([shapely.box(10, -5, 30, 5)])
    assert not _visible(obstacles, 0.0, 0.0, np.array([20.0]), np.array([0.0]))[0]


def test_no_buildings_sees_everything() -> None:
    obstacles = Obstacles.from_polygons([])
    assert _visible(obstacles, 0.0, 0.0, np.array([1.0, -50.0]), np.array([1.0, 3.0])).all()


def test_facade_camera_sees_the_street_but_not_through_its_building() -> None:
    # A camera 0.1 m in front of the south wall of a building looks south.
    obstacles = Obstacles.from_polygons([shapely.box(-10, 0, 10, 20)])
    sx, sy = 0.0, -0.1
    pts_x = np.array([0.0, 5.0, 0.0])
    pts_y = np.array([-20.0, -3.0, 40.0])
    assert _visible(obstacles, sx, sy, pts_x, pts_y).tolist() == [True, True, False]


boxes = st.tuples(st.floats(-60, 60), st.floats(-60, 60), st.floats(0.5, 25), st.floats(0.5, 25)).map(
    lambda t: shapely.box(t[0], t[1], t[0] + t[2], t[1] + t[3])
)


@settings(max_examples=150, deadline=None)
@given(
    polys=st.lists(boxes, min_size=1, max_size=6),
    site=st.tuples(st.floats(-80, 80), st.floats(-80, 80)),
    seed=st.integers(0, 2**31 - 1),
)
def test_a_point_behind_a_building_is_never_visible(
    polys: list, site: tuple[float, float], seed: int
) -> None:
    union = shapely.union_all(polys)
    sx, sy = site
    # The camera stands clear of every wall (closer than MOUNT_CLEARANCE_M it counts as on the facade).
    if union.distance(shapely.Point(sx, sy)) <= MOUNT_CLEARANCE_M + 1e-6:
        return
    rng = np.random.default_rng(seed)
    px = rng.uniform(-100, 100, 150)
    py = rng.uniform(-100, 100, 150)
    seen = _visible(Obstacles.from_polygons(polys), sx, sy, px, py)
    segments = shapely.linestrings(
        np.stack(
            [np.stack([np.full(px.size, sx), px], axis=1), np.stack([np.full(px.size, sy), py], axis=1)],
            axis=2,
        )
    )
    blocked = shapely.intersects(segments, union)
    assert not np.any(seen & blocked)
    # The test is conservative only near silhouettes: most unblocked points are still seen.
    free = ~blocked
    if free.sum() >= 20:
        assert seen[free].mean() > 0.8


@settings(max_examples=60, deadline=None)
@given(polys=st.lists(boxes, min_size=1, max_size=4), seed=st.integers(0, 2**31 - 1))
def test_facade_camera_never_sees_behind_buildings_from_outside_points(polys: list, seed: int) -> None:
    """A camera on a wall: points outside every building that are hidden stay hidden."""
    union = shapely.union_all(polys)
    ring = shapely.get_exterior_ring(polys[0])
    rng = np.random.default_rng(seed)
    p = ring.interpolate(float(rng.uniform(0, ring.length)))
    sx, sy = p.x, p.y
    px = rng.uniform(-100, 100, 150)
    py = rng.uniform(-100, 100, 150)
    outside = ~shapely.intersects(shapely.points(px, py), union)
    seen = _visible(Obstacles.from_polygons(polys), sx, sy, px, py)
    segments = shapely.linestrings(
        np.stack(
            [np.stack([np.full(px.size, sx), px], axis=1), np.stack([np.full(px.size, sy), py], axis=1)],
            axis=2,
        )
    )
    # A segment only touching the mounting wall at the camera is not blocked; one that crosses any
    # building's interior is.
    crosses = shapely.intersects(segments, shapely.buffer(union, -0.35))
    assert not np.any(seen & crosses & outside)
