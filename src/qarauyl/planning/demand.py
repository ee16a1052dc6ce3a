"""Demand: the layers turned into weighted points on a regular metric grid, one row per (cell, tier, layer).

Polygons spread their value evenly over the cells whose centre they contain, points over a disc, roads
over the cells along them (value per km), incidents as a Gaussian density surface. Cells inside
buildings carry no demand (outdoor cameras cannot see there)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from qarauyl.errors import InputError
from qarauyl.planning.camera import DEFAULT_TIERS, Tier, tier_index
from qarauyl.planning.geo import LocalProjection
from qarauyl.planning.layers import DEFAULT_TIER, DemandLayer
from qarauyl.planning.visibility import Obstacles

# Beyond this the grid becomes the memory problem (one row per cell and tier): ask for a coarser step.
MAX_CELLS = 40_000_000


@dataclass
class Demand:
    """Rows sorted by cell key (iy · nx + ix); x, y are cell centres in the run's metric projection."""

    step: float
    x0: float
    y0: float
    nx: int
    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    weight: NDArray[np.float64]
    tier: NDArray[np.int8]
    layer: NDArray[np.int16]
    layer_names: list[str]
    tiers: tuple[Tier, ...]
    cell_key: NDArray[np.int64]  # unique keys of cells with demand, sorted
    cell_ptr: NDArray[np.int64]  # rows of cell c: cell_ptr[c]:cell_ptr[c+1]

    @property
    def x(self) -> NDArray[np.float64]:
        return (self.x0 + (self.ix + 0.5) * self.step).astype(np.float64)

    @property
    def y(self) -> NDArray[np.float64]:
        return (self.y0 + (self.iy + 0.5) * self.step).astype(np.float64)

    def __len__(self) -> int:
        return int(self.weight.size)

    def cells_near(self, x: float, y: float, radius: float) -> NDArray[np.int64]:
        """Indices of demand cells in the square window of half-side `radius` around (x, y)."""
        if self.cell_key.size == 0:
            return np.zeros(0, dtype=np.int64)
        ix0 = max(int(np.floor((x - radius - self.x0) / self.step)), 0)
        ix1 = min(int(np.floor((x + radius - self.x0) / self.step)), self.nx - 1)
        iy0 = max(int(np.floor((y - radius - self.y0) / self.step)), 0)
        iy1 = int(np.floor((y + radius - self.y0) / self.step))
        if ix1 < ix0 or iy1 < iy0:
            return np.zeros(0, dtype=np.int64)
        rows = np.arange(iy0, iy1 + 1, dtype=np.int64) * self.nx
        lo = np.searchsorted(self.cell_key, rows + ix0, side="left")
        hi = np.searchsorted(self.cell_key, rows + ix1, side="right")
        lens = hi - lo
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        out: NDArray[np.int64] = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(total)
        return out

    def layer_totals(self) -> NDArray[np.float64]:
        return np.bincount(self.layer, weights=self.weight, minlength=len(self.layer_names)).astype(
            np.float64
        )


