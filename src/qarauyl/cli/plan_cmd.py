"""`qarauyl plan`: where the next cameras must go; `plan curve|reaim|repair|demo-layers`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.errors import InputError

# The planning stack (SciPy, Shapely, pyproj, HiGHS) is imported by the commands that run it.
if TYPE_CHECKING:
    from qarauyl.planning import DemandLayer, ExistingCamera, Scene, Tier

plan_app = typer.Typer(
    help="Coverage planning: recommend new cameras under a budget, the coverage curve, re-aiming, repairs.",
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")

LAYERS = typer.Option(
    None,
    "--layers",
    "-l",
    help="Demand/buildings layer (.geojson, .csv, .osm.pbf) or a folder of them; repeat.",
)
CANDIDATES = typer.Option(None, "--candidates", help="Candidate sites (CSV or GeoJSON); default: generated.")
CAMERAS = typer.Option(
    None, "--cameras", help="Existing cameras CSV (also overrides the inventory's by code)."
)
FROM_DB = typer.Option(False, "--from-db", help="Read existing cameras from the inventory database.")
EXISTING = typer.Option("working", "--existing", help="Existing cameras that count: working, all, none.")
MODELS = typer.Option(
    None, "--models", help="Camera models CSV (name, hfov_deg, width_px, cost, max_range_m)."
)
STEP = typer.Option(5.0, "--step", help="Demand grid step in metres.")
HEADINGS = typer.Option(16, "--headings", help="Headings tried per candidate site.")
TIERS = typer.Option(
    None, "--tier", help="Override a tier's density, NAME=PX_PER_M (e.g. detect=30); repeat."
)
WORKERS = typer.Option(1, "--workers", help="Processes for the visibility step.")


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield progress


def _tiers(overrides: list[str] | None) -> tuple[Tier, ...]:
    from qarauyl.planning import DEFAULT_TIERS, Tier

    tiers = {t.name: t for t in DEFAULT_TIERS}
    for item in overrides or []:
        name, _, value = item.partition("=")
        try:
            px = float(value)
        except ValueError:
            raise InputError(f"--tier {item}: expected NAME=PX_PER_M, e.g. identify=250.") from None
        if px <= 0:
            raise InputError(f"--tier {item}: the pixel density must be > 0.")
        tiers[name.strip()] = Tier(name.strip(), px)
    return tuple(tiers.values())


def _load_layers(paths: list[Path] | None) -> list[DemandLayer]:
    from qarauyl.planning import read_layer, read_osm
    from qarauyl.planning.layers import layer_paths

    if not paths:
        raise InputError(
            "No layers: give --layers FILE (or a folder); `qarauyl plan demo-layers DIR` makes a set."
        )
    layers: list[DemandLayer] = []
    for p in layer_paths(paths):
        if p.name.endswith((".osm.pbf", ".osm")):
            layers.extend(read_osm(p))
        elif p.suffix.lower() == ".csv" and p.stem.lower() in ("cameras", "candidates", "models"):
            continue  # the demo folder holds these beside the layers; they have their own options
        else:
            layers.append(read_layer(p))
    return layers


def _existing(cameras: Path | None, from_db: bool) -> list[ExistingCamera]:
    from qarauyl.planning import apply_overrides, load_existing_cameras, read_cameras

    cams: list[ExistingCamera] = []
    if from_db:
        from qarauyl.runtime import open_database

        db = open_database()
        try:
            cams = load_existing_cameras(db)
        finally:
            db.dispose()
    if cameras is not None:
        file_cams = read_cameras(cameras)
        cams = apply_overrides(cams, file_cams) if from_db else file_cams
    return cams


def _scene(
    layers: list[Path] | None,
    candidates: Path | None,
    cameras: Path | None,
    from_db: bool,
    models: Path | None,
    step: float,
    headings: int,
    tiers: list[str] | None,
    workers: int,
) -> Scene:
    from qarauyl.planning import DEFAULT_MODELS, prepare_scene, read_candidates, read_models

    with _progress() as progress:
        task = progress.add_task("Reading layers", total=None)
        demand_layers = _load_layers(layers)
        sites = read_candidates(candidates) if candidates else None
        existing = _existing(cameras, from_db)
        cam_models = tuple(read_models(models)) if models else DEFAULT_MODELS
        progress.update(task, description="Demand grid and buildings")
        scene = prepare_scene(
            demand_layers,
            candidates=sites,
            existing=existing,
            models=cam_models,
            tiers=_tiers(tiers),
            step_m=step,
            headings=headings,
            workers=workers,
        )
        progress.update(task, description="Visibility and coverage", total=len(scene.sites), completed=0)
        scene.candidate_matrix(progress=lambda n: progress.advance(task, n))
    console.print(
        f"{len(scene.demand):,} demand rows on a {step:g} m grid, {len(scene.obstacles):,} buildings, "
        f"{len(scene.sites):,} candidate sites, {len(scene.existing)} existing cameras "
        f"(projection EPSG:{scene.projection.epsg}).",
        markup=False,
    )
    no_heading = [c.code for c in scene.existing if c.heading_deg is None]
    if no_heading:
        console.print(
            f"{len(no_heading)} existing camera(s) have no heading and are left out of the coverage "
            f"(give heading_deg in --cameras): {', '.join(no_heading[:10])}"
            + (" …" if len(no_heading) > 10 else ""),
            markup=False,
        )
    return scene


@plan_app.callback()
def plan_cmd(
    ctx: typer.Context,
    budget: float = typer.Option(
        None, "--budget", "-b", help="Number of new cameras (or money with --money)."
    ),
    money: bool = typer.Option(False, "--money", help="The budget is money: model cost + site extra_cost."),
    layers: list[Path] = LAYERS,
    candidates: Path = CANDIDATES,
    cameras: Path = CAMERAS,
    from_db: bool = FROM_DB,
    existing: str = EXISTING,
    models: Path = MODELS,
    out: Path = typer.Option(None, "--out", "-o", help="Write OUT.geojson, OUT.csv and OUT.kml."),
    method: str = typer.Option(
        "auto", "--method", help="auto (greedy, exact MILP when small), greedy, or milp (exact, HiGHS)."
    ),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the optimiser."),
    step: float = STEP,
    headings: int = HEADINGS,
    tiers: list[str] = TIERS,
    workers: int = WORKERS,
) -> None:
    """Recommend where new cameras go within the budget; prints coverage, the upper bound and the gap."""
    if ctx.invoked_subcommand is not None:
        return
    if budget is None:
        raise InputError(
            "Give --budget N (number of new cameras), or a subcommand: curve, reaim, repair, demo-layers."
        )
    from qarauyl.planning import plan, write_plan

    scene = _scene(layers, candidates, cameras, from_db, models, step, headings, tiers, workers)
    with console.status("Optimising"):
        result = plan(scene, budget, by_money=money, method=method, existing=existing, time_limit=time_limit)
    table = Table(title=f"Recommended cameras (budget {budget:g}{' money' if money else ''})")
    for col in ("#", "site", "latitude", "longitude", "heading", "model", "cost", "gain", "share"):
        table.add_column(col, justify="right" if col not in ("site", "model") else "left")
    for r in result.recommendations:
        table.add_row(
            str(r.rank),
            r.site_id,
            f"{r.latitude:.5f}",
            f"{r.longitude:.5f}",
            f"{r.heading_deg:.1f}°",
            r.model,
            f"{r.cost:g}",
            f"{r.marginal_gain:.3f}",
            f"{r.marginal_share:.2%}",
        )
    console.print(table)
    for lc in result.layers:
        console.print(f"  {lc.name}: {lc.fraction:.1%} covered", markup=False)
    console.print(
        f"Coverage {result.coverage:.2%} "
        f"(existing cameras {result.baseline_weight / result.total_weight:.2%}); "
        f"upper bound {result.upper_bound:.2%} ({result.bound_kind}); gap {result.gap:.2%}; "
        f"{result.method}, {result.status}; spent {result.spent:g}; "
        f"{result.rows:,} demand rows merged to {result.merged_rows:,}, "
        f"{result.columns:,} candidate cameras.",
        markup=False,
    )
    if out is not None:
        written = write_plan(result, out)
        console.print("Wrote " + ", ".join(str(p) for p in written), markup=False)


@plan_app.command("curve")
def curve_cmd(
    max_cameras: int = typer.Option(30, "--max", help="Largest number of new cameras on the curve."),
    layers: list[Path] = LAYERS,
    candidates: Path = CANDIDATES,
    cameras: Path = CAMERAS,
    from_db: bool = FROM_DB,
    existing: str = EXISTING,
    models: Path = MODELS,
    out: Path = typer.Option(None, "--out", "-o", help="Write the curve as JSON (.json) or CSV."),
    step: float = STEP,
    headings: int = HEADINGS,
    tiers: list[str] = TIERS,
    workers: int = WORKERS,
) -> None:
    """Coverage as a function of the number of new cameras: what each additional camera buys."""
    from qarauyl.planning import coverage_curve, curve_rows

    scene = _scene(layers, candidates, cameras, from_db, models, step, headings, tiers, workers)
    points = coverage_curve(scene, max_cameras, existing=existing)
    table = Table(title="Coverage curve")
    for col in ("cameras", "coverage", "marginal", "at most"):
        table.add_column(col, justify="right")
    total = scene.demand.weight.sum()
    for p in points:
        table.add_row(
            str(p.cameras),
            f"{p.coverage:.2%}",
            f"{p.marginal_gain / total:.2%}" if p.cameras else "",
            f"{p.upper_bound_weight / total:.2%}",
        )
    console.print(table)
    if out is not None:
        rows = curve_rows(points)
        if out.suffix.lower() == ".json":
            out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        else:
            keys = list(rows[0]) if rows else []
            out.write_text(
                ",".join(keys) + "\n" + "".join(",".join(str(r[k]) for k in keys) + "\n" for r in rows),
                encoding="utf-8",
            )
        console.print(f"Wrote {out}", markup=False)


@plan_app.command("reaim")
def reaim_cmd(
    layers: list[Path] = LAYERS,
    cameras: Path = CAMERAS,
    from_db: bool = FROM_DB,
    existing: str = EXISTING,
    step: float = STEP,
    headings: int = HEADINGS,
    tiers: list[str] = TIERS,
) -> None:
    """Best headings for the cameras already installed."""
    from qarauyl.planning import reaim_existing

    scene = _scene(layers, None, cameras, from_db, None, step, headings, tiers, 1)
    res = reaim_existing(scene, existing=existing)
    table = Table(title="Re-aim existing cameras")
    for col in ("camera", "now", "best", "gain alone"):
        table.add_column(col, justify="left" if col == "camera" else "right")
    for it in res.items:
        if it.current_heading_deg is not None and abs(it.best_heading_deg - it.current_heading_deg) < 1e-6:
            continue
        now = "unknown" if it.current_heading_deg is None else f"{it.current_heading_deg:.1f}°"
        table.add_row(it.code, now, f"{it.best_heading_deg:.1f}°", f"{it.gain_weight / res.total_weight:.3%}")
    console.print(table)
    console.print(
        f"Coverage by these cameras: {res.before_weight / res.total_weight:.2%} now, "
        f"{res.after_weight / res.total_weight:.2%} re-aimed.",
        markup=False,
    )


@plan_app.command("repair")
def repair_cmd(
    layers: list[Path] = LAYERS,
    cameras: Path = CAMERAS,
    from_db: bool = FROM_DB,
    out: Path = typer.Option(None, "--out", "-o", help="Write the ranked list as GeoJSON."),
    step: float = STEP,
    tiers: list[str] = TIERS,
) -> None:
    """Rank broken cameras (health failed) by the weighted coverage lost: repair the first ones first."""
    from qarauyl.planning import repair_geojson, repair_priority

    scene = _scene(layers, None, cameras, from_db, None, step, 1, tiers, 1)
    items = repair_priority(scene)
    if not items:
        console.print("No broken cameras (health failed) among the existing cameras.")
        return
    table = Table(title="Repair priority")
    for col in ("#", "camera", "lost coverage", "adds in this order"):
        table.add_column(col, justify="left" if col == "camera" else "right")
    total = scene.demand.weight.sum()
    valuable = [it for it in items if it.lost_weight > 0]
    for it in valuable:
        table.add_row(str(it.rank), it.code, f"{it.lost_share:.3%}", f"{it.marginal_in_order / total:.3%}")
    console.print(table)
    if len(valuable) < len(items):
        console.print(
            f"{len(items) - len(valuable)} more broken camera(s) cover no demand of these layers "
            "(outside them, or fully overlapped by working cameras).",
            markup=False,
        )
    if out is not None:
        out.write_text(json.dumps(repair_geojson(items), indent=1), encoding="utf-8")
        console.print(f"Wrote {out}", markup=False)


@plan_app.command("demo-layers")
def demo_layers_cmd(
    outdir: Path = typer.Argument(..., help="Folder to write the Turkistan demo layers into."),
) -> None:
    """Write a deterministic Turkistan demo layer set (historic sites, microdistricts, roads, incidents,
    buildings, existing cameras)."""
    from qarauyl.planning import demo_layers

    paths = demo_layers(outdir)
    for p in paths:
        console.print(f"Wrote {p}", markup=False)
    console.print(
        f"Try: qarauyl plan --budget 20 --layers {outdir} --cameras {outdir / 'cameras.csv'} "
        "--out plan.geojson",
        markup=False,
    )
