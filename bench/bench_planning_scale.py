"""Scale benchmark: a Turkistan-city-sized instance planned end to end, visibility included.

About 25 km² (5 km × 5 km around the old town), demand on a 5 m grid (~1,000,000 cells before the
buildings are cut out), 5,000 candidate sites × 16 headings × 3 camera models, 20,000 building
footprints, 20 new cameras.
Target: under 2 minutes and under 4 GB on the 2-core machine. Prints the figures.

    .venv/bin/python bench/bench_planning_scale.py [--quick] [--workers N] [--budget N]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import shapely

from qarauyl.planning.analyses import plan, prepare_scene
from qarauyl.planning.camera import DEFAULT_MODELS
from qarauyl.planning.geo import LocalProjection
from qarauyl.planning.layers import CandidateSite, DemandLayer, LayerFeature

CENTRE = (68.2717, 43.2930)  # Mausoleum of Khoja Ahmed Yasawi


def synthetic_city(
    side_m: float, n_buildings: int, n_sites: int, seed: int = 11
) -> tuple[list[DemandLayer], list[CandidateSite]]:
    """Layers in WGS 84 (built in UTM 42N and projected back): one populated area covering the square,
    roads on a 250 m grid, random rectangular buildings off the roads, candidate sites on the roads."""
    rng = np.random.default_rng(seed)
    proj = LocalProjection(32642)
    cx, cy = proj.to_xy([CENTRE[0]], [CENTRE[1]])
    x0, y0 = float(cx[0]) - side_m / 2, float(cy[0]) - side_m / 2

    def to_wgs(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(g, lambda c: np.column_stack(proj.to_lonlat(c[:, 0], c[:, 1])))

    area = to_wgs(shapely.box(x0, y0, x0 + side_m, y0 + side_m))
    spacing = 250.0
    lines = []
    for k in np.arange(spacing / 2, side_m, spacing):
        lines.append(shapely.LineString([(x0 + k, y0), (x0 + k, y0 + side_m)]))
        lines.append(shapely.LineString([(x0, y0 + k), (x0 + side_m, y0 + k)]))
    # Buildings: random rectangles kept 8 m clear of the road axes.
    bx = rng.uniform(x0, x0 + side_m, n_buildings * 2)
    by = rng.uniform(y0, y0 + side_m, n_buildings * 2)
    w = rng.uniform(8, 22, n_buildings * 2)
    h = rng.uniform(8, 22, n_buildings * 2)
    off_x = np.abs(np.mod(bx - x0 - spacing / 2 + spacing / 2, spacing) - spacing / 2)
    off_y = np.abs(np.mod(by - y0 - spacing / 2 + spacing / 2, spacing) - spacing / 2)
    clear = (off_x > w / 2 + 8) & (off_y > h / 2 + 8)
    bx, by, w, h = (
        bx[clear][:n_buildings],
        by[clear][:n_buildings],
        w[clear][:n_buildings],
        h[clear][:n_buildings],
    )
    boxes = shapely.box(bx - w / 2, by - h / 2, bx + w / 2, by + h / 2)
    boxes = shapely.transform(boxes, lambda c: np.column_stack(proj.to_lonlat(c[:, 0], c[:, 1])))
    # Candidate sites: on the roads (poles), 4 m off the axis.
    k_line = rng.integers(0, len(lines), n_sites)
    t = rng.uniform(0, side_m, n_sites)
    sx = np.empty(n_sites)
    sy = np.empty(n_sites)
    for i, (kl, tt) in enumerate(zip(k_line, t, strict=True)):
        p = lines[kl].interpolate(tt)
        sx[i], sy[i] = p.x + 4.0, p.y + 4.0
    slon, slat = proj.to_lonlat(sx, sy)
    layers = [
        DemandLayer("district", "area", (LayerFeature(area, 100_000.0),), tier="observe"),
        DemandLayer(
            "roads", "roads", tuple(LayerFeature(to_wgs(ln), 3.0) for ln in lines), weight=50.0, tier="detect"
        ),
        DemandLayer("buildings", "buildings", tuple(LayerFeature(b) for b in boxes)),
    ]
    sites = [
        CandidateSite(f"s{i}", float(la), float(lo))
        for i, (lo, la) in enumerate(zip(slon, slat, strict=True))
    ]
    return layers, sites


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 km², 800 buildings, 200 sites")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=int, default=20)
    args = ap.parse_args()
    side, nb, ns = (1000.0, 800, 200) if args.quick else (5000.0, 20_000, 5_000)
    t0 = time.monotonic()
    layers, sites = synthetic_city(side, nb, ns)
    t_gen = time.monotonic() - t0
    models = DEFAULT_MODELS
    t1 = time.monotonic()
    scene = prepare_scene(
        layers, candidates=sites, models=models, step_m=5.0, headings=16, workers=args.workers
    )
    result = plan(scene, args.budget, method="greedy", time_limit=20.0)
    elapsed = time.monotonic() - t1
    peak_gb = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024**2
    )
    print(
        f"instance: {side / 1000:.0f} km × {side / 1000:.0f} km, {nb} buildings, "
        f"{ns} sites × 16 headings × {len(models)} models, {args.workers} worker(s)"
    )
    print(f"synthetic input generation (not timed): {t_gen:.1f} s")
    print(f"demand rows: {result.rows:,}; after merging identical rows: {result.merged_rows:,}")
    print(f"columns (site × heading × model): {result.columns:,}; nnz: {scene.candidate_matrix().a.nnz:,}")
    for k, v in result.timings.items():
        print(f"  {k:<20} {v:6.1f} s")
    print(f"end to end (layers in WGS 84 → plan): {elapsed:.1f} s  (target < 120 s)")
    print(f"peak RSS (largest process): {peak_gb:.2f} GB  (target < 4 GB)")
    print(
        f"coverage {result.coverage:.2%} with {args.budget} cameras; bound {result.upper_bound:.2%} "
        f"({result.bound_kind}); gap {result.gap:.2%}"
    )
    ok = elapsed < 120 and peak_gb < 4
    print("RESULT:", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
