"""The planning page's work without a browser: the layer folder, uploads checked by the planning readers,
refusals for people who may only look, and plan runs that reuse the prepared scene (both backends)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from planning_inputs import road_geojson, square_csv, write_small_set

from qarauyl.accounts import Principal
from qarauyl.i18n import LANGUAGES, catalogue
from qarauyl.planning import load_existing_cameras, plan, prepare_scene, read_layer
from qarauyl.store import Camera, Database
from qarauyl.web import _planning as work

PLANNER = Principal(1, "perizat", "planner", None, "en")
VIEWER = Principal(2, "viktor", "viewer", None, "en")
OPERATOR = Principal(3, "olzhas", "operator", None, "en")
LAT, LON, HEADING = 43.2973, 68.2518, 30.0


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    work.forget_scenes()
    yield
    work.forget_scenes()


def test_the_first_visit_brings_the_demo_set_and_removing_it_is_respected(tmp_path: Path) -> None:
    folder = work.ensure_layers(tmp_path)
    infos = {i.file: i for i in work.read_set(folder).infos}
    assert infos["roads.geojson"].kind == "roads" and infos["roads.geojson"].features == 6
    assert infos["cameras.csv"].kind == "cameras"
    assert {i.kind for i in infos.values()} >= {"area", "points", "incidents", "roads", "buildings"}
    for file in infos:
        work.remove_layer(PLANNER, tmp_path, file)
    assert work.read_set(work.ensure_layers(tmp_path)).infos == []  # not filled again uninvited
    work.restore_demo(PLANNER, tmp_path)
    assert len(work.read_set(folder).infos) == len(infos)


@pytest.mark.parametrize(
    ("filename", "data", "key", "says"),
    [
        ("notes.txt", b"hello", "planning.error.format", None),
        ("empty.csv", b"  \n", "planning.error.empty", None),
        ("bad.csv", b"name,weight\nmosque,3\n", "planning.error.bad_file", "bad.csv:2: latitude: missing"),
        ("far.csv", b"latitude,longitude\n95,68\n", "planning.error.bad_file", "95 is outside -90..90"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "planning.error.bad_file", "JSON"),
        ("list.geojson", b"[1, 2]", "planning.error.bad_file", "expected a FeatureCollection"),
        (
            "none.geojson",
            b'{"type": "FeatureCollection", "features": []}',
            "planning.error.no_features",
            None,
        ),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong_and_nothing_is_stored(
    tmp_path: Path, filename: str, data: bytes, key: str, says: str | None
) -> None:
    folder = write_small_set(work.layer_dir(tmp_path), LAT, LON)
    with pytest.raises(work.PlanningError) as caught:
        work.upload_layer(PLANNER, tmp_path, filename, data)
    assert caught.value.key == key
    assert caught.value.values["name"] == filename
    if says is not None:
        details = caught.value.values["details"]
        assert says in details
        assert str(tmp_path) not in details  # the server's paths are not shown to people
    assert sorted(p.name for p in folder.iterdir()) == ["road.geojson"]


def test_a_good_upload_is_stored_under_a_safe_name(tmp_path: Path) -> None:
    folder = write_small_set(work.layer_dir(tmp_path), LAT, LON)
    csv = square_csv(LAT, LON, HEADING).encode()
    info = work.upload_layer(PLANNER, tmp_path, "../../my square.csv", csv)
    assert info == work.LayerInfo("my_square.csv", "my_square", "points", 1)
    assert (folder / "my_square.csv").read_bytes() == csv
    assert not (tmp_path / "my square.csv").exists()
    listed = work.read_set(folder)
    assert [i.file for i in listed.infos] == ["my_square.csv", "road.geojson"]
    assert {layer.kind for layer in listed.layers} == {"points", "roads"}


@pytest.mark.parametrize("person", [VIEWER, OPERATOR, None], ids=["viewer", "operator", "nobody"])
def test_only_planners_change_layers_or_run_plans(tmp_path: Path, person: Principal | None) -> None:
    folder = write_small_set(work.layer_dir(tmp_path), LAT, LON)
    before = sorted(p.name for p in folder.iterdir())
    attempts = [
        lambda: work.upload_layer(person, tmp_path, "square.csv", square_csv(LAT, LON, 0).encode()),
        lambda: work.remove_layer(person, tmp_path, "road.geojson"),
        lambda: work.restore_demo(person, tmp_path),
        lambda: work.run_plan(person, tmp_path, None, 3, "working"),  # type: ignore[arg-type]
    ]
    for attempt in attempts:
        with pytest.raises(work.PlanningError) as caught:
            attempt()
        assert caught.value.key == "error.forbidden"
    assert sorted(p.name for p in folder.iterdir()) == before


def _failed_camera(db: Database) -> None:
    with db.session() as session:
        session.add(
            Camera(
                code="TUR-FAILED",
                name="failed",
                vendor="hikvision",
                kind="fixed",
                latitude=LAT,
                longitude=LON,
                heading_deg=HEADING,
                hfov_deg=90.0,
                width=1920,
                lifecycle="connected",
                health="failed",
            )
        )


def _expected(tmp_path: Path, db: Database, budget: int, existing: str) -> float:
    folder = work.layer_dir(tmp_path)
    layers = [read_layer(p) for p in sorted(folder.iterdir())]
    scene = prepare_scene(layers, existing=load_existing_cameras(db))
    return plan(scene, budget, existing=existing).coverage


def test_runs_match_the_planner_and_reuse_the_scene(tmp_path: Path, db: Database) -> None:
    _failed_camera(db)
    write_small_set(work.layer_dir(tmp_path), LAT, LON)
    work.upload_layer(PLANNER, tmp_path, "square.csv", square_csv(LAT, LON, HEADING).encode())
    progress = work.Progress()
    first = work.run_plan(PLANNER, tmp_path, db, 2, "working", progress)
    assert not first.reused_scene and progress.stage == "planning.stage.repairs"
    assert len(first.result.recommendations) == 2
    assert first.result.coverage == pytest.approx(_expected(tmp_path, db, 2, "working"), abs=1e-9)
    sites = [f for f in first.geojson["features"] if f["properties"]["role"] == "site"]
    assert len(sites) == 2 and json.dumps(first.geojson)
    assert [p.cameras for p in first.curve[:3]] == [0, 1, 2]
    assert [r.code for r in first.repairs] == ["TUR-FAILED"] and first.repairs[0].lost_weight > 0
    second = work.run_plan(PLANNER, tmp_path, db, 4, "working")
    assert second.reused_scene
    assert second.result.coverage == pytest.approx(_expected(tmp_path, db, 4, "working"), abs=1e-9)
    assert second.result.coverage >= first.result.coverage
    repaired = work.run_plan(PLANNER, tmp_path, db, 2, "all")
    assert repaired.reused_scene
    assert repaired.result.baseline_weight > first.result.baseline_weight  # the failed camera counts
    assert repaired.result.coverage == pytest.approx(_expected(tmp_path, db, 2, "all"), abs=1e-9)
    assert work.last_outcome(work.read_set(work.layer_dir(tmp_path))) is repaired
    # Another layer set is another scene.
    work.upload_layer(PLANNER, tmp_path, "road.geojson", road_geojson(LAT + 0.0005, LON).encode())
    assert not work.run_plan(PLANNER, tmp_path, db, 2, "working").reused_scene


def test_a_run_without_demand_says_so(tmp_path: Path, db: Database) -> None:
    folder = work.layer_dir(tmp_path)
    folder.mkdir(parents=True)
    with pytest.raises(work.PlanningError) as caught:
        work.run_plan(PLANNER, tmp_path, db, 3, "working")
    assert caught.value.key == "planning.error.no_demand"
    with pytest.raises(work.PlanningError) as caught:
        work.run_plan(PLANNER, tmp_path, db, 0, "working")
    assert caught.value.key == "planning.error.budget"


def test_every_sentence_the_planning_code_can_say_is_in_the_catalogues() -> None:
    web = Path(work.__file__).parent
    said: set[str] = set()
    for name in ("_planning.py", "_page_planning.py"):
        text = (web / name).read_text(encoding="utf-8")
        said |= set(re.findall(r'PlanningError\(\s*"([a-z_.]+)"', text))
        said |= set(re.findall(r'"(planning\.stage\.[a-z_]+)"', text))
    said |= {f"planning.kind.{kind}" for kind in ("area", "points", "incidents", "roads", "buildings")}
    assert len(said) > 15
    for language in LANGUAGES:
        missing = said - set(catalogue(language))
        assert not missing, (language, missing)
