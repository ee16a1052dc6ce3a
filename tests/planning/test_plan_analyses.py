"""The planner's questions on the Turkistan demo layers: plan, curve, re-aim, repair, exports."""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
import shapely

from qarauyl.errors import InputError
from qarauyl.planning import (
    DEFAULT_MODELS,
    Scene,
    coverage_curve,
    demo_layers,
    plan,
    plan_csv,
    plan_geojson,
    plan_kml,
    prepare_scene,
    read_cameras,
    read_layer,
    reaim_existing,
    repair_priority,
)
from qarauyl.planning.layers import CandidateSite, DemandLayer, ExistingCamera, LayerFeature


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo_layers(out)
    return out


@pytest.fixture(scope="module")
def scene(demo_dir: Path) -> Scene:
    layers = [read_layer(p) for p in sorted(demo_dir.glob("*.geojson"))]
    return prepare_scene(
        layers,
        existing=read_cameras(demo_dir / "cameras.csv"),
        models=DEFAULT_MODELS[:2],
        step_m=10.0,
        headings=8,
        candidate_spacing_m=80.0,
    )


def test_demo_layers_are_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    demo_layers(tmp_path)
    for p in demo_dir.iterdir():
        assert (tmp_path / p.name).read_bytes() == p.read_bytes()
    sites = json.loads((demo_dir / "historic_sites.geojson").read_text())["features"]
    yasawi = sites[0]
    assert yasawi["properties"]["name"] == "Mausoleum of Khoja Ahmed Yasawi"
    assert yasawi["geometry"]["coordinates"] == pytest.approx([68.2717, 43.2930])


def test_plan_reports_coverage_bound_and_gap(scene: Scene) -> None:
    result = plan(scene, 10)
    assert scene.projection.epsg == 32642  # UTM 42N for Turkistan
    assert len(result.recommendations) == 10
    assert result.baseline_weight < result.covered_weight <= result.upper_bound_weight + 1e-9
    assert 0.0 <= result.gap < 1.0
    gains = [r.marginal_gain for r in result.recommendations]
    assert gains == sorted(gains, reverse=True)
    assert sum(gains) == pytest.approx(result.covered_weight - result.baseline_weight)
    assert len({r.site_id for r in result.recommendations}) == 10  # one camera per site
    assert result.merged_rows <= result.rows
    layer_cov = sum(lc.covered for lc in result.layers)
    assert layer_cov == pytest.approx(result.covered_weight)


def test_more_budget_never_covers_less_and_exact_agrees(scene: Scene) -> None:
    small = plan(scene, 3, method="milp", time_limit=60)
    big = plan(scene, 6)
    assert big.covered_weight >= small.covered_weight - 1e-9
    assert small.status == "optimal" and small.gap == pytest.approx(0.0, abs=1e-6)
    greedy_small = plan(scene, 3)
    assert greedy_small.covered_weight <= small.covered_weight + 1e-9
    assert greedy_small.covered_weight >= 0.99 * small.covered_weight


def test_existing_cameras_modes(scene: Scene) -> None:
    working = plan(scene, 2, existing="working")
    everything = plan(scene, 2, existing="all")
    none = plan(scene, 2, existing="none")
    assert none.baseline_weight == 0.0
    assert 0 < working.baseline_weight < everything.baseline_weight


def test_coverage_curve_is_increasing_with_diminishing_returns(scene: Scene) -> None:
    pts = coverage_curve(scene, 8)
    assert [p.cameras for p in pts] == list(range(9))
    cov = [p.covered_weight for p in pts]
    assert all(b >= a for a, b in itertools.pairwise(cov))
    gains = [p.marginal_gain for p in pts[1:]]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(gains))  # greedy: non-increasing


def test_reaim_never_covers_less(scene: Scene) -> None:
    res = reaim_existing(scene)
    assert res.after_weight >= res.before_weight - 1e-9
    assert len(res.items) == sum(1 for c in scene.existing if c.working)


def test_repair_priority_ranks_failed_cameras_by_loss(scene: Scene) -> None:
    items = repair_priority(scene)
    failed = {c.code for c in scene.existing if c.health == "failed"}
    assert {i.code for i in items} == failed
    assert [i.rank for i in items] == list(range(1, len(items) + 1))
    marg = [i.marginal_in_order for i in items]
    assert marg == sorted(marg, reverse=True)
    assert all(i.marginal_in_order <= i.lost_weight + 1e-9 for i in items)


def test_exports(scene: Scene) -> None:
    result = plan(scene, 4)
    gj = plan_geojson(result)
    roles = [f["properties"]["role"] for f in gj["features"]]
    assert roles.count("site") == 4 and roles.count("wedge") == 4
    for f in gj["features"]:
        if f["properties"]["role"] == "wedge":
            poly = shapely.geometry.shape(f["geometry"])
            assert poly.is_valid and poly.area > 0
            site = next(
                g
                for g in gj["features"]
                if g["properties"]["role"] == "site" and g["properties"]["rank"] == f["properties"]["rank"]
            )
            assert poly.buffer(1e-7).contains(shapely.geometry.shape(site["geometry"]))
    ranges = gj["features"][0]["properties"]["tier_ranges_m"]
    assert list(ranges) == ["detect", "observe", "recognise", "identify"]
    assert ranges["detect"] >= ranges["observe"] >= ranges["recognise"] >= ranges["identify"]
    assert gj["features"][0]["properties"]["range_m"] == pytest.approx(max(ranges.values()), abs=0.1)
    rows = list(csv.DictReader(io.StringIO(plan_csv(result))))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4]
    kml = plan_kml(result)
    assert kml.count("<Placemark>") == 8 and kml.startswith("<?xml")