def _grid(xmin: float, ymin: float, xmax: float, ymax: float, step: float) -> tuple[NDArray[np.float64], ...]:
    xs = np.arange(np.floor(xmin / step) * step + step / 2, xmax + step / 2, step)
    ys = np.arange(np.floor(ymin / step) * step + step / 2, ymax + step / 2, step)
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def _polygon_points(poly: shapely.Geometry, step: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    minx, miny, maxx, maxy = poly.bounds
    gx, gy = _grid(minx, miny, maxx, maxy, step)
    shapely.prepare(poly)
    inside = shapely.contains_xy(poly, gx, gy)
    if not inside.any():
        c = poly.representative_point()
        return np.array([c.x]), np.array([c.y])
    return gx[inside], gy[inside]


def _line_points(line: shapely.Geometry, step: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    parts = shapely.get_parts(line)
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    for part in parts:
        dist = np.arange(0.0, part.length + step / 2, step / 2)
        pts = shapely.get_coordinates(shapely.line_interpolate_point(part, dist))
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
    return np.concatenate(xs), np.concatenate(ys)


def _disc_points(
    x: float, y: float, radius: float, step: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    gx, gy = _grid(x - radius, y - radius, x + radius, y + radius, step)
    d2 = (gx - x) ** 2 + (gy - y) ** 2
    inside = d2 <= radius * radius
    if not inside.any():
        return np.array([x]), np.array([y]), np.array([0.0])
    return gx[inside], gy[inside], d2[inside]


def build_demand(
    layers: list[DemandLayer],
    projection: LocalProjection,
    *,
    step: float = 5.0,
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
    obstacles: Obstacles | None = None,
) -> Demand:
    """Rasterises the demand layers (not `buildings`) onto a grid of `step` metres."""
    if step <= 0:
        raise InputError(f"The grid step must be > 0 m, not {step:g}.")
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    ws: list[NDArray[np.float64]] = []
    ts: list[NDArray[np.int64]] = []
    ls: list[NDArray[np.int64]] = []
    names: list[str] = []
    fwd = projection.to_xy
    for layer in layers:
        if layer.kind == "buildings":
            continue
        li = len(names)
        names.append(layer.name)
        geoms = shapely.transform(
            np.array([f.geometry for f in layer.features], dtype=object),
            lambda c: np.column_stack(fwd(c[:, 0], c[:, 1])),
        )
        for feat, g in zip(layer.features, geoms, strict=True):
            mass = feat.value * layer.weight
            if mass <= 0:
                continue
            tier = tier_index(tiers, feat.tier or layer.tier or DEFAULT_TIER.get(layer.kind, "detect"))
            if g.geom_type in ("Polygon", "MultiPolygon"):
                px, py = _polygon_points(g, step)
                pw = np.full(px.size, mass / px.size)
            elif g.geom_type in ("LineString", "MultiLineString"):
                px, py = _line_points(g, step)
                # Value per km of road: the points are step/2 apart, so each carries half a step.
                pw = np.full(px.size, mass * (step / 2.0) / 1000.0)
            else:
                pts = shapely.get_coordinates(g)
                px_l, py_l, pw_l = [], [], []
                for cx, cy in pts:
                    if layer.kind == "incidents":
                        bw = layer.bandwidth_m
                        qx, qy, d2 = _disc_points(cx, cy, 3.0 * bw, step)
                        k = np.exp(-d2 / (2.0 * bw * bw))
                    else:
                        radius = feat.radius_m if feat.radius_m is not None else layer.radius_m
                        qx, qy, _ = _disc_points(cx, cy, radius, step)
                        k = np.ones(qx.size)
                    px_l.append(qx)
                    py_l.append(qy)
                    pw_l.append(k / k.sum() * mass / len(pts))
                px, py, pw = np.concatenate(px_l), np.concatenate(py_l), np.concatenate(pw_l)
            xs.append(px)
            ys.append(py)
            ws.append(pw)
            ts.append(np.full(px.size, tier, dtype=np.int64))
            ls.append(np.full(px.size, li, dtype=np.int64))
    if not xs:
        raise InputError("No demand: give at least one layer of areas, points, incidents or roads.")
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    w = np.concatenate(ws)
    t = np.concatenate(ts)
    lay = np.concatenate(ls)
    x0 = float(np.floor(x.min() / step) * step) - step
    y0 = float(np.floor(y.min() / step) * step) - step
    ix = np.floor((x - x0) / step).astype(np.int64)
    iy = np.floor((y - y0) / step).astype(np.int64)
    nx = int(ix.max()) + 2
    if nx * (int(iy.max()) + 2) > MAX_CELLS * 4:
        raise InputError(
            f"The layers span {nx * step / 1000:.0f} km × {(iy.max() + 2) * step / 1000:.0f} km: too large "
            f"for a {step:g} m grid; use a coarser step or split the area."
        )
    key = iy * nx + ix
    # One row per (cell, tier, layer): weights of coincident points add up.
    combo = (key * len(tiers) + t) * max(len(names), 1) + lay
    uniq, inv = np.unique(combo, return_inverse=True)
    if uniq.size > MAX_CELLS:
        raise InputError(f"{uniq.size} demand rows is too many; use a coarser grid step than {step:g} m.")
    weight = np.bincount(inv.ravel(), weights=w, minlength=uniq.size).astype(np.float64)
    lay_u = (uniq % max(len(names), 1)).astype(np.int16)
    rest = uniq // max(len(names), 1)
    tier_u = (rest % len(tiers)).astype(np.int8)
    key_u = rest // len(tiers)
    ix_u = key_u % nx
    iy_u = key_u // nx
    if obstacles is not None and len(obstacles):
        cx = x0 + (ix_u + 0.5) * step
        cy = y0 + (iy_u + 0.5) * step
        hit_pt, _ = obstacles.tree.query(shapely.points(cx, cy), predicate="intersects")
        outside = np.ones(uniq.size, dtype=bool)
        outside[hit_pt] = False
        key_u, ix_u, iy_u, weight, tier_u, lay_u = (
            v[outside] for v in (key_u, ix_u, iy_u, weight, tier_u, lay_u)
        )
    cell_key, cell_start = np.unique(key_u, return_index=True)
    cell_ptr = np.append(cell_start, key_u.size).astype(np.int64)
    return Demand(step, x0, y0, nx, ix_u, iy_u, weight, tier_u, lay_u, names, tiers, cell_key, cell_ptr)
