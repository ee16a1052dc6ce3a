"""The planning page in Chromium against `qarauyl serve`: a planner adds a layer (a bad file is refused
in words), runs a small plan and gets the recommended cameras, the same coverage as `plan()` on the same
inputs, the repair list and the exports; a viewer sees the page without the means to change or run it;
an engineer is refused it. Fails on any browser console error or any request off the loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from console_harness import Installation, screenshot, seed, sign_in
from planning_inputs import square_csv, write_small_set
from playwright.sync_api import expect
from sqlalchemy import select

from qarauyl.planning import load_existing_cameras, plan, prepare_scene, read_layer
from qarauyl.store import Camera, Database

pytestmark = pytest.mark.slow
BUDGET = 3


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """A small fleet, and a layer folder holding one road through a failed camera's place."""
    data_dir = tmp_path_factory.mktemp("planning-console")
    inst = seed(data_dir, f"sqlite:///{data_dir / 'qarauyl.db'}", cameras=60)
    camera = _camera(inst, inst.failed[0])
    write_small_set(data_dir / "planning" / "layers", camera["lat"], camera["lon"])
    return inst


def _camera(inst: Installation, code: str) -> dict[str, Any]:
    db = Database(inst.database_url)
    try:
        with db.session() as session:
            row = session.execute(
                select(Camera.latitude, Camera.longitude, Camera.heading_deg).where(Camera.code == code)
            ).one()
    finally:
        db.dispose()
    return {"lat": row.latitude, "lon": row.longitude, "heading": row.heading_deg}


def _expected_coverage(inst: Installation, budget: int) -> tuple[float, int]:
    folder = inst.data_dir / "planning" / "layers"
    layers = [read_layer(p) for p in sorted(folder.iterdir())]
    db = Database(inst.database_url)
    try:
        existing = load_existing_cameras(db)
    finally:
        db.dispose()
    result = plan(prepare_scene(layers, existing=existing), budget, existing="working")
    return result.coverage, len(result.recommendations)


def _upload(page: Any, name: str, data: bytes) -> None:
    page.get_by_test_id("plan-upload").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": data}]
    )


def test_a_planner_adds_a_layer_runs_a_plan_and_downloads_it(
    new_page: Any, server: str, installation: Installation, tmp_path: Path
) -> None:
    failed = installation.failed[0]
    camera = _camera(installation, failed)
    folder = installation.data_dir / "planning" / "layers"
    page = new_page()
    sign_in(page, server, "perizat", "/planning")
    page.wait_for_function("window.qarauylPlan && window.qarauylPlan.ready", timeout=30_000)
    assert page.get_by_test_id("plan-layer").count() == 1
    assert page.evaluate("window.qarauylPlan.counts.features") == 1

    # A file without coordinates is refused in a sentence that names the problem; nothing is stored.
    _upload(page, "bad.csv", b"name,weight\nmosque,3\n")
    error = page.get_by_test_id("plan-error")
    error.wait_for(state="visible")
    assert "bad.csv was not added" in error.inner_text() and "latitude: missing" in error.inner_text()
    assert sorted(p.name for p in folder.iterdir()) == ["road.geojson"]

    _upload(page, "square.csv", square_csv(camera["lat"], camera["lon"], camera["heading"]).encode())
    page.locator("[data-testid=plan-layer][data-file='square.csv']").wait_for()
    assert (folder / "square.csv").exists()
    page.wait_for_function("window.qarauylPlan.counts.features === 2")

    budget = page.get_by_test_id("plan-budget-input")
    budget.fill(str(BUDGET))
    budget.press("Tab")
    expect(page.get_by_test_id("plan-budget-label")).to_have_text(f"New cameras: {BUDGET}")
    page.get_by_test_id("plan-run").click()
    coverage = page.get_by_test_id("plan-coverage")
    coverage.wait_for(timeout=60_000)

    expected, recommended = _expected_coverage(installation, BUDGET)
    assert recommended == BUDGET
    assert float(coverage.get_attribute("data-value")) == pytest.approx(expected, abs=1e-9)
    assert coverage.inner_text() == f"{expected:.1%}"
    assert page.get_by_test_id("plan-table").locator("tbody tr").count() == BUDGET
    page.wait_for_function(f"window.qarauylPlan.counts.sites === {BUDGET}")
    assert page.evaluate("window.qarauylPlan.counts.wedges") == BUDGET
    assert failed in page.get_by_test_id("plan-repair-table").inner_text()
    screenshot(page, "planning-planner")

    with page.expect_download() as download:
        page.get_by_test_id("plan-export-geojson").click()
    saved = tmp_path / "plan.geojson"
    download.value.save_as(saved)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert [f["properties"]["rank"] for f in doc["features"] if f["properties"]["role"] == "site"] == [
        1,
        2,
        3,
    ]
    assert doc["qarauyl"]["coverage"] == pytest.approx(expected, abs=1e-9)
    with page.expect_download() as download:
        page.get_by_test_id("plan-export-kml").click()
    assert download.value.suggested_filename == f"qarauyl-plan-{BUDGET}.kml"

    # Removing a layer asks first, then takes it off the folder, the list and the map.
    page.locator("[data-testid=plan-layer][data-file='square.csv']").get_by_test_id("plan-remove").click()
    page.get_by_test_id("plan-confirm-yes").click()
    page.locator("[data-testid=plan-layer][data-file='square.csv']").wait_for(state="detached")
    assert sorted(p.name for p in folder.iterdir()) == ["road.geojson"]
    page.wait_for_function("window.qarauylPlan.counts.features === 1")


def test_a_viewer_sees_the_page_but_cannot_change_or_run_it(new_page: Any, server: str) -> None:
    page = new_page()
    sign_in(page, server, "viktor", "/planning")
    page.wait_for_function("window.qarauylPlan && window.qarauylPlan.ready", timeout=30_000)
    assert page.get_by_test_id("plan-layer").count() >= 1
    assert page.get_by_test_id("plan-read-only").is_visible()
    assert not page.get_by_test_id("plan-run").is_visible()
    assert page.get_by_test_id("plan-upload").count() == 0
    assert page.get_by_test_id("plan-remove").count() == 0
    assert page.get_by_test_id("nav-planning").count() == 1
    # NiceGUI drops events of hidden elements; behind that, the page's handlers call _planning, which
    # refuses viewers itself (test_planning_work.py::test_only_planners_change_layers_or_run_plans).


def test_an_engineer_is_refused_the_page(new_page: Any, server: str) -> None:
    page = new_page()
    sign_in(page, server, "erlan", "/planning")
    page.get_by_test_id("forbidden").wait_for()
    assert page.get_by_test_id("nav-planning").count() == 0
    assert page.get_by_test_id("plan-map").count() == 0


def test_the_planning_page_fits_a_phone(new_page: Any, server: str) -> None:
    page = new_page(390, 844)
    sign_in(page, server, "perizat", "/planning")
    page.wait_for_function("window.qarauylPlan && window.qarauylPlan.ready", timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "planning-phone")
