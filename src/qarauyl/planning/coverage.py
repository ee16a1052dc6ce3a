"""The coverage matrix: which demand rows each (site, heading, model) camera would see, at the tier each
row needs, past the buildings. One site at a time, fully vectorised over its neighbourhood."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from qarauyl.planning.camera import CameraModel, angle_off, bearing_deg, range_table
from qarauyl.planning.demand import Demand
from qarauyl.planning.visibility import DEFAULT_BINS, Obstacles, horizon, visible

Progress = Callable[[int], None]


@dataclass(frozen=True)
class MetricSite:
    """A site in the run's metric projection, with the models and headings to try there."""

    x: float
    y: float
    mount_height_m: float
    models: tuple[int, ...]  # indices into the run's model list
    headings: tuple[float, ...]
    extra_cost: float = 0.0


@dataclass
class CoverageMatrix:
    """A (m demand rows × n cameras) 0/1 matrix and what each column is. Columns are grouped by site."""

    a: sp.csc_matrix
    col_site: NDArray[np.int64]
    col_heading: NDArray[np.float64]
    col_model: NDArray[np.int64]
    col_cost: NDArray[np.float64]
    col_range: NDArray[np.float64]  # the longest tier range present in the demand, for drawing wedges

    @property
    def n_columns(self) -> int:
        return int(self.a.shape[1])

    def covered_rows(self, cols: Sequence[int] | NDArray[np.int64]) -> NDArray[np.bool_]:
        out = np.zeros(self.a.shape[0], dtype=bool)
        for j in cols:
            out[self.a.indices[self.a.indptr[j] : self.a.indptr[j + 1]]] = True
        return out


def _site_columns(
    site: MetricSite,
    models: Sequence[CameraModel],
    demand: Demand,
    obstacles: Obstacles | None,
    tiers_present: NDArray[np.bool_],
    bins: int,
    range_cache: dict[tuple[int, float], NDArray[np.float64]],
) -> tuple[list[NDArray[np.int32]], list[tuple[float, int, float]]]:
    tables = []
    for m in site.models:
        key = (m, site.mount_height_m)
        if key not in range_cache:
            range_cache[key] = range_table(models[m], demand.tiers, site.mount_height_m)
        tables.append(range_cache[key])
    reach = max((float(t[tiers_present].max()) for t in tables), default=0.0)
    headings = np.asarray(site.headings, dtype=np.float64)
    out_rows: list[NDArray[np.int32]] = []
    out_meta: list[tuple[float, int, float]] = []
    empty = np.zeros(0, dtype=np.int32)
    cells = demand.cells_near(site.x, site.y, reach) if reach > 0 else np.zeros(0, dtype=np.int64)
    if cells.size:
        ckey = demand.cell_key[cells]
        dx: NDArray[np.float64] = (demand.x0 + (ckey % demand.nx + 0.5) * demand.step - site.x).astype(
            np.float64
        )
        dy: NDArray[np.float64] = (demand.y0 + (ckey // demand.nx + 0.5) * demand.step - site.y).astype(
            np.float64
        )
        d = np.hypot(dx, dy)
        near = (d <= reach) & (d > 1e-6)
        if obstacles is not None and len(obstacles) and near.any():
            hz = horizon(obstacles.edges_near(site.x, site.y, reach), site.x, site.y, bins)
            near &= visible(dx, dy, d, hz)
        cells, dx, dy, d = cells[near], dx[near], dy[near], d[near]
        starts = demand.cell_ptr[cells]
        lens = demand.cell_ptr[cells + 1] - starts
        rows = (np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))).astype(
            np.int32
        )
        d_row = np.repeat(d, lens)
        b_row = np.repeat(bearing_deg(dx, dy), lens)
        t_row = demand.tier[rows]
    else:
        rows = empty
    for m, table in zip(site.models, tables, strict=True):
        half = models[m].hfov_deg / 2.0 + 1e-9
        rng = float(table[tiers_present].max()) if tiers_present.any() else 0.0
        if rows.size:
            ok = d_row <= table[t_row]
            r_m, b_m = rows[ok], b_row[ok]
            mask = angle_off(b_m[None, :], headings[:, None]) <= half
            counts = mask.sum(axis=1)
            _, ii = np.nonzero(mask)
            per = np.split(r_m[ii], np.cumsum(counts)[:-1])
        else:
            per = [empty] * headings.size
        for h, rr in zip(headings, per, strict=True):
            out_rows.append(rr)
            out_meta.append((float(h), m, rng))
    return out_rows, out_meta


