"""A deterministic demo layer set for Turkistan city, so `qarauyl plan` can be tried at once.

Historic sites are placed at approximate real positions (the Mausoleum of Khoja Ahmed Yasawi at
43.2930 N, 68.2717 E and its neighbours in the Hazret-Sultan reserve); visitor counts, microdistrict
outlines and populations, road geometry and traffic, incidents, buildings and existing cameras are
synthetic but plausible. Nothing here is survey data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from qarauyl.planning.geo import LocalProjection

SEED = 2026
YASAWI = (43.2930, 68.2717)

# (name, latitude, longitude, visitors per day, tier, forecourt radius m); positions approximate.
HISTORIC_SITES: tuple[tuple[str, float, float, float, str, float], ...] = (
    ("Mausoleum of Khoja Ahmed Yasawi", 43.2930, 68.2717, 6000, "recognise", 90.0),
    ("Mausoleum of Rabiga Sultan Begim", 43.2919, 68.2746, 1200, "recognise", 40.0),
    ("Hammam (medieval bathhouse)", 43.2922, 68.2696, 900, "recognise", 30.0),
    ("Juma mosque and Kylyuet underground mosque", 43.2941, 68.2700, 1500, "recognise", 40.0),
    ("Kultobe ancient settlement", 43.2958, 68.2735, 700, "observe", 60.0),
    ("Keruen Saray tourist complex", 43.2960, 68.2655, 4000, "recognise", 70.0),
    ("Turkistan railway station", 43.3000, 68.2530, 2500, "recognise", 50.0),
    ("Central bazaar", 43.3015, 68.2600, 5000, "observe", 70.0),
)

# Synthetic new microdistricts: (name, centre east/north offset from the mausoleum in m, size m, population).
MICRODISTRICTS: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("New administrative centre", -2600.0, -900.0, 900.0, 700.0, 9000.0),
    ("Microdistrict Shapagat (new)", -1500.0, 900.0, 700.0, 600.0, 14000.0),
    ("Microdistrict Nurly Zhol (new)", 1300.0, 900.0, 700.0, 700.0, 16000.0),
    ("Microdistrict Sauran (new)", 1500.0, -900.0, 600.0, 600.0, 11000.0),
    ("Old town mahalla", -300.0, 700.0, 800.0, 400.0, 12000.0),
)

# Synthetic main roads: (name, vertices as offsets in m from the mausoleum, traffic weight).
ROADS: tuple[tuple[str, tuple[tuple[float, float], ...], float], ...] = (
    ("Tauke Khan avenue", ((-3400.0, 300.0), (-800.0, 300.0), (400.0, 260.0), (2400.0, 200.0)), 5.0),
    ("Sattarkhanov avenue", ((-700.0, -1800.0), (-650.0, 300.0), (-600.0, 1900.0)), 4.0),
    ("Yesim Khan street", ((-3400.0, -300.0), (-600.0, -300.0), (2400.0, -400.0)), 3.0),
    ("Ring road east", ((900.0, -1800.0), (950.0, 0.0), (900.0, 1800.0)), 3.0),
    ("Station road", ((-1500.0, 820.0), (-900.0, 300.0)), 2.0),
    ("Administrative boulevard", ((-3200.0, -900.0), (-2000.0, -900.0)), 2.0),
)


def _fc(features: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "qarauyl": meta, "features": features}


def _feature(geom: shapely.Geometry, props: dict[str, Any]) -> dict[str, Any]:
    g = shapely.geometry.mapping(geom)
    return {"type": "Feature", "properties": props, "geometry": json.loads(json.dumps(g))}


def demo_layers(outdir: str | Path) -> list[Path]:
    """Writes historic_sites, microdistricts, roads, incidents and buildings (.geojson) and cameras.csv
    (existing cameras, some failed) into outdir; returns the paths. Same files for every call."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    proj = LocalProjection.for_points([YASAWI[1]], [YASAWI[0]])
    cx, cy = (float(v[0]) for v in proj.to_xy([YASAWI[1]], [YASAWI[0]]))

    def wgs(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.set_precision(
            shapely.transform(g, lambda c: np.column_stack(proj.to_lonlat(c[:, 0], c[:, 1]))), 1e-7
        )

    def offset_xy(lat: float, lon: float) -> tuple[float, float]:
        x, y = proj.to_xy([lon], [lat])
        return float(x[0]), float(y[0])

    paths: list[Path] = []
    # Historic sites.
    sites = [
        _feature(shapely.Point(lon, lat), {"name": n, "visitors": v, "tier": t, "radius_m": r})
        for n, lat, lon, v, t, r in HISTORIC_SITES
    ]
    paths.append(out / "historic_sites.geojson")
    paths[-1].write_text(
        json.dumps(_fc(sites, {"kind": "points", "weight": 0.01, "name": "historic sites"}), indent=1)
    )
    # Microdistricts.
    districts = []
    district_polys = []
    for n, ox, oy, w, h, pop in MICRODISTRICTS:
        poly = shapely.box(cx + ox - w / 2, cy + oy - h / 2, cx + ox + w / 2, cy + oy + h / 2)
        district_polys.append(poly)
        districts.append(_feature(wgs(poly), {"name": n, "population": pop, "synthetic": True}))
    paths.append(out / "microdistricts.geojson")
    paths[-1].write_text(
        json.dumps(
            _fc(districts, {"kind": "area", "weight": 0.01, "tier": "observe", "name": "microdistricts"}),
            indent=1,
        )
    )
    # Roads.
    road_lines = []
    road_feats = []
    for n, verts, traffic in ROADS:
        line = shapely.LineString([(cx + x, cy + y) for x, y in verts])
        road_lines.append(line)
        road_feats.append(_feature(wgs(line), {"name": n, "traffic": traffic, "synthetic_geometry": True}))
    paths.append(out / "roads.geojson")
    paths[-1].write_text(
        json.dumps(
            _fc(road_feats, {"kind": "roads", "weight": 3.0, "tier": "detect", "name": "main roads"}),
            indent=1,
        )
    )
    roads_union = shapely.union_all(road_lines)
    # Incidents: clustered around the bazaar, the station and the avenues' crossings.
    hotspots = [offset_xy(43.3015, 68.2600), offset_xy(43.3000, 68.2530), (cx - 650.0, cy + 300.0), (cx, cy)]
    inc = []
    for k, (hx, hy) in enumerate(hotspots):
        count = (60, 40, 50, 30)[k]
        px = rng.normal(hx, 120.0, count)
        py = rng.normal(hy, 120.0, count)
        for x, y in zip(px, py, strict=True):
            inc.append(
                _feature(
                    wgs(shapely.Point(x, y)),
                    {"kind": ("theft", "collision", "disorder")[int(rng.integers(3))]},
                )
            )
    paths.append(out / "incidents.geojson")
    paths[-1].write_text(
        json.dumps(
            _fc(
                inc,
                {
                    "kind": "incidents",
                    "weight": 0.5,
                    "tier": "observe",
                    "bandwidth_m": 60,
                    "name": "incidents 2025",
                },
            ),
            indent=1,
        )
    )
    # Buildings: blocks of houses in the microdistricts, clear of the roads and the historic sites, plus
    # the mausoleum's own footprint (about 46 m × 65 m).
    keep_clear = shapely.union_all(
        [roads_union.buffer(12.0)]
        + [shapely.Point(*offset_xy(lat, lon)).buffer(r + 5.0) for _, lat, lon, _, _, r in HISTORIC_SITES]
    )
    shapely.prepare(keep_clear)
    houses = []
    for poly in district_polys:
        minx, miny, maxx, maxy = poly.bounds
        for x in np.arange(minx + 20, maxx - 10, 34.0):
            for y in np.arange(miny + 20, maxy - 10, 30.0):
                w, h = rng.uniform(10, 22), rng.uniform(9, 16)
                b = shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                if not keep_clear.intersects(b):
                    houses.append(b)
    mx, my = offset_xy(*YASAWI)
    houses.append(shapely.box(mx - 23, my - 32, mx + 23, my + 33))
    bfeats = [_feature(wgs(b), {"building": "yes"}) for b in houses]
    paths.append(out / "buildings.geojson")
    paths[-1].write_text(json.dumps(_fc(bfeats, {"kind": "buildings", "name": "buildings (synthetic)"})))
    # Existing cameras: along Tauke Khan avenue and around the reserve, a few failed.
    cams = []
    for i, t in enumerate(np.linspace(0.05, 0.95, 14)):
        p = ROADS[0]
        line = road_lines[0]
        pt = line.interpolate(t * line.length)
        lon, lat = proj.to_lonlat([pt.x], [pt.y + 6.0])
        cams.append((f"TRK-ROAD-{i + 1:03d}", lat[0], lon[0], (90.0 if i % 2 else 270.0), p[0]))
    for i, (n, s_lat, s_lon, _, _, r) in enumerate(HISTORIC_SITES[:5]):
        hx, hy = offset_xy(s_lat, s_lon)
        h_lon, h_lat = proj.to_lonlat([hx + r + 8.0], [hy])
        cams.append((f"TRK-HIST-{i + 1:03d}", h_lat[0], h_lon[0], 270.0, n))
    health_cycle = ("ok", "ok", "failed", "ok", "degraded", "ok", "failed", "ok", "unknown")
    paths.append(out / "cameras.csv")
    with paths[-1].open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(
            [
                "code",
                "latitude",
                "longitude",
                "heading_deg",
                "hfov_deg",
                "width",
                "mount_height_m",
                "health",
                "lifecycle",
                "note",
            ]
        )
        for k, (code, lat, lon, heading, note) in enumerate(cams):
            wr.writerow(
                [
                    code,
                    f"{lat:.7f}",
                    f"{lon:.7f}",
                    heading,
                    90,
                    1920,
                    6.0,
                    health_cycle[k % len(health_cycle)],
                    "connected",
                    note,
                ]
            )
    return paths
