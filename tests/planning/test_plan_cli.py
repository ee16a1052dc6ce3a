"""`qarauyl plan` end to end on the demo layers, through the real CLI entry point."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qarauyl.cli import app
from qarauyl.cli._app import run_app


def _run(args: list[str]) -> tuple[int, str]:
    """Runs the CLI as `qarauyl` would (errors turned into exit codes) and returns (code, output)."""
    proc = subprocess.run(
        [sys.executable, "-m", "qarauyl", *args], capture_output=True, text=True, timeout=300, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow
def test_demo_layers_then_plan_curve_reaim_repair(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    code, out = _run(["plan", "demo-layers", str(demo)])
    assert code == 0, out
    assert (demo / "historic_sites.geojson").exists()
    common = [
        "--layers",
        str(demo),
        "--cameras",
        str(demo / "cameras.csv"),
        "--step",
        "10",
        "--headings",
        "8",
    ]
    code, out = _run(["plan", "--budget", "5", *common, "--out", str(tmp_path / "plan.geojson")])
    assert code == 0, out
    assert "Coverage" in out and "upper bound" in out and "gap" in out
    doc = json.loads((tmp_path / "plan.geojson").read_text())
    assert sum(f["properties"]["role"] == "site" for f in doc["features"]) == 5
    assert 0 < doc["qarauyl"]["coverage"] <= doc["qarauyl"]["upper_bound"] + 1e-12
    rows = list(csv.DictReader((tmp_path / "plan.csv").open()))
    assert len(rows) == 5 and {"site_id", "heading_deg", "model", "marginal_gain"} <= set(rows[0])
    assert (tmp_path / "plan.kml").read_text().count("<Placemark>") == 10
    code, out = _run(["plan", "curve", "--max", "4", *common, "--out", str(tmp_path / "curve.json")])
    assert code == 0, out
    curve = json.loads((tmp_path / "curve.json").read_text())
    assert [p["cameras"] for p in curve] == [0, 1, 2, 3, 4]
    code, out = _run(["plan", "reaim", *common])
    assert code == 0 and "re-aimed" in out, out
    code, out = _run(["plan", "repair", *common[:-2], "--out", str(tmp_path / "repair.geojson")])
    assert code == 0, out
    assert "TRK-" in out
    assert json.loads((tmp_path / "repair.geojson").read_text())["features"][0]["properties"]["rank"] == 1


def test_bad_layer_is_an_input_error_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "sites.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [\n'
        '{"type": "Feature", "properties": {"visitors": "lots"},\n'
        ' "geometry": {"type": "Point", "coordinates": [68.27, 43.29]}}]}'
    )
    monkeypatch.setattr(sys, "argv", ["qarauyl", "plan", "--budget", "3", "--layers", str(bad)])
    code = run_app(app)
    assert code == 2


def test_bad_layer_message(tmp_path: Path) -> None:
    bad = tmp_path / "sites.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [\n'
        '{"type": "Feature", "properties": {"visitors": "lots"},\n'
        ' "geometry": {"type": "Point", "coordinates": [68.27, 43.29]}}]}'
    )
    code, out = _run(["plan", "--budget", "3", "--layers", str(bad)])
    assert code == 2
    assert f"{bad}:2: visitors: 'lots' is not a number" in out


def test_plan_without_budget_or_layers_says_what_is_missing(tmp_path: Path) -> None:
    code, out = _run(["plan", "--layers", str(tmp_path)])
    assert code == 2 and "--budget" in out
    code, out = _run(["plan", "--budget", "3"])
    assert code == 2 and "--layers" in out


def test_repair_from_the_inventory_database(
    settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`plan repair --from-db` reads the cameras through the store (SQLite and PostgreSQL)."""
    from qarauyl.planning import demo_layers
    from qarauyl.runtime import open_database
    from qarauyl.store import Camera

    demo = tmp_path / "demo"
    demo_layers(demo)
    db = open_database()
    with db.session() as s:
        # Two failed cameras looking into the Yasawi mausoleum's forecourt from west and east, one
        # working camera far from any demand: only the two failed ones cost coverage.
        for code, lat, lon, heading, health in (
            ("DB-1", 43.2930, 68.2703, 90.0, "failed"),
            ("DB-2", 43.2800, 68.2500, 0.0, "ok"),
            ("DB-3", 43.2930, 68.2731, 270.0, "failed"),
        ):
            s.add(
                Camera(
                    code=code,
                    name=code,
                    vendor="pelco",
                    kind="fixed",
                    latitude=lat,
                    longitude=lon,
                    heading_deg=heading,
                    hfov_deg=40.0,
                    width=3840,
                    lifecycle="connected",
                    health=health,
                )
            )
    db.dispose()
    monkeypatch.setattr(
        sys,
        "argv",
        ["qarauyl", "plan", "repair", "--layers", str(demo / "historic_sites.geojson"), "--from-db"],
    )
    assert run_app(app) == 0
    out = capsys.readouterr().out
    assert "DB-1" in out and "DB-3" in out and "DB-2" not in out
    assert "more broken camera" not in out
