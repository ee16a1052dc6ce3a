"""Camera optics in the inventory (mount height, focal length, sensor width): validated on import like every
other column, kept through export and re-import, sent to the API, and used by the planner (both backends)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely

from qarauyl.api._cameras import validate_fields
from qarauyl.errors import InputError
from qarauyl.inventory import export_cameras, import_file, iter_cameras
from qarauyl.planning import hfov_from_focal, load_existing_cameras, prepare_scene
from qarauyl.planning.layers import CandidateSite, DemandLayer, LayerFeature
from qarauyl.security import CredentialCipher
from qarauyl.store import Camera, Database

CIPHER = CredentialCipher(b"k" * 32)
HEADER = "code,name,vendor,latitude,longitude,heading_deg,hfov_deg,mount_height,focal_mm,sensor_width_mm"


def _csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_bad_optics_are_problems_naming_the_row_and_column_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    source = _csv(
        tmp_path / "cams.csv",
        "A,a,hikvision,43.29,68.25,0,,0.2,4,5.37",
        "B,b,hikvision,43.29,68.25,0,,6,abc,",
        "C,c,hikvision,43.29,68.25,0,,6,4,0",
        "D,d,hikvision,43.29,68.25,0,,101,4000,60",
    )
    with pytest.raises(InputError) as caught:
        import_file(db, source, cipher=CIPHER)
    found = {(p.location.rsplit(":", 1)[-1], p.column, p.message) for p in caught.value.problems}
    assert found == {
        ("2", "mount_height_m", "0.2 is out of range [0.5, 100]"),
        ("3", "focal_mm", "'abc' is not a number"),
        ("4", "sensor_width_mm", "0 is out of range (0, 50]"),
        ("5", "mount_height_m", "101 is out of range [0.5, 100]"),
        ("5", "focal_mm", "4000 is out of range (0, 1000]"),
        ("5", "sensor_width_mm", "60 is out of range (0, 50]"),
    }
    with db.session() as session:
        assert list(iter_cameras(session)) == []


def test_optics_round_trip_through_csv_and_geojson_exports(db: Database, tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "cams.csv",
        "A,a,hikvision,43.29,68.25,10,,7.5,4,5.37",
        "B,b,dahua,43.30,68.26,20,60,,,",
    )
    plan = import_file(db, source, cipher=CIPHER)
    assert sorted(plan.created) == ["A", "B"]
    with db.session() as session:
        listed = {c["code"]: c for c in iter_cameras(session)}
        stored = {c.code: c for c in session.query(Camera)}
    optics = {code: (c.mount_height_m, c.focal_mm, c.sensor_width_mm) for code, c in stored.items()}
    assert optics == {"A": (7.5, 4.0, 5.37), "B": (None, None, None)}
    assert listed["A"]["mount_height_m"] == 7.5 and listed["A"]["focal_mm"] == 4.0
    for name in ("out.csv", "out.geojson"):
        out = tmp_path / name
        with db.session() as session:
            export_cameras(out, iter_cameras(session))
        again = import_file(db, out, cipher=CIPHER, dry_run=True)
        assert not again.changes_anything, (name, again.updated)
    header = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert {"mount_height_m", "focal_mm", "sensor_width_mm"} <= set(header)
    feature = json.loads((tmp_path / "out.geojson").read_text())["features"][0]
    assert feature["properties"]["mount_height_m"] == 7.5
    # A changed height is an update of that column alone.
    changed = _csv(tmp_path / "changed.csv", "A,a,hikvision,43.29,68.25,10,,9,4,5.37")
    assert import_file(db, changed, cipher=CIPHER).updated == {"A": ["mount_height_m"]}


def test_the_api_holds_optics_to_the_same_rules() -> None:
    sent = {"mount_height_m": 8.0, "focal_mm": 2.8}
    assert validate_fields(sent) == sent
    with pytest.raises(InputError) as caught:
        validate_fields({"mount_height_m": 0.1})
    assert [(p.column, p.message) for p in caught.value.problems] == [
        ("mount_height_m", "0.1 is out of range [0.5, 100]")
    ]


def _camera(code: str, **kw: object) -> Camera:
    base: dict[str, object] = dict(
        code=code,
        name=code,
        vendor="hikvision",
        kind="fixed",
        latitude=43.293,
        longitude=68.27,
        heading_deg=0.0,
        hfov_deg=90.0,
        width=1920,
        lifecycle="connected",
        health="ok",
    )
    base.update(kw)
    return Camera(**base)


def test_the_planner_reads_stored_height_and_the_lens(db: Database) -> None:
    with db.session() as session:
        session.add_all(
            [
                _camera("LENS", hfov_deg=None, focal_mm=4.0, sensor_width_mm=6.4, mount_height_m=12.0),
                _camera("FOCAL-ONLY", hfov_deg=None, focal_mm=2.8),
                _camera("RECORDED", hfov_deg=60.0, focal_mm=12.0),  # the recorded field of view wins
                _camera("NOTHING", hfov_deg=None),
            ]
        )
    cams = {c.code: c for c in load_existing_cameras(db, mount_height_m=5.0)}
    assert cams["LENS"].mount_height_m == 12.0
    assert math.isclose(cams["LENS"].hfov_deg, math.degrees(2 * math.atan(6.4 / 8.0)))
    assert math.isclose(cams["FOCAL-ONLY"].hfov_deg, hfov_from_focal(2.8, 5.37))
    assert cams["FOCAL-ONLY"].mount_height_m == 5.0  # the default given for cameras without a height
    assert cams["RECORDED"].hfov_deg == 60.0
    assert cams["NOTHING"].hfov_deg == 90.0


def test_a_stored_mount_height_changes_what_an_existing_camera_covers(db: Database) -> None:
    """A 2 MP 90° camera resolves faces (recognise, 125 px/m) to about 7.7 m along its line of sight: from a
    6 m pole that reaches ~6 m over the ground, from a 10 m mast not the ground at all."""
    with db.session() as session:
        session.add(_camera("POLE"))
    # Demand: a disc of 4 m, 4 m north of the camera (in its view), needing the recognise tier.
    centre = shapely.Point(68.27, 43.293 + 4.0 / 111_000)
    layer = DemandLayer("square", "points", (LayerFeature(centre, 1.0, "recognise", 4.0),))
    site = [CandidateSite("s", 43.2935, 68.2705)]

    def covered() -> int:
        existing = load_existing_cameras(db)
        scene = prepare_scene([layer], candidates=site, existing=existing, step_m=1.0, headings=4)
        return int(scene.baseline_rows("all").sum())

    at_default = covered()
    assert at_default > 0
    with db.session() as session:
        session.query(Camera).filter(Camera.code == "POLE").update({"mount_height_m": 10.0})
    assert covered() == 0
    with db.session() as session:
        session.query(Camera).filter(Camera.code == "POLE").update({"mount_height_m": 6.5})
    assert 0 < covered() < at_default
