"""Reading the planner's inputs (demand layers, buildings, candidate sites, cameras, camera models) from
GeoJSON, CSV and OpenStreetMap extracts into plain dataclasses in WGS 84. Every problem in a file is
collected and raised together as one InputError whose problems read `FILE:LINE: column: message`."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from qarauyl.errors import InputError, Problem
from qarauyl.planning.camera import (
    DEFAULT_HFOV_DEG,
    DEFAULT_MOUNT_HEIGHT_M,
    DEFAULT_SENSOR_WIDTH_MM,
    DEFAULT_WIDTH_PX,
    CameraModel,
    hfov_from_focal,
)

LAYER_KINDS = ("area", "points", "incidents", "roads", "buildings")
# Defaults per layer kind: the tier a use-case needs (see docs/architecture/planning.md).
DEFAULT_TIER = {"area": "observe", "points": "recognise", "incidents": "observe", "roads": "detect"}
VALUE_KEYS = ("weight", "population", "visitors", "traffic", "collisions", "incidents", "count")


@dataclass(frozen=True)
class LayerFeature:
    """One feature of a demand layer (WGS 84 geometry) and its own value and overrides."""

    geometry: shapely.Geometry
    value: float = 1.0
    tier: str | None = None
    radius_m: float | None = None


@dataclass(frozen=True)
class DemandLayer:
    """A demand layer: what its features mean (`kind`), how much it weighs against the other layers,
    and the image-quality tier it needs. Buildings are read as a layer of kind `buildings`."""

    name: str
    kind: str
    features: tuple[LayerFeature, ...]
    weight: float = 1.0
    tier: str | None = None
    radius_m: float = 50.0  # points: demand spread on a disc of this radius (a site's forecourt)
    bandwidth_m: float = 75.0  # incidents: the Gaussian kernel of the density surface
    source: str = ""


@dataclass(frozen=True)
class CandidateSite:
    """A place a camera can be mounted (a pole, a facade, a cabinet), in WGS 84.
    `models` empty means every model; `headings` empty means the run's default fan of headings."""

    site_id: str
    latitude: float
    longitude: float
    mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M
    models: tuple[str, ...] = ()
    headings: tuple[float, ...] = ()
    extra_cost: float = 0.0


@dataclass(frozen=True)
class ExistingCamera:
    """An installed camera as the planner sees it: its position, view and whether it works now."""

    code: str
    latitude: float
    longitude: float
    heading_deg: float | None
    hfov_deg: float = DEFAULT_HFOV_DEG
    width_px: int = DEFAULT_WIDTH_PX
    mount_height_m: float = DEFAULT_MOUNT_HEIGHT_M
    health: str = "unknown"
    lifecycle: str = "installed"
    max_range_m: float = 150.0

    @property
    def working(self) -> bool:
        # Unknown health counts as working: it has not been seen failing, and the planner should not
        # recommend a new camera where an unprobed one may already look.
        return self.health != "failed"


@dataclass
class _Collector:
    path: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | str, column: str, message: str) -> None:
        self.problems.append(Problem(f"{self.path}:{line}", column, message))

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            n = len(self.problems)
            raise InputError(f"{self.path}: {n} problem{'s' if n > 1 else ''} in the {what}.", self.problems)


def _number(
    raw: Any, col: _Collector, line: int | str, column: str, *, minimum: float | None = None
) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        col.add(line, column, f"'{raw}' is not a number")
        return None
    if not math.isfinite(value):
        col.add(line, column, f"'{raw}' is not a finite number")
        return None
    if minimum is not None and value < minimum:
        col.add(line, column, f"{value:g} is below the minimum {minimum:g}")
        return None
    return value


def _lat_lon(row: dict[str, Any], col: _Collector, line: int | str) -> tuple[float, float] | None:
    lat = _number(row.get("latitude", row.get("lat")), col, line, "latitude")
    lon = _number(row.get("longitude", row.get("lon")), col, line, "longitude")
    if lat is None or lon is None:
        if row.get("latitude", row.get("lat")) in (None, ""):
            col.add(line, "latitude", "missing")
        if row.get("longitude", row.get("lon")) in (None, ""):
            col.add(line, "longitude", "missing")
        return None
    if not -90 <= lat <= 90:
        col.add(line, "latitude", f"{lat:g} is outside -90..90")
        return None
    if not -180 <= lon <= 180:
        col.add(line, "longitude", f"{lon:g} is outside -180..180")
        return None
    return lat, lon


