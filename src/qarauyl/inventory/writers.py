"""Writing the inventory to CSV, XLSX or GeoJSON (format from the extension). Never credentials.

Each writer writes to a temporary file beside the target and renames it, so a failed export never
leaves a half-written file where the user expects a complete one.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from qarauyl.errors import InputError
from qarauyl.inventory.records import EXPORT_COLUMNS

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson"}


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column == "tags":
        return ";".join(value)
    return value


@contextmanager
def _atomic(path: Path, mode: str, **kwargs: Any) -> Iterator[IO[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, cameras: Iterable[dict[str, Any]]) -> int:
    count = 0
    # UTF-8 with a byte-order mark: Excel then shows Kazakh and Russian names correctly.
    with _atomic(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for camera in cameras:
            writer.writerow([_cell(c, camera.get(c)) for c in EXPORT_COLUMNS])
            count += 1
    return count


def write_xlsx(path: Path, cameras: Iterable[dict[str, Any]]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cameras")
    sheet.append(list(EXPORT_COLUMNS))
    count = 0
    for camera in cameras:
        sheet.append([_cell(c, camera.get(c)) for c in EXPORT_COLUMNS])
        count += 1
    with _atomic(path, "wb") as handle:
        workbook.save(handle)
    return count


def write_geojson(path: Path, cameras: Iterable[dict[str, Any]]) -> int:
    count = 0
    with _atomic(path, "w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for camera in cameras:
            properties = {c: camera.get(c) for c in EXPORT_COLUMNS if c not in ("latitude", "longitude")}
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [camera["longitude"], camera["latitude"]]},
                "properties": {k: v for k, v in properties.items() if v not in (None, "", [])},
            }
            handle.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
            count += 1
        handle.write("\n]}\n")
    return count


WRITERS: dict[str, Callable[[Path, Iterable[dict[str, Any]]], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "geojson": write_geojson,
}


def export_cameras(path: Path, cameras: Iterable[dict[str, Any]]) -> int:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown format '{path.suffix}'; use .csv, .xlsx or .geojson.")
    return WRITERS[fmt](path, cameras)
