"""Small planning inputs for the console tests: a 1.2 km road through a camera's place and a square of
demand just in front of it, so a plan takes a moment and the camera's repair matters."""

from __future__ import annotations

import json
import math
from pathlib import Path


def road_geojson(lat: float, lon: float) -> str:
    """An east-west road 1.2 km long centred on (lat, lon): more than three cameras can watch."""
    half = 600.0 / (111_320.0 * math.cos(math.radians(lat)))
    doc = {
        "type": "FeatureCollection",
        "qarauyl": {"kind": "roads", "weight": 1.0, "tier": "detect", "name": "test road"},
        "features": [
            {
                "type": "Feature",
                "properties": {"traffic": 2},
                "geometry": {"type": "LineString", "coordinates": [[lon - half, lat], [lon + half, lat]]},
            }
        ],
    }
    return json.dumps(doc)


def square_csv(lat: float, lon: float, heading_deg: float, ahead_m: float = 10.0) -> str:
    """One point of demand `ahead_m` in front of a camera at (lat, lon) looking at `heading_deg`,
    spread over an 8 m disc, at the observe tier (weighing about as much as the road)."""
    north = ahead_m * math.cos(math.radians(heading_deg)) / 111_320.0
    east = ahead_m * math.sin(math.radians(heading_deg)) / (111_320.0 * math.cos(math.radians(lat)))
    return f"latitude,longitude,weight,tier,radius_m\n{lat + north:.7f},{lon + east:.7f},2,observe,8\n"


def write_small_set(folder: Path, lat: float, lon: float) -> Path:
    """The layer folder with only the road (the page then does not write the demo set)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "road.geojson").write_text(road_geojson(lat, lon), encoding="utf-8")
    return folder
