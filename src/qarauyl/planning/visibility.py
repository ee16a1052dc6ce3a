"""2-D visibility past building footprints: the angular horizon seen from a camera site.

From a site, the horizon is, for each of `bins` angular sectors, the smallest distance at which any
building edge lies inside that sector. A point is visible when it is nearer than the horizon of its
sector. That test is conservative by construction: if the straight line from the site to a point
crosses an edge, the edge occupies the point's sector at a distance below the point's, so the point is
declared hidden. Near a building's silhouette a visible point can be declared hidden (at most one sector
wide, 0.25° by default, i.e. 0.4 m at 100 m); a hidden point is never declared visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

TWO_PI = 2.0 * np.pi
DEFAULT_BINS = 1440
# A camera mounted on a facade sits on (or within centimetres of) the wall it hangs from; that wall
# must not hide the whole half-plane. Edges nearer than this to the site are ignored: the other walls
# of the same building still hide what is behind it.
MOUNT_CLEARANCE_M = 0.3


@dataclass
class Obstacles:
    """Building footprints in metric coordinates, as edges grouped by building, with a spatial index."""

    polygons: NDArray[np.object_]
    edges: NDArray[np.float64]  # (E, 4): ax, ay, bx, by
    edge_ptr: NDArray[np.int64]  # edges of building b are edges[edge_ptr[b]:edge_ptr[b+1]]
    tree: shapely.STRtree

    @classmethod
    def from_polygons(cls, polygons: list[shapely.Geometry] | NDArray[np.object_]) -> Obstacles:
        polys = np.asarray(polygons, dtype=object)
        if polys.size == 0:
            return cls(polys, np.zeros((0, 4)), np.zeros(1, dtype=np.int64), shapely.STRtree(polys))
        boundaries = shapely.boundary(polys)
        parts, part_building = shapely.get_parts(boundaries, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        same = coord_part[1:] == coord_part[:-1]
        a = coords[:-1][same]
        b = coords[1:][same]
        edge_building = part_building[coord_part[:-1][same]]
        # parts come out grouped by building and coordinates by part, so edges are already grouped.
        counts = np.bincount(edge_building, minlength=polys.size)
        ptr = np.zeros(polys.size + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return cls(polys, np.hstack([a, b]).astype(np.float64), ptr, shapely.STRtree(polys))

    def __len__(self) -> int:
        return int(self.polygons.size)

    def edges_near(self, x: float, y: float, radius: float) -> NDArray[np.float64]:
        hits = self.tree.query(shapely.box(x - radius, y - radius, x + radius, y + radius))
        return self.edges_of(np.asarray(hits, dtype=np.int64))

    def edges_of(self, buildings: NDArray[np.int64]) -> NDArray[np.float64]:
        if buildings.size == 0:
            return self.edges[:0]
        starts = self.edge_ptr[buildings]
        lens = self.edge_ptr[buildings + 1] - starts
        idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
        return self.edges[idx]


def horizon(edges: NDArray[np.float64], x: float, y: float, bins: int = DEFAULT_BINS) -> NDArray[np.float64]:
    """Per angular sector (compass bearing, sector k covers [k, k+1)·360/bins degrees), the smallest
    distance from (x, y) to a building edge in that sector; +inf where nothing blocks."""
    out = np.full(bins, np.inf)
    if edges.shape[0] == 0:
        return out
    ax = edges[:, 0] - x
    ay = edges[:, 1] - y
    bx = edges[:, 2] - x
    by = edges[:, 3] - y
    vx = bx - ax
    vy = by - ay
    len2 = vx * vx + vy * vy
    # Foot of the perpendicular from the site to the edge's line, and the nearest point of the segment.
    t_line = np.where(len2 > 0, -(ax * vx + ay * vy) / np.where(len2 > 0, len2, 1.0), 0.0)
    t_seg = np.clip(t_line, 0.0, 1.0)
    seg_dist = np.hypot(ax + t_seg * vx, ay + t_seg * vy)
    keep = seg_dist >= MOUNT_CLEARANCE_M
    if not keep.any():
        return out
    ax, ay, bx, by, vx, vy, t_line = (v[keep] for v in (ax, ay, bx, by, vx, vy, t_line))
    fx = ax + t_line * vx
    fy = ay + t_line * vy
    p = np.hypot(fx, fy)  # distance from site to the edge's line
    ta = np.arctan2(ax, ay)
    tb = np.arctan2(bx, by)
    delta = np.mod(tb - ta + np.pi, TWO_PI) - np.pi
    start = np.where(delta >= 0, ta, tb)
    start = np.mod(start, TWO_PI)
    span = np.abs(delta)
    phi = np.arctan2(fx, fy)
    phi_u = start + np.mod(phi - start, TWO_PI)  # foot angle in the edge's unwrapped frame
    bw = TWO_PI / bins
    k0 = np.floor(start / bw).astype(np.int64)
    k1 = np.floor((start + span) / bw).astype(np.int64)
    n = k1 - k0 + 1
    e = np.repeat(np.arange(n.size), n)
    k = np.repeat(k0 - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
    c0 = np.maximum(k * bw, start[e])
    c1 = np.minimum((k + 1) * bw, start[e] + span[e])
    pe = p[e]
    pu = phi_u[e]
    inside = (pu >= c0) & (pu <= c1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = pe / np.cos(c0 - pu)
        r1 = pe / np.cos(c1 - pu)
    r = np.where(inside, pe, np.minimum(r0, r1))
    # An edge seen end-on (the site on its line): the span is a point and the distance is the nearer end.
    degenerate = pe < 1e-9
    if degenerate.any():
        ends = np.minimum(np.hypot(ax, ay), np.hypot(bx, by))[e]
        r = np.where(degenerate, ends, r)
    r = np.where(np.isfinite(r) & (r >= 0), r, np.minimum(np.hypot(ax, ay), np.hypot(bx, by))[e])
    np.minimum.at(out, np.mod(k, bins), r)
    return out


def sector_of(
    dx: NDArray[np.float64], dy: NDArray[np.float64], bins: int = DEFAULT_BINS
) -> NDArray[np.int64]:
    """Sector index (as in `horizon`) of vectors (dx east, dy north)."""
    b = np.mod(np.arctan2(dx, dy), TWO_PI)
    return np.minimum((b / (TWO_PI / bins)).astype(np.int64), bins - 1)


def visible(
    dx: NDArray[np.float64],
    dy: NDArray[np.float64],
    dist: NDArray[np.float64],
    hz: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which points (offsets from the site) are nearer than the horizon of their sector."""
    # The small margin keeps a point lying exactly on a wall (or at a corner) on the hidden side.
    return dist < hz[sector_of(dx, dy, hz.size)] - 1e-6