# Process-pool state: set in the parent before forking so workers read it without pickling 1 M rows.
_POOL_STATE: dict[str, object] = {}


def _chunk(bounds: tuple[int, int]) -> tuple[list[NDArray[np.int32]], list[tuple[int, float, int, float]]]:
    sites: Sequence[MetricSite] = _POOL_STATE["sites"]  # type: ignore[assignment]
    rows: list[NDArray[np.int32]] = []
    meta: list[tuple[int, float, int, float]] = []
    cache: dict[tuple[int, float], NDArray[np.float64]] = {}
    for s in range(*bounds):
        r, mt = _site_columns(
            sites[s],
            _POOL_STATE["models"],  # type: ignore[arg-type]
            _POOL_STATE["demand"],  # type: ignore[arg-type]
            _POOL_STATE["obstacles"],  # type: ignore[arg-type]
            _POOL_STATE["tiers_present"],  # type: ignore[arg-type]
            _POOL_STATE["bins"],  # type: ignore[arg-type]
            cache,
        )
        rows.extend(r)
        meta.extend((s, h, m, rg) for h, m, rg in mt)
    return rows, meta


def build_coverage(
    sites: Sequence[MetricSite],
    models: Sequence[CameraModel],
    demand: Demand,
    obstacles: Obstacles | None = None,
    *,
    bins: int = DEFAULT_BINS,
    workers: int = 1,
    progress: Progress | None = None,
) -> CoverageMatrix:
    """The coverage matrix of every (site, heading, model) column. `workers` > 1 forks processes (where
    the platform can fork) that share the demand and buildings copy-on-write; columns keep site order."""
    tiers_present = np.zeros(len(demand.tiers), dtype=bool)
    tiers_present[np.unique(demand.tier)] = True
    chunk = 250
    bounds = [(i, min(i + chunk, len(sites))) for i in range(0, len(sites), chunk)]
    results: list[tuple[list[NDArray[np.int32]], list[tuple[int, float, int, float]]]] = []
    _POOL_STATE.update(
        sites=sites,
        models=models,
        demand=demand,
        obstacles=obstacles,
        tiers_present=tiers_present,
        bins=bins,
    )
    try:
        can_fork = "fork" in __import__("multiprocessing").get_all_start_methods()
        if workers > 1 and len(bounds) > 1 and can_fork:
            with ProcessPoolExecutor(
                max_workers=min(workers, os.cpu_count() or 1), mp_context=get_context("fork")
            ) as ex:
                for lo_hi, res in zip(bounds, ex.map(_chunk, bounds), strict=True):
                    results.append(res)
                    if progress:
                        progress(lo_hi[1] - lo_hi[0])
        else:
            for lo_hi in bounds:
                results.append(_chunk(lo_hi))
                if progress:
                    progress(lo_hi[1] - lo_hi[0])
    finally:
        _POOL_STATE.clear()
    all_rows = [r for res in results for r in res[0]]
    meta = [m for res in results for m in res[1]]
    counts = np.array([r.size for r in all_rows], dtype=np.int64)
    indptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(all_rows) if all_rows else np.zeros(0, dtype=np.int32)
    data = np.ones(indices.size, dtype=np.int8)
    a = sp.csc_matrix((data, indices, indptr), shape=(len(demand), counts.size))
    col_site = np.array([m[0] for m in meta], dtype=np.int64)
    col_heading = np.array([m[1] for m in meta], dtype=np.float64)
    col_model = np.array([m[2] for m in meta], dtype=np.int64)
    col_range = np.array([m[3] for m in meta], dtype=np.float64)
    extra = np.array([sites[s].extra_cost for s in col_site], dtype=np.float64)
    cost = np.array([models[m].cost for m in col_model], dtype=np.float64) + extra
    return CoverageMatrix(a, col_site, col_heading, col_model, cost.reshape(-1), col_range)