def test_a_camera_behind_a_building_adds_nothing() -> None:
    """End to end: the only demand lies behind a building, as seen from the only candidate site."""
    lon, lat = 68.2717, 43.2930
    d = 0.0002  # about 16 m in longitude, 22 m in latitude
    demand = DemandLayer(
        "spot", "points", (LayerFeature(shapely.Point(lon, lat + 2.5 * d), 1.0, "detect", 4.0),)
    )
    wall = DemandLayer(
        "buildings",
        "buildings",
        (LayerFeature(shapely.box(lon - 2 * d, lat + d, lon + 2 * d, lat + 1.5 * d)),),
    )
    site = CandidateSite("pole", lat, lon)
    hidden = prepare_scene([demand, wall], candidates=[site], step_m=2.0)
    assert plan(hidden, 1).covered_weight == 0.0
    seen = prepare_scene([demand], candidates=[site], step_m=2.0)
    assert plan(seen, 1).covered_weight == pytest.approx(1.0)


def test_adding_an_existing_camera_never_lowers_the_baseline(scene: Scene) -> None:
    base = plan(scene, 0).baseline_weight
    extra = ExistingCamera("NEW-1", 43.2930, 68.2690, 90.0, health="ok", lifecycle="connected")
    grown = replace(scene, existing=[*scene.existing, extra], _existing=None, _candidates=scene._candidates)
    assert plan(grown, 0).baseline_weight >= base


def test_money_budget_is_respected(scene: Scene) -> None:
    result = plan(scene, 5.0, by_money=True, method="greedy")
    assert result.by_money and 0 < result.spent <= 5.0
    assert sum(r.cost for r in result.recommendations) == pytest.approx(result.spent)


def test_two_workers_build_the_same_matrix(demo_dir: Path) -> None:
    layers = [read_layer(p) for p in sorted(demo_dir.glob("*.geojson"))]
    kwargs = dict(models=DEFAULT_MODELS[:1], step_m=10.0, headings=4, candidate_spacing_m=60.0)
    one = prepare_scene(layers, **kwargs).candidate_matrix()  # type: ignore[arg-type]
    two = prepare_scene(layers, workers=2, **kwargs).candidate_matrix()  # type: ignore[arg-type]
    assert one.n_columns > 500  # more than one chunk of sites, so the pool really splits the work
    assert (one.a != two.a).nnz == 0
    assert one.col_site.tolist() == two.col_site.tolist()


def test_site_models_and_headings_are_honoured(demo_dir: Path) -> None:
    layers = [read_layer(demo_dir / "historic_sites.geojson")]
    sites = [
        CandidateSite("a", 43.2935, 68.2717, models=("bullet-8mp-30",), headings=(0.0, 180.0)),
        CandidateSite("b", 43.2925, 68.2717),
    ]
    sc = prepare_scene(layers, candidates=sites, step_m=10.0, headings=4)
    mat = sc.candidate_matrix()
    assert mat.n_columns == 2 + 4 * len(DEFAULT_MODELS)
    assert mat.col_heading[:2].tolist() == [0.0, 180.0]
    bad = prepare_scene(layers, candidates=[CandidateSite("c", 43.29, 68.27, models=("nope",))], step_m=10.0)
    with pytest.raises(InputError, match="nope"):
        bad.candidate_matrix()


def test_existing_cameras_for_the_map(scene: Scene) -> None:
    from qarauyl.planning import existing_geojson

    doc = existing_geojson(scene.existing)
    points = [f for f in doc["features"] if f["properties"]["role"] == "existing"]
    wedges = [f for f in doc["features"] if f["properties"]["role"] == "existing-wedge"]
    assert len(points) == len(scene.existing)
    assert len(wedges) == sum(c.heading_deg is not None for c in scene.existing)
    assert {f["properties"]["health"] for f in points} >= {"ok", "failed"}


def test_curve_upper_bounds_lie_above_the_curve(scene: Scene) -> None:
    pts = coverage_curve(scene, 6)
    assert all(p.upper_bound_weight >= p.covered_weight - 1e-9 for p in pts)
    assert pts[0].upper_bound_weight == pytest.approx(pts[0].covered_weight)
    # With 3 cameras the proven optimum lies between the greedy point and the bound.
    exact = plan(scene, 3, method="milp", time_limit=60)
    assert pts[3].covered_weight - 1e-9 <= exact.covered_weight <= pts[3].upper_bound_weight + 1e-9


def test_editable_tiers_change_the_ranges(demo_dir: Path) -> None:
    from qarauyl.planning import Tier

    layers = [read_layer(demo_dir / "historic_sites.geojson")]
    site = [CandidateSite("a", 43.2938, 68.2717)]
    normal = prepare_scene(layers, candidates=site, step_m=5.0, headings=8)
    strict = prepare_scene(
        layers,
        candidates=site,
        step_m=5.0,
        headings=8,
        tiers=(
            Tier("detect", 25.0),
            Tier("observe", 62.5),
            Tier("recognise", 400.0),
            Tier("identify", 800.0),
        ),
    )
    assert plan(strict, 1).covered_weight < plan(normal, 1).covered_weight