def _read_csv(path: Path, col: _Collector) -> Iterator[tuple[int | str, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        col.add(1, "", "the file is empty (a header row is needed)")
        return
    for row in reader:
        if None in row:
            col.add(reader.line_num, "", f"{len(row[None])} more values than header columns")
            continue
        yield reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}


def _load_geojson(path: Path, col: _Collector) -> tuple[dict[str, Any], list[int | str]]:
    """The parsed document and, per feature, the line it starts on (for problem locations)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON.",
            [Problem(f"{path}:{exc.lineno}", "", f"{exc.msg} (column {exc.colno})")],
        ) from None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise InputError(
            f"{path} is not a GeoJSON FeatureCollection.",
            [Problem(f"{path}:1", "type", "expected a FeatureCollection with a 'features' array")],
        )
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
    lines: list[int | str] = (
        list(starts)
        if len(starts) == len(doc["features"])
        else [f"feature {i + 1}" for i in range(len(doc["features"]))]
    )
    return doc, lines


def _geometry(feature: Any, col: _Collector, line: int | str) -> shapely.Geometry | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        col.add(line, "type", "not a GeoJSON Feature")
        return None
    geom = feature.get("geometry")
    if geom is None:
        col.add(line, "geometry", "missing")
        return None
    try:
        g = shape(geom)
    except Exception as exc:
        col.add(line, "geometry", f"invalid ({exc})")
        return None
    if g.is_empty:
        col.add(line, "geometry", "empty")
        return None
    minx, miny, maxx, maxy = g.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        col.add(line, "geometry", "coordinates are not longitude/latitude in WGS 84")
        return None
    if not g.is_valid:
        g = shapely.make_valid(g)
    return g


def _infer_kind(name: str, geoms: list[shapely.Geometry]) -> str:
    lower = name.lower()
    for kind, words in (
        ("buildings", ("building",)),
        ("incidents", ("incident", "crime", "collision", "accident")),
        ("roads", ("road", "street")),
    ):
        if any(w in lower for w in words):
            return kind
    types = {g.geom_type for g in geoms}
    if types and types <= {"Polygon", "MultiPolygon"}:
        return "area"
    if types and types <= {"LineString", "MultiLineString"}:
        return "roads"
    return "points"


def _feature_value(props: dict[str, Any], col: _Collector, line: int | str, key: str | None) -> float:
    keys = (key,) if key else VALUE_KEYS
    for k in keys:
        if k in props and props[k] not in (None, ""):
            v = _number(props[k], col, line, k, minimum=0.0)
            return 0.0 if v is None else v
    return 1.0


def read_layer(path: str | Path, *, kind: str | None = None, weight: float | None = None) -> DemandLayer:
    """A demand layer (or a buildings layer) from GeoJSON or CSV.

    GeoJSON: the optional top-level member `"qarauyl": {"kind", "weight", "tier", "value", "radius_m",
    "bandwidth_m", "name"}` says how to read it; features may override `tier` and `radius_m`, and carry
    their value in the property named by `value` (else weight/population/visitors/traffic/… or 1).
    Without `kind` it is inferred from the file name and geometry types.
    CSV: latitude, longitude and optional weight (or visitors, incidents…), tier, radius_m, one point a
    row."""
    p = Path(path)
    col = _Collector(p)
    meta: dict[str, Any] = {}
    feats: list[LayerFeature] = []
    if p.suffix.lower() == ".csv":
        for line, row in _read_csv(p, col):
            ll = _lat_lon(row, col, line)
            value = _feature_value(row, col, line, None)
            radius = _number(row.get("radius_m"), col, line, "radius_m", minimum=0.0)
            if ll is not None:
                feats.append(
                    LayerFeature(shapely.Point(ll[1], ll[0]), value, row.get("tier") or None, radius)
                )
    elif p.suffix.lower() in (".geojson", ".json"):
        doc, lines = _load_geojson(p, col)
        raw_meta = doc.get("qarauyl", {})
        if not isinstance(raw_meta, dict):
            col.add(1, "qarauyl", "must be an object")
        else:
            meta = raw_meta
        value_key = meta.get("value")
        for feature, line in zip(doc["features"], lines, strict=True):
            g = _geometry(feature, col, line)
            if g is None:
                continue
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                col.add(line, "properties", "must be an object")
                continue
            value = _feature_value(props, col, line, value_key)
            radius = _number(props.get("radius_m"), col, line, "radius_m", minimum=0.0)
            tier = props.get("tier")
            feats.append(LayerFeature(g, value, str(tier) if tier else None, radius))
    else:
        raise InputError(
            f"{p}: a layer must be .geojson, .json or .csv (an .osm.pbf is read as buildings/roads)."
        )
    layer_kind = kind or meta.get("kind") or _infer_kind(p.stem, [f.geometry for f in feats])
    if layer_kind not in LAYER_KINDS:
        col.add(1, "kind", f"'{layer_kind}' is not one of {', '.join(LAYER_KINDS)}")
    layer_weight = (
        weight if weight is not None else _number(meta.get("weight", 1.0), col, 1, "weight", minimum=0)
    )
    radius_m = _number(meta.get("radius_m", 50.0), col, 1, "radius_m", minimum=0.0)
    bandwidth = _number(meta.get("bandwidth_m", 75.0), col, 1, "bandwidth_m", minimum=1.0)
    col.raise_if_any("layer")
    return DemandLayer(
        name=str(meta.get("name") or p.stem),
        kind=str(layer_kind),
        features=tuple(feats),
        weight=1.0 if layer_weight is None else layer_weight,
        tier=str(meta["tier"]) if meta.get("tier") else None,
        radius_m=50.0 if radius_m is None else radius_m,
        bandwidth_m=75.0 if bandwidth is None else bandwidth,
        source=str(p),
    )


def layer_paths(paths: list[Path]) -> list[Path]:
    """Files given on the command line; a directory stands for its .geojson/.json/.csv/.osm.pbf files."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.iterdir()
                    if q.suffix.lower() in (".geojson", ".json", ".csv") or q.name.endswith(".osm.pbf")
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"The layer file {p} does not exist.")
    return out


