"""Plans as GeoJSON (sites and view wedges, WGS 84), CSV and KML; plain dicts for the console page."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from qarauyl.planning.analyses import CurvePoint, PlanResult, Recommendation, RepairItem
from qarauyl.planning.camera import wedge_outline
from qarauyl.planning.geo import LocalProjection
from qarauyl.planning.layers import ExistingCamera

CSV_COLUMNS = (
    "rank",
    "site_id",
    "latitude",
    "longitude",
    "heading_deg",
    "model",
    "hfov_deg",
    "range_m",
    "cost",
    "marginal_gain",
    "marginal_share",
)


def wedge_lonlat(rec: Recommendation, steps: int = 16) -> list[list[float]]:
    """The view wedge of a recommendation as a closed ring of [lon, lat]."""
    proj = LocalProjection.for_points([rec.longitude], [rec.latitude])
    x, y = proj.to_xy([rec.longitude], [rec.latitude])
    ring = wedge_outline(float(x[0]), float(y[0]), rec.heading_deg, rec.hfov_deg, rec.range_m, steps)
    lon, lat = proj.to_lonlat([p[0] for p in ring], [p[1] for p in ring])
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]


def _props(rec: Recommendation) -> dict[str, Any]:
    return {
        "rank": rec.rank,
        "site_id": rec.site_id,
        "heading_deg": round(rec.heading_deg, 2),
        "model": rec.model,
        "hfov_deg": rec.hfov_deg,
        "range_m": round(rec.range_m, 1),
        "cost": rec.cost,
        "marginal_gain": round(rec.marginal_gain, 6),
        "marginal_share": round(rec.marginal_share, 6),
        "tier_ranges_m": dict(rec.tier_ranges_m),
    }


def plan_geojson(result: PlanResult) -> dict[str, Any]:
    """A FeatureCollection: per recommended camera a Point (`role: site`) and a Polygon (`role: wedge`),
    with the plan's figures in the top-level member `qarauyl`."""
    feats: list[dict[str, Any]] = []
    for rec in result.recommendations:
        props = _props(rec)
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [rec.longitude, rec.latitude]},
                "properties": {"role": "site", **props},
            }
        )
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [wedge_lonlat(rec)]},
                "properties": {"role": "wedge", **props},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": feats,
        "qarauyl": {
            "coverage": result.coverage,
            "baseline_weight": result.baseline_weight,
            "covered_weight": result.covered_weight,
            "total_weight": result.total_weight,
            "upper_bound": result.upper_bound,
            "gap": result.gap,
            "bound_kind": result.bound_kind,
            "method": result.method,
            "budget": result.budget,
            "by_money": result.by_money,
            "spent": result.spent,
            "existing": result.existing_mode,
            "layers": [
                {"name": lc.name, "total": lc.total, "covered": lc.covered, "fraction": lc.fraction}
                for lc in result.layers
            ],
        },
    }


def plan_csv(result: PlanResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in result.recommendations:
        writer.writerow(
            [
                r.rank,
                r.site_id,
                f"{r.latitude:.7f}",
                f"{r.longitude:.7f}",
                f"{r.heading_deg:.2f}",
                r.model,
                r.hfov_deg,
                f"{r.range_m:.1f}",
                r.cost,
                f"{r.marginal_gain:.6f}",
                f"{r.marginal_share:.6f}",
            ]
        )
    return buf.getvalue()


def plan_kml(result: PlanResult, name: str = "Qarauyl plan") -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
        f"<name>{escape(name)}</name>",
        '<Style id="wedge"><LineStyle><color>ff0000ff</color></LineStyle>'
        "<PolyStyle><color>400000ff</color></PolyStyle></Style>",
    ]
    for r in result.recommendations:
        label = escape(f"#{r.rank} {r.site_id} {r.model} {r.heading_deg:.0f}°")
        desc = escape(f"marginal gain {r.marginal_gain:.3f} ({r.marginal_share:.2%}), cost {r.cost:g}")
        ring = " ".join(f"{lon},{lat},0" for lon, lat in wedge_lonlat(r))
        parts.append(
            f"<Placemark><name>{label}</name><description>{desc}</description>"
            f"<Point><coordinates>{r.longitude:.7f},{r.latitude:.7f},0</coordinates></Point></Placemark>"
        )
        parts.append(
            f"<Placemark><name>{label} view</name><styleUrl>#wedge</styleUrl><Polygon><outerBoundaryIs>"
            f"<LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        )
    parts.append("</Document></kml>")
    return "\n".join(parts) + "\n"


def write_plan(result: PlanResult, out: Path) -> list[Path]:
    """Writes OUT (.geojson) and the CSV and KML beside it; returns the paths written."""
    import json

    base = out.with_suffix("") if out.suffix.lower() in (".geojson", ".json") else out
    paths = [base.with_suffix(".geojson"), base.with_suffix(".csv"), base.with_suffix(".kml")]
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    paths[0].write_text(json.dumps(plan_geojson(result), ensure_ascii=False, indent=1), encoding="utf-8")
    paths[1].write_text(plan_csv(result), encoding="utf-8")
    paths[2].write_text(plan_kml(result), encoding="utf-8")
    return paths


def existing_geojson(cameras: Sequence[ExistingCamera], *, range_m: float = 40.0) -> dict[str, Any]:
    """The existing cameras for the map: a Point per camera (`role: existing`, health, lifecycle) and,
    where the heading is known, its view wedge drawn `range_m` deep."""
    feats: list[dict[str, Any]] = []
    for c in cameras:
        props = {
            "role": "existing",
            "code": c.code,
            "health": c.health,
            "lifecycle": c.lifecycle,
            "heading_deg": c.heading_deg,
            "hfov_deg": c.hfov_deg,
            "working": c.working,
        }
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.longitude, c.latitude]},
                "properties": props,
            }
        )
        if c.heading_deg is not None:
            rec = Recommendation(
                0, c.code, c.latitude, c.longitude, c.heading_deg, "", c.hfov_deg, range_m, 0, 0, 0
            )
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [wedge_lonlat(rec)]},
                    "properties": {**props, "role": "existing-wedge"},
                }
            )
    return {"type": "FeatureCollection", "features": feats}


def curve_rows(points: Sequence[CurvePoint]) -> list[dict[str, float]]:
    return [
        {
            "cameras": p.cameras,
            "covered_weight": p.covered_weight,
            "coverage": p.coverage,
            "marginal_gain": p.marginal_gain,
            "spent": p.spent,
            "upper_bound_weight": p.upper_bound_weight,
        }
        for p in points
    ]


def repair_geojson(items: Sequence[RepairItem]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [i.longitude, i.latitude]},
                "properties": {
                    "rank": i.rank,
                    "code": i.code,
                    "lost_weight": i.lost_weight,
                    "lost_share": i.lost_share,
                    "marginal_in_order": i.marginal_in_order,
                },
            }
            for i in items
        ],
    }
