"""The questions the planner answers, as plain functions over a Scene: where to put the next cameras
(`plan`), what each additional camera buys (`coverage_curve`), how to turn the cameras we have
(`reaim_existing`), and which broken camera to repair first (`repair_priority`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from qarauyl.errors import InputError
from qarauyl.planning.camera import (
    DEFAULT_MODELS,
    DEFAULT_TIERS,
    CameraModel,
    Tier,
    default_headings,
    range_table,
)
from qarauyl.planning.coverage import CoverageMatrix, MetricSite, build_coverage
from qarauyl.planning.demand import Demand, build_demand
from qarauyl.planning.geo import LocalProjection
from qarauyl.planning.layers import CandidateSite, DemandLayer, ExistingCamera
from qarauyl.planning.solver import (
    CoverProblem,
    Reduction,
    Solution,
    coverage_of,
    curve_bounds,
    lazy_greedy,
    local_search,
    rank_by_gain,
    reduce_rows,
    solve_greedy,
    solve_milp,
)
from qarauyl.planning.visibility import DEFAULT_BINS, Obstacles

# Step reporting for the faces: (stage name, total units or None) starts a stage; an int advances it.
StageCallback = Callable[[str, int | None], None]
AdvanceCallback = Callable[[int], None]
EXISTING_MODES = ("working", "all", "none")
COUNTED_LIFECYCLES = ("installed", "connected")
# `auto` proves the greedy answer with the MILP when the merged matrix is small enough for HiGHS to
# finish in seconds (measured: a few hundred thousand non-zeros); beyond that greedy + bound stand alone.
AUTO_MILP_MAX_NNZ = 200_000
AUTO_MILP_SECONDS = 10.0


@dataclass
class Scene:
    """Everything a run plans on, in one metric projection: demand, buildings, candidate sites, existing
    cameras and camera models. Coverage matrices are built on first use and kept."""

    projection: LocalProjection
    demand: Demand
    obstacles: Obstacles
    sites: list[CandidateSite]
    models: tuple[CameraModel, ...]
    existing: list[ExistingCamera]
    headings: tuple[float, ...]
    bins: int = DEFAULT_BINS
    workers: int = 1
    timings: dict[str, float] = field(default_factory=dict)
    _candidates: CoverageMatrix | None = None
    _existing: CoverageMatrix | None = None
    _existing_cams: list[ExistingCamera] = field(default_factory=list)

    def candidate_matrix(self, progress: AdvanceCallback | None = None) -> CoverageMatrix:
        if self._candidates is None:
            t0 = time.monotonic()
            names = {m.name: i for i, m in enumerate(self.models)}
            xs, ys = self.projection.to_xy(
                [s.longitude for s in self.sites], [s.latitude for s in self.sites]
            )
            msites = []
            for s, x, y in zip(self.sites, xs, ys, strict=True):
                unknown = [m for m in s.models if m not in names]
                if unknown:
                    raise InputError(
                        f"Site {s.site_id}: unknown camera model(s) {', '.join(unknown)}; "
                        f"known: {', '.join(names)}."
                    )
                idx = tuple(names[m] for m in s.models) if s.models else tuple(range(len(self.models)))
                msites.append(
                    MetricSite(
                        float(x), float(y), s.mount_height_m, idx, s.headings or self.headings, s.extra_cost
                    )
                )
            self._candidates = build_coverage(
                msites,
                self.models,
                self.demand,
                self.obstacles,
                bins=self.bins,
                workers=self.workers,
                progress=progress,
            )
            self.timings["candidate coverage"] = time.monotonic() - t0
        return self._candidates

    def existing_matrix(self) -> tuple[CoverageMatrix, list[ExistingCamera]]:
        """One column per installed camera with a known heading, at its own field of view."""
        if self._existing is None:
            cams = [
                c for c in self.existing if c.heading_deg is not None and c.lifecycle in COUNTED_LIFECYCLES
            ]
            self._existing, self._existing_cams = _camera_matrix(self, cams, per_camera_headings=None)
        return self._existing, self._existing_cams

    def baseline_rows(self, mode: str) -> NDArray[np.bool_]:
        if mode not in EXISTING_MODES:
            raise InputError(f"Existing cameras '{mode}': use one of {', '.join(EXISTING_MODES)}.")
        if mode == "none" or not self.existing:
            return np.zeros(len(self.demand), dtype=bool)
        mat, cams = self.existing_matrix()
        cols = [i for i, c in enumerate(cams) if mode == "all" or c.working]
        return mat.covered_rows(cols)


def _camera_matrix(
    scene: Scene, cams: Sequence[ExistingCamera], per_camera_headings: tuple[float, ...] | None
) -> tuple[CoverageMatrix, list[ExistingCamera]]:
    if not cams:
        import scipy.sparse as sp

        empty = np.zeros(0)
        return CoverageMatrix(
            sp.csc_matrix((len(scene.demand), 0), dtype=np.int8),
            empty.astype(np.int64),
            empty,
            empty.astype(np.int64),
            empty,
            empty,
        ), []
    xs, ys = scene.projection.to_xy([c.longitude for c in cams], [c.latitude for c in cams])
    models = [CameraModel(c.code, c.hfov_deg, c.width_px, cost=0.0, max_range_m=c.max_range_m) for c in cams]
    sites = [
        MetricSite(
            float(x),
            float(y),
            c.mount_height_m,
            (i,),
            per_camera_headings if per_camera_headings is not None else (float(c.heading_deg or 0.0),),
        )
        for i, (c, x, y) in enumerate(zip(cams, xs, ys, strict=True))
    ]
    return build_coverage(sites, models, scene.demand, scene.obstacles, bins=scene.bins), list(cams)


def generate_candidates(
    layers: Sequence[DemandLayer],
    demand: Demand,
    projection: LocalProjection,
    obstacles: Obstacles,
    *,
    spacing_m: float = 40.0,
) -> list[CandidateSite]:
    """Candidate sites when the user gives none: points every `spacing_m` along the roads (poles stand by
    roads) plus a `spacing_m` grid over the demand, keeping those outside buildings."""
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    for layer in layers:
        if layer.kind != "roads":
            continue
        for f in layer.features:
            g = shapely.transform(f.geometry, lambda c: np.column_stack(projection.to_xy(c[:, 0], c[:, 1])))
            for part in shapely.get_parts(g):
                if part.geom_type != "LineString":
                    continue
                pts = shapely.get_coordinates(
                    shapely.line_interpolate_point(part, np.arange(0.0, part.length + 1e-9, spacing_m))
                )
                xs.append(pts[:, 0])
                ys.append(pts[:, 1])
    # A coarse grid over the cells that carry demand.
    cx = demand.x0 + (demand.cell_key % demand.nx + 0.5) * demand.step
    cy = demand.y0 + (demand.cell_key // demand.nx + 0.5) * demand.step
    if cx.size:
        gk = np.unique(np.stack([np.floor(cx / spacing_m), np.floor(cy / spacing_m)], axis=1), axis=0)
        xs.append((gk[:, 0] + 0.5) * spacing_m)
        ys.append((gk[:, 1] + 0.5) * spacing_m)
    if not xs:
        return []
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    # Merge sites closer than a few metres (road samples at junctions, grid points on roads).
    _, keep = np.unique(np.stack([np.round(x / 5.0), np.round(y / 5.0)], axis=1), axis=0, return_index=True)
    keep = np.sort(keep)
    x, y = x[keep], y[keep]
    if len(obstacles):
        hit, _ = obstacles.tree.query(shapely.points(x, y), predicate="intersects")
        out = np.ones(x.size, dtype=bool)
        out[hit] = False
        x, y = x[out], y[out]
    lon, lat = projection.to_lonlat(x, y)
    return [
        CandidateSite(f"gen-{i + 1}", float(la), float(lo))
        for i, (lo, la) in enumerate(zip(lon, lat, strict=True))
    ]


def prepare_scene(
    layers: Sequence[DemandLayer],
    *,
    candidates: Sequence[CandidateSite] | None = None,
    existing: Sequence[ExistingCamera] = (),
    models: Sequence[CameraModel] = DEFAULT_MODELS,
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
    step_m: float = 5.0,
    headings: int = 16,
    candidate_spacing_m: float = 40.0,
    bins: int = DEFAULT_BINS,
    workers: int = 1,
) -> Scene:
    """Projects the inputs, rasterises the demand (outside buildings) and settles the candidate sites."""
    if not models:
        raise InputError("No camera models to plan with.")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise InputError(f"Camera model names must be unique: {', '.join(names)}.")
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    lons: list[float] = []
    lats: list[float] = []
    for layer in layers:
        for f in layer.features[:2000]:
            c = f.geometry.centroid
            lons.append(c.x)
            lats.append(c.y)
    projection = LocalProjection.for_points(lons, lats)
    building_geoms = [f.geometry for layer in layers if layer.kind == "buildings" for f in layer.features]
    polys = (
        shapely.transform(
            np.array(building_geoms, dtype=object),
            lambda c: np.column_stack(projection.to_xy(c[:, 0], c[:, 1])),
        )
        if building_geoms
        else np.zeros(0, dtype=object)
    )
    obstacles = Obstacles.from_polygons(polys)
    timings["buildings"] = time.monotonic() - t0
    t1 = time.monotonic()
    demand = build_demand(list(layers), projection, step=step_m, tiers=tiers, obstacles=obstacles)
    timings["demand grid"] = time.monotonic() - t1
    sites = (
        list(candidates)
        if candidates is not None
        else generate_candidates(layers, demand, projection, obstacles, spacing_m=candidate_spacing_m)
    )
    if not sites:
        raise InputError("No candidate sites: give a candidates file or a roads layer.")
    return Scene(
        projection,
        demand,
        obstacles,
        sites,
        tuple(models),
        list(existing),
        default_headings(headings),
        bins=bins,
        workers=workers,
        timings=timings,
    )


@dataclass(frozen=True)
class Recommendation:
    rank: int
    site_id: str
    latitude: float
    longitude: float
    heading_deg: float
    model: str
    hfov_deg: float
    range_m: float
    cost: float
    marginal_gain: float  # weighted demand this camera adds given the ones ranked before it
    marginal_share: float  # the same as a share of all demand
    # Ground range per tier at this site's mount height, for drawing nested wedges: (("detect", 88.0), …)
    tier_ranges_m: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class LayerCoverage:
    name: str
    total: float
    covered: float

    @property
    def fraction(self) -> float:
        return self.covered / self.total if self.total > 0 else 0.0


@dataclass(frozen=True)
class PlanResult:
    """A plan: recommended cameras and what is known about its quality (weights are demand units)."""

    recommendations: tuple[Recommendation, ...]
    total_weight: float
    baseline_weight: float  # covered by the existing cameras counted
    covered_weight: float  # baseline + the recommended cameras
    upper_bound_weight: float  # no plan within the budget can cover more
    bound_kind: str
    method: str
    status: str
    budget: float
    by_money: bool
    spent: float
    existing_mode: str
    rows: int
    merged_rows: int
    columns: int
    sites: int
    layers: tuple[LayerCoverage, ...]
    timings: dict[str, float]

    @property
    def coverage(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def upper_bound(self) -> float:
        return self.upper_bound_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def gap(self) -> float:
        """(bound − achieved) / bound on the weight the new cameras add; 0 = proven optimal."""
        gain_ub = self.upper_bound_weight - self.baseline_weight
        gain = self.covered_weight - self.baseline_weight
        return max(gain_ub - gain, 0.0) / gain_ub if gain_ub > 1e-12 else 0.0


def _problem(
    scene: Scene, budget: float, by_money: bool, existing: str
) -> tuple[CoverProblem, Reduction, NDArray[np.bool_]]:
    mat = scene.candidate_matrix()
    base = scene.baseline_rows(existing)
    t0 = time.monotonic()
    red = reduce_rows(
        mat.a,
        scene.demand.weight,
        base,
        cost=mat.col_cost,
        col_site=mat.col_site,
        budget=budget,
        by_money=by_money,
    )
    scene.timings["merge rows"] = time.monotonic() - t0
    return red.problem, red, base


def plan(
    scene: Scene,
    budget: float,
    *,
    by_money: bool = False,
    method: str = "auto",
    existing: str = "working",
    time_limit: float = 60.0,
    search_seconds: float = 5.0,
) -> PlanResult:
    """Recommends new cameras within the budget (a count, or money when `by_money`): `method` is
    `greedy` (lazy greedy + swaps + iterated local search, online/Lagrangian bound), `milp` (HiGHS,
    warm-started from greedy, proven bound) or `auto` (greedy, then the MILP when the instance is small).
    `search_seconds` caps the iterated local search: lower it (0.5) for an interactive budget slider."""
    if method not in ("auto", "greedy", "milp"):
        raise InputError(f"Unknown method '{method}': use auto, greedy or milp.")
    problem, red, base = _problem(scene, budget, by_money, existing)
    t0 = time.monotonic()
    exact = method == "milp" or (method == "auto" and problem.a.nnz <= AUTO_MILP_MAX_NNZ)
    # When the MILP follows, it proves the bound: the greedy answer only needs to be a good warm start.
    sol: Solution = solve_greedy(
        problem,
        time_limit=time_limit,
        ils_time=min(1.0, search_seconds) if exact else search_seconds,
        bound_time=0.0 if exact else min(1.0, search_seconds),
    )
    if exact and sol.gap > 1e-6:
        limit = time_limit if method == "milp" else min(time_limit, AUTO_MILP_SECONDS)
        sol = solve_milp(problem, time_limit=limit, warm=sol)
    scene.timings["optimise"] = time.monotonic() - t0
    mat = scene.candidate_matrix()
    total = float(scene.demand.weight.sum())
    baseline = float(scene.demand.weight[base].sum())
    recs = []
    for rank, (j, g) in enumerate(zip(sol.columns, sol.gains, strict=True), start=1):
        site = scene.sites[int(mat.col_site[j])]
        model = scene.models[int(mat.col_model[j])]
        recs.append(
            Recommendation(
                rank,
                site.site_id,
                site.latitude,
                site.longitude,
                float(mat.col_heading[j]),
                model.name,
                model.hfov_deg,
                float(mat.col_range[j]),
                float(mat.col_cost[j]),
                g,
                g / total if total else 0.0,
                tuple(
                    (t.name, round(float(r), 2))
                    for t, r in zip(
                        scene.demand.tiers,
                        range_table(model, scene.demand.tiers, site.mount_height_m),
                        strict=True,
                    )
                ),
            )
        )
    covered_rows = base | mat.covered_rows(sol.columns)
    layers = _layer_coverage(scene.demand, covered_rows)
    return PlanResult(
        tuple(recs),
        total,
        baseline,
        baseline + sol.objective,
        baseline + sol.upper_bound,
        sol.bound_kind,
        sol.method,
        sol.status,
        budget,
        by_money,
        problem.spend(sol.columns),
        existing,
        red.rows_before,
        red.rows_after,
        mat.n_columns,
        len(scene.sites),
        layers,
        dict(scene.timings),
    )


def _layer_coverage(demand: Demand, covered: NDArray[np.bool_]) -> tuple[LayerCoverage, ...]:
    totals = demand.layer_totals()
    cov = np.bincount(
        demand.layer[covered], weights=demand.weight[covered], minlength=len(demand.layer_names)
    )
    return tuple(
        LayerCoverage(n, float(t), float(c)) for n, t, c in zip(demand.layer_names, totals, cov, strict=True)
    )


@dataclass(frozen=True)
class CurvePoint:
    cameras: int
    covered_weight: float
    coverage: float
    marginal_gain: float
    spent: float
    upper_bound_weight: float  # no plan with this many new cameras covers more


def coverage_curve(scene: Scene, max_cameras: int, *, existing: str = "working") -> list[CurvePoint]:
    """Coverage after 0, 1, …, max_cameras new cameras. The greedy order is itself the greedy plan for
    every smaller budget, so one run gives the whole curve (each point within 1 − 1/e of optimal), and
    each point carries an upper bound on what any plan of that size could cover."""
    if max_cameras < 0:
        raise InputError("The number of cameras for the curve must be >= 0.")
    problem, _, base = _problem(scene, float(max_cameras), False, existing)
    order = lazy_greedy(problem)
    total = float(scene.demand.weight.sum())
    covered = float(scene.demand.weight[base].sum())
    mat = scene.candidate_matrix()
    base_w = covered
    bounds = base_w + curve_bounds(problem, order, len(order))
    pts = [CurvePoint(0, covered, covered / total if total else 0.0, 0.0, 0.0, base_w)]
    seen = np.zeros(problem.a.shape[0], dtype=bool)
    spent = 0.0
    for k, j in enumerate(order, start=1):
        rows = problem.col_rows(j)
        g = float(problem.weight[rows[~seen[rows]]].sum())
        seen[rows] = True
        covered += g
        spent += float(mat.col_cost[j])
        pts.append(
            CurvePoint(
                k, covered, covered / total if total else 0.0, g, spent, max(float(bounds[k]), covered)
            )
        )
    return pts


@dataclass(frozen=True)
class ReaimItem:
    code: str
    current_heading_deg: float | None
    best_heading_deg: float
    gain_weight: float  # coverage added by turning this camera alone (others as they are now)


@dataclass(frozen=True)
class ReaimResult:
    items: tuple[ReaimItem, ...]
    before_weight: float
    after_weight: float
    total_weight: float


def reaim_existing(scene: Scene, *, existing: str = "working", time_limit: float = 30.0) -> ReaimResult:
    """Best headings for the cameras already installed (the set, not each alone): a local search over
    headings that starts from today's, so the answer never covers less than today."""
    pool = [
        c
        for c in scene.existing
        if c.lifecycle in COUNTED_LIFECYCLES and (existing == "all" or c.working) and existing != "none"
    ]
    total = float(scene.demand.weight.sum())
    if not pool:
        return ReaimResult((), 0.0, 0.0, total)
    headings = scene.headings
    fan = tuple(sorted(set(headings)))
    per_cam_heads: list[tuple[float, ...]] = []
    cams_models = []
    for c in pool:
        hs = fan if c.heading_deg is None else tuple(sorted(set(fan) | {float(c.heading_deg)}))
        per_cam_heads.append(hs)
        cams_models.append(CameraModel(c.code, c.hfov_deg, c.width_px, cost=0.0, max_range_m=c.max_range_m))
    xs, ys = scene.projection.to_xy([c.longitude for c in pool], [c.latitude for c in pool])
    sites = [
        MetricSite(float(x), float(y), c.mount_height_m, (i,), hs)
        for i, (c, x, y, hs) in enumerate(zip(pool, xs, ys, per_cam_heads, strict=True))
    ]
    mat = build_coverage(sites, cams_models, scene.demand, scene.obstacles, bins=scene.bins)
    problem = CoverProblem(
        mat.a.tocsc(), scene.demand.weight.copy(), np.ones(mat.n_columns), mat.col_site, float(len(pool))
    )
    current: list[int] = []
    for s, c in enumerate(pool):
        cols = np.flatnonzero(mat.col_site == s)
        target = 0.0 if c.heading_deg is None else float(c.heading_deg)
        current.append(int(cols[np.argmin(np.abs(mat.col_heading[cols] - target))]))
    # Every site holds a column from the start, so a swap can only turn a camera, never move one.
    best = local_search(problem, current, time_limit=time_limit)
    before = coverage_of(problem, current)
    after = coverage_of(problem, best)
    items = []
    for s, c in enumerate(pool):
        new = next(j for j in best if mat.col_site[j] == s)
        alone = [new if mat.col_site[j] == s else j for j in current]
        items.append(
            ReaimItem(
                c.code, c.heading_deg, float(mat.col_heading[new]), coverage_of(problem, alone) - before
            )
        )
    items.sort(key=lambda it: -it.gain_weight)
    return ReaimResult(tuple(items), before, after, total)