def _split_list(raw: str) -> list[str]:
    return [s.strip() for s in re.split(r"[;|]", raw) if s.strip()]


def read_candidates(path: str | Path) -> list[CandidateSite]:
    """Candidate sites from CSV (site_id, latitude, longitude, mount_height_m, models, headings,
    extra_cost) or GeoJSON points with the same properties. `models` is a `;`-separated list of model
    names; `headings` is either a count (8) or a `;`-separated list of bearings in degrees."""
    p = Path(path)
    col = _Collector(p)
    rows: list[tuple[int | str, dict[str, Any], tuple[float, float] | None]] = []
    if p.suffix.lower() == ".csv":
        for line, row in _read_csv(p, col):
            rows.append((line, row, _lat_lon(row, col, line)))
    else:
        doc, lines = _load_geojson(p, col)
        for feature, line in zip(doc["features"], lines, strict=True):
            g = _geometry(feature, col, line)
            props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
            if g is not None and g.geom_type != "Point":
                col.add(line, "geometry", f"a candidate site must be a Point, not a {g.geom_type}")
                g = None
            rows.append(
                (line, {str(k).lower(): v for k, v in props.items()}, (g.y, g.x) if g is not None else None)
            )
    sites: list[CandidateSite] = []
    seen: set[str] = set()
    for line, row, ll in rows:
        site_id = str(row.get("site_id") or row.get("id") or f"site-{len(sites) + 1}")
        if site_id in seen:
            col.add(line, "site_id", f"'{site_id}' appears twice")
        seen.add(site_id)
        height = _number(row.get("mount_height_m"), col, line, "mount_height_m", minimum=0.5)
        extra = _number(row.get("extra_cost"), col, line, "extra_cost", minimum=0.0)
        models = tuple(_split_list(str(row.get("models") or "")))
        headings: tuple[float, ...] = ()
        raw_h = str(row.get("headings") or "").strip()
        if raw_h:
            parts = _split_list(raw_h)
            vals = [_number(v, col, line, "headings") for v in parts]
            if len(vals) == 1 and vals[0] is not None and ";" not in raw_h and float(vals[0]).is_integer():
                n = int(vals[0])
                if not 1 <= n <= 72:
                    col.add(line, "headings", f"{n} headings is outside 1..72")
                else:
                    headings = tuple(360.0 * k / n for k in range(n))
            else:
                headings = tuple(v % 360.0 for v in vals if v is not None)
        if ll is not None:
            sites.append(
                CandidateSite(
                    site_id,
                    ll[0],
                    ll[1],
                    DEFAULT_MOUNT_HEIGHT_M if height is None else height,
                    models,
                    headings,
                    0.0 if extra is None else extra,
                )
            )
    col.raise_if_any("candidate sites")
    return sites


