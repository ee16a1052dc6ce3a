"""Buildings and roads from an OpenStreetMap extract (.osm.pbf, .osm) through pyosmium."""

from __future__ import annotations

from pathlib import Path

import osmium
import shapely
from osmium.geom import WKBFactory

from qarauyl.errors import InputError
from qarauyl.planning.layers import DemandLayer, LayerFeature

# Traffic weight per OSM road class: a relative figure, used when the extract has no counts.
ROAD_WEIGHT = {
    "motorway": 5.0,
    "trunk": 5.0,
    "primary": 4.0,
    "secondary": 3.0,
    "tertiary": 2.0,
    "residential": 1.0,
    "unclassified": 1.0,
    "living_street": 0.5,
    "pedestrian": 2.0,
}


def read_osm(path: str | Path) -> tuple[DemandLayer, DemandLayer]:
    """(buildings, roads) layers from an OSM extract; buildings are areas tagged `building=*`, roads are
    ways tagged with one of the `highway` classes of ROAD_WEIGHT, weighted by class."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"The OSM extract {p} does not exist.")
    fab = WKBFactory()
    buildings: list[LayerFeature] = []
    roads: list[LayerFeature] = []
    try:
        processor = (
            osmium.FileProcessor(str(p))
            .with_locations()
            .with_areas()
            .with_filter(osmium.filter.KeyFilter("building", "highway"))
        )
        for obj in processor:
            tags = obj.tags
            if isinstance(obj, osmium.osm.Area) and "building" in tags:
                try:
                    buildings.append(LayerFeature(shapely.from_wkb(fab.create_multipolygon(obj))))
                except RuntimeError:
                    continue  # an unclosed ring in the extract: skip the building, not the file
            elif isinstance(obj, osmium.osm.Way) and (tags.get("highway") or "") in ROAD_WEIGHT:
                try:
                    line = shapely.from_wkb(fab.create_linestring(obj))
                except RuntimeError:
                    continue
                roads.append(LayerFeature(line, ROAD_WEIGHT[tags.get("highway") or ""]))
    except RuntimeError as exc:
        raise InputError(f"{p}: not a readable OpenStreetMap extract ({exc}).") from None
    stem = p.name.split(".")[0]
    return (
        DemandLayer(f"{stem}-buildings", "buildings", tuple(buildings), source=str(p)),
        DemandLayer(f"{stem}-roads", "roads", tuple(roads), tier="detect", source=str(p)),
    )
