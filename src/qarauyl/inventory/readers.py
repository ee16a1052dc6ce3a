"""Reading inventory files (CSV, XLSX, GeoJSON) into RawRows; the format comes from the extension.

Readers only turn bytes into cells and say where each row stands (`FILE:LINE`); validation is
shared in `records.py`. Structural problems (encoding, a missing header) are reported the same way.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qarauyl.errors import InputError, Problem
from qarauyl.inventory.records import RawRow, canonical_column, header_problems

# A camera register is a few MB; anything far larger is a mistake (or an attack) we refuse early.
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass
class Sheet:
    """What a reader found: the canonical columns present and the rows, or the problems."""

    present: frozenset[str]
    rows: list[RawRow]


def read_inventory(path: Path) -> Sheet:
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: file is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB."
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in (".geojson", ".json"):
        return read_geojson(path)
    raise InputError(f"{path}: unknown format '{suffix}'; use .csv, .xlsx or .geojson.")


def _fail(problems: list[Problem]) -> InputError:
    return InputError(f"{len(problems)} problem(s); nothing was imported.", problems)


def _decode_utf8(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        raise _fail(
            [
                Problem(
                    f"{path}:{line}",
                    "",
                    f"file is not UTF-8 (byte 0x{byte}); save it as 'CSV UTF-8' "
                    "(Kazakh and Russian names need it)",
                )
            ]
        ) from None


def read_csv(path: Path) -> Sheet:
    text = _decode_utf8(path, path.read_bytes())
    first_line = text.split("\n", 1)[0]
    # Excel in Kazakh and Russian locales writes ';' separated CSV.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        headers = next(reader)
    except StopIteration:
        raise _fail(
            [Problem(f"{path}:1", "", "file is empty; the first line must name the columns")]
        ) from None
    except csv.Error as exc:
        raise _fail([Problem(f"{path}:1", "", f"malformed CSV header ({exc})")]) from None
    mapping, problems = header_problems(headers, f"{path}:1")
    rows: list[RawRow] = []
    width = len(headers)
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(f"{path}:{line}", "", f"malformed CSV ({exc})"))
            break
        location = f"{path}:{line}"
        line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            problems.append(Problem(location, "", f"row has {len(cells)} fields, the header has {width}"))
            continue
        rows.append(RawRow(location, {mapping[i]: cells[i] for i in mapping}))
    if problems:
        raise _fail(problems)
    return Sheet(frozenset(mapping.values()), rows)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _fail(
            [Problem(f"{path}:1", "", f"not a readable XLSX workbook ({exc.__class__.__name__})")]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        headers = [_cell_text(v) for v in next(values, ())]
        if not any(headers):
            raise _fail([Problem(f"{path}:1", "", "the first row of the first sheet must name the columns")])
        mapping, problems = header_problems(headers, f"{path}:1")
        rows: list[RawRow] = []
        for number, row in enumerate(values, start=2):
            texts = [_cell_text(v) for v in row]
            if not any(t.strip() for t in texts):
                continue
            rows.append(
                RawRow(
                    f"{path}:{number}",
                    {col: texts[i] if i < len(texts) else "" for i, col in mapping.items()},
                )
            )
    finally:
        workbook.close()
    if problems:
        raise _fail(problems)
    return Sheet(frozenset(mapping.values()), rows)


_FEATURE = re.compile(r'"type"\s*:\s*"Feature"')


def read_geojson(path: Path) -> Sheet:
    text = _decode_utf8(path, path.read_bytes())
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail([Problem(f"{path}:{exc.lineno}", "", f"not valid JSON ({exc.msg})")]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _fail([Problem(f"{path}:1", "", "expected a GeoJSON FeatureCollection")])
    features = document.get("features")
    if not isinstance(features, list):
        raise _fail([Problem(f"{path}:1", "features", "must be a list")])
    # Where each feature starts, so that problems can name a line as they do for CSV.
    starts = [text.count("\n", 0, m.start()) + 1 for m in _FEATURE.finditer(text)]
    lines = starts if len(starts) == len(features) else None

    def where(index: int) -> str:
        return f"{path}:{lines[index]}" if lines else f"{path}:feature {index + 1}"

    problems: list[Problem] = []
    present: set[str] = {"latitude", "longitude"}
    rows: list[RawRow] = []
    for index, feature in enumerate(features):
        location = where(index)
        if not isinstance(feature, dict):
            problems.append(Problem(location, "", "feature is not an object"))
            continue
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not _is_position(coordinates):
            problems.append(Problem(location, "geometry", "must be a Point with [longitude, latitude]"))
            continue
        assert isinstance(coordinates, list)
        cells: dict[str, str] = {
            "longitude": repr(float(coordinates[0])),
            "latitude": repr(float(coordinates[1])),
        }
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(location, "properties", "must be an object"))
            continue
        for key, value in properties.items():
            column = canonical_column(str(key))
            if column is None:
                problems.append(Problem(location, str(key), "unknown property"))
                continue
            if column in ("latitude", "longitude"):
                continue  # the geometry is the truth
            present.add(column)
            cells[column] = ";".join(map(str, value)) if isinstance(value, list) else _cell_text(value)
        rows.append(RawRow(location, cells))
    for column in ("code", "name", "vendor"):
        if rows and column not in present:
            problems.append(Problem(f"{path}:1", column, "required property is missing from every feature"))
    if problems:
        raise _fail(problems)
    return Sheet(frozenset(present), rows)


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    )