def read_cameras(path: str | Path) -> list[ExistingCamera]:
    """Existing cameras from CSV: code, latitude, longitude, heading_deg, hfov_deg (or focal_mm with
    sensor_width_mm), width, mount_height_m, health, lifecycle. Used without a database, and to give
    inventory cameras the mount heights and lenses the inventory does not record (matched by code)."""
    p = Path(path)
    col = _Collector(p)
    cams: list[ExistingCamera] = []
    for line, row in _read_csv(p, col):
        code = row.get("code") or ""
        if not code:
            col.add(line, "code", "missing")
        ll = _lat_lon(row, col, line)
        heading = _number(row.get("heading_deg"), col, line, "heading_deg")
        hfov = _number(row.get("hfov_deg"), col, line, "hfov_deg", minimum=1.0)
        focal = _number(row.get("focal_mm"), col, line, "focal_mm", minimum=0.1)
        sensor = _number(row.get("sensor_width_mm"), col, line, "sensor_width_mm", minimum=0.1)
        if hfov is None and focal is not None:
            hfov = hfov_from_focal(focal, sensor if sensor is not None else DEFAULT_SENSOR_WIDTH_MM)
        if hfov is not None and hfov >= 180:
            col.add(line, "hfov_deg", f"{hfov:g} must be below 180")
            hfov = None
        width = _number(row.get("width"), col, line, "width", minimum=16)
        height = _number(row.get("mount_height_m"), col, line, "mount_height_m", minimum=0.5)
        health = (row.get("health") or "unknown").lower()
        if health not in ("ok", "degraded", "failed", "unknown"):
            col.add(line, "health", f"'{health}' is not one of ok, degraded, failed, unknown")
        if ll is not None and code:
            cams.append(
                ExistingCamera(
                    code,
                    ll[0],
                    ll[1],
                    None if heading is None else heading % 360.0,
                    DEFAULT_HFOV_DEG if hfov is None else hfov,
                    DEFAULT_WIDTH_PX if width is None else int(width),
                    DEFAULT_MOUNT_HEIGHT_M if height is None else height,
                    health,
                    (row.get("lifecycle") or "installed").lower(),
                )
            )
    col.raise_if_any("cameras")
    return cams


def read_models(path: str | Path) -> list[CameraModel]:
    """Camera models from CSV: name, hfov_deg (or focal_mm and sensor_width_mm), width_px, cost,
    max_range_m."""
    p = Path(path)
    col = _Collector(p)
    models: list[CameraModel] = []
    for line, row in _read_csv(p, col):
        name = row.get("name") or ""
        if not name:
            col.add(line, "name", "missing")
        hfov = _number(row.get("hfov_deg"), col, line, "hfov_deg", minimum=1.0)
        focal = _number(row.get("focal_mm"), col, line, "focal_mm", minimum=0.1)
        sensor = _number(row.get("sensor_width_mm"), col, line, "sensor_width_mm", minimum=0.1)
        if hfov is None and focal is not None and sensor is not None:
            hfov = hfov_from_focal(focal, sensor)
        if hfov is None:
            col.add(line, "hfov_deg", "missing (give hfov_deg, or focal_mm and sensor_width_mm)")
        elif hfov >= 180:
            col.add(line, "hfov_deg", f"{hfov:g} must be below 180")
            hfov = None
        width = _number(row.get("width_px"), col, line, "width_px", minimum=16)
        if width is None:
            col.add(line, "width_px", "missing")
        cost = _number(row.get("cost") or 1.0, col, line, "cost", minimum=0.0)
        max_range = _number(row.get("max_range_m") or 150.0, col, line, "max_range_m", minimum=1.0)
        if name and hfov is not None and width is not None:
            models.append(
                CameraModel(name, hfov, int(width), 1.0 if cost is None else cost, max_range or 150.0)
            )
    col.raise_if_any("camera models")
    return models
