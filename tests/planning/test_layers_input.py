"""Reading layers, candidates, cameras and models: good files load, bad ones name FILE:LINE: column."""

from __future__ import annotations

import json
from pathlib import Path

import osmium
import pytest

from qarauyl.errors import InputError
from qarauyl.planning.layers import read_cameras, read_candidates, read_layer, read_models
from qarauyl.planning.osm import read_osm


def _fc(features: list[dict], meta: dict | None = None) -> str:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if meta:
        doc["qarauyl"] = meta
    return json.dumps(doc, indent=1)


def _pt(lon: float, lat: float, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_geojson_layer_with_settings(tmp_path: Path) -> None:
    p = tmp_path / "sites.geojson"
    p.write_text(_fc([_pt(68.27, 43.29, visitors=500, tier="identify")], {"kind": "points", "weight": 0.5}))
    layer = read_layer(p)
    assert layer.kind == "points" and layer.weight == 0.5
    assert layer.features[0].value == 500 and layer.features[0].tier == "identify"


def test_kind_is_inferred_from_name_and_geometry(tmp_path: Path) -> None:
    p = tmp_path / "incidents_2025.geojson"
    p.write_text(_fc([_pt(68.27, 43.29)]))
    assert read_layer(p).kind == "incidents"
    q = tmp_path / "zones.geojson"
    poly = {"type": "Polygon", "coordinates": [[[68.0, 43.0], [68.01, 43.0], [68.01, 43.01], [68.0, 43.0]]]}
    q.write_text(_fc([{"type": "Feature", "properties": {"population": 10}, "geometry": poly}]))
    assert read_layer(q).kind == "area"


def test_malformed_json_reports_the_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.geojson"
    p.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}\n]}')
    with pytest.raises(InputError) as err:
        read_layer(p)
    assert str(err.value.problems[0]).startswith(f"{p}:3: ")


def test_bad_features_are_all_reported_with_lines(tmp_path: Path) -> None:
    p = tmp_path / "sites.geojson"
    p.write_text(
        _fc(
            [
                _pt(68.27, 43.29, visitors=10),
                _pt(68.27, 43.29, visitors="many"),
                {"type": "Feature", "properties": {}, "geometry": None},
                _pt(2000.0, 43.29),
            ]
        )
    )
    with pytest.raises(InputError) as err:
        read_layer(p)
    text = [str(x) for x in err.value.problems]
    lines = p.read_text().splitlines()
    # Each problem points at the line where its feature starts.
    assert len(text) == 3
    assert text[0].endswith("visitors: 'many' is not a number")
    assert text[1].endswith("geometry: missing")
    assert "WGS 84" in text[2]
    for problem in err.value.problems:
        line_no = int(problem.location.rsplit(":", 1)[1])
        assert '"Feature"' in lines[line_no - 1]


def test_not_a_feature_collection(tmp_path: Path) -> None:
    p = tmp_path / "x.geojson"
    p.write_text('{"type": "Feature"}')
    with pytest.raises(InputError, match="FeatureCollection"):
        read_layer(p)


def test_csv_layer_and_its_problems(tmp_path: Path) -> None:
    p = tmp_path / "stations.csv"
    p.write_text("latitude,longitude,weight,tier\n43.29,68.27,3,observe\n95,68.27,1,\n43.3,abc,1,\n")
    with pytest.raises(InputError) as err:
        read_layer(p)
    assert [str(x) for x in err.value.problems] == [
        f"{p}:3: latitude: 95 is outside -90..90",
        f"{p}:4: longitude: 'abc' is not a number",
    ]
    p.write_text("latitude,longitude,weight,tier\n43.29,68.27,3,observe\n")
    layer = read_layer(p)
    assert layer.kind == "points" and layer.features[0].value == 3


def test_candidates_csv(tmp_path: Path) -> None:
    p = tmp_path / "candidates.csv"
    p.write_text(
        "site_id,latitude,longitude,mount_height_m,models,headings\n"
        "pole-1,43.29,68.27,8,bullet-2mp-90;bullet-8mp-30,8\n"
        "pole-2,43.291,68.271,,,0;90;350\n"
    )
    a, b = read_candidates(p)
    assert a.mount_height_m == 8 and a.models == ("bullet-2mp-90", "bullet-8mp-30") and len(a.headings) == 8
    assert b.mount_height_m == 6.0 and b.headings == (0.0, 90.0, 350.0)
    p.write_text("site_id,latitude,longitude,mount_height_m\npole-1,43.29,68.27,0.1\npole-1,43.29,68.27,\n")
    with pytest.raises(InputError) as err:
        read_candidates(p)
    assert [str(x) for x in err.value.problems] == [
        f"{p}:2: mount_height_m: 0.1 is below the minimum 0.5",
        f"{p}:3: site_id: 'pole-1' appears twice",
    ]


def test_cameras_csv_with_focal_length(tmp_path: Path) -> None:
    p = tmp_path / "cameras.csv"
    p.write_text(
        "code,latitude,longitude,heading_deg,focal_mm,sensor_width_mm,health\n"
        "C1,43.29,68.27,370,4,5.37,failed\nC2,43.29,68.27,,,,sleeping\n"
    )
    with pytest.raises(InputError) as err:
        read_cameras(p)
    assert [str(x) for x in err.value.problems] == [
        f"{p}:3: health: 'sleeping' is not one of ok, degraded, failed, unknown"
    ]
    p.write_text(
        "code,latitude,longitude,heading_deg,focal_mm,sensor_width_mm,health\nC1,43.29,68.27,370,4,5.37,failed\n"
    )
    (c,) = read_cameras(p)
    assert c.heading_deg == 10.0 and 67 < c.hfov_deg < 68.5 and not c.working


def test_models_csv(tmp_path: Path) -> None:
    p = tmp_path / "models.csv"
    p.write_text("name,hfov_deg,width_px,cost\nptz-zoom,,2560,4\nwide,100,1920,1\n")
    with pytest.raises(InputError) as err:
        read_models(p)
    assert "hfov_deg: missing" in str(err.value.problems[0])
    p.write_text("name,focal_mm,sensor_width_mm,width_px,cost\nzoom,12,5.37,2560,4\n")
    (m,) = read_models(p)
    assert 24 < m.hfov_deg < 26 and m.cost == 4


def test_osm_extract_buildings_and_roads(tmp_path: Path) -> None:
    path = tmp_path / "city.osm.pbf"
    with osmium.SimpleWriter(str(path)) as w:
        coords = [(68.2700, 43.2900), (68.2702, 43.2900), (68.2702, 43.2902), (68.2700, 43.2902)]
        for i, (lon, lat) in enumerate(coords, start=1):
            w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), version=1))
        w.add_node(osmium.osm.mutable.Node(id=10, location=(68.268, 43.289), version=1))
        w.add_node(osmium.osm.mutable.Node(id=11, location=(68.275, 43.289), version=1))
        w.add_way(osmium.osm.mutable.Way(id=100, nodes=[1, 2, 3, 4, 1], tags={"building": "yes"}, version=1))
        w.add_way(osmium.osm.mutable.Way(id=101, nodes=[10, 11], tags={"highway": "primary"}, version=1))
        w.add_way(osmium.osm.mutable.Way(id=102, nodes=[10, 11], tags={"highway": "footway"}, version=1))
    buildings, roads = read_osm(path)
    assert buildings.kind == "buildings" and len(buildings.features) == 1
    assert buildings.features[0].geometry.area > 0
    assert roads.kind == "roads" and [f.value for f in roads.features] == [4.0]