@dataclass(frozen=True)
class RepairItem:
    rank: int
    code: str
    latitude: float
    longitude: float
    lost_weight: float  # demand only this camera would cover, all working cameras as they are
    lost_share: float
    marginal_in_order: float  # what its repair adds after those ranked above it are repaired


def repair_priority(scene: Scene) -> list[RepairItem]:
    """Ranks the broken cameras (health `failed`) by the weighted coverage lost, so the most valuable
    repairs come first; the order is greedy, so overlapping broken cameras are not counted twice."""
    mat, cams = scene.existing_matrix()
    working = [i for i, c in enumerate(cams) if c.working]
    broken = [i for i, c in enumerate(cams) if not c.working]
    if not broken:
        return []
    w = scene.demand.weight
    total = float(w.sum())
    covered = mat.covered_rows(working)
    lost = {}
    for i in broken:
        rows = mat.a.indices[mat.a.indptr[i] : mat.a.indptr[i + 1]]
        lost[i] = float(w[rows[~covered[rows]]].sum())
    problem = CoverProblem(
        mat.a[:, broken].tocsc(),
        np.where(covered, 0.0, w),
        np.ones(len(broken)),
        np.arange(len(broken), dtype=np.int64),
        float(len(broken)),
    )
    order, gains = rank_by_gain(problem, list(range(len(broken))))
    out = []
    for rank, (k, g) in enumerate(zip(order, gains, strict=True), start=1):
        c = cams[broken[k]]
        out.append(
            RepairItem(
                rank,
                c.code,
                c.latitude,
                c.longitude,
                lost[broken[k]],
                lost[broken[k]] / total if total else 0.0,
                g,
            )
        )
    return out
