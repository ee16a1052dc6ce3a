"""One filter for the register: the CLI, the API and the console find the same cameras for the same
question (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qarauyl.api._cameras import list_cameras
from qarauyl.inventory import import_file, iter_cameras
from qarauyl.inventory.queries import CameraFilter
from qarauyl.security import CredentialCipher
from qarauyl.store import Database
from qarauyl.web import _data
from tests.inventory.conftest import write_csv

HEADER = "code,name,vendor,latitude,longitude,address,district,maintainer,lifecycle"
ROWS = [
    'TUR-1,Тәуке хан,hikvision,43.2973,68.2518,"Тәуке хан даңғылы, 12",Turkistan,Kazakhtelecom,connected',
    "TUR-2,Проспект Абая,dahua,43.30,68.26,Yassawi mausoleum gate,Turkistan,Transtelecom,connected",
    "TUR-3,Yassawi car park,dahua,43.29,68.27,,Turkistan,Kazakhtelecom,installed",
    "KEN-1,Жібек жолы,axis,43.5165,68.5045,Kentau bazaar,Kentau,,connected",
    "SHY_1,Shymkent ring road 100%,other,42.3,69.6,,Shymkent,,installed",
]

CASES = [
    (CameraFilter(), ["KEN-1", "SHY_1", "TUR-1", "TUR-2", "TUR-3"]),
    # '%' and '_' are matched as typed, not as LIKE's wildcards.
    (CameraFilter(search="%"), ["SHY_1"]),
    (CameraFilter(search="_"), ["SHY_1"]),
    (CameraFilter(search="y_1"), ["SHY_1"]),
    (CameraFilter(search="0%"), ["SHY_1"]),
    (CameraFilter(search="1_"), []),
    # Search finds text in the code, the name or the address, in any case; surrounding spaces are typing.
    (CameraFilter(search=" yassawi "), ["TUR-2", "TUR-3"]),
    # Kazakh and Russian fold as Latin does, on SQLite too (its own lower() knows ASCII only).
    (CameraFilter(search="ТӘУКЕ"), ["TUR-1"]),
    (CameraFilter(search="жібек"), ["KEN-1"]),
    (CameraFilter(search="bazaar"), ["KEN-1"]),
    (CameraFilter(search="tur-"), ["TUR-1", "TUR-2", "TUR-3"]),
    (CameraFilter(maintainer="Kazakhtelecom"), ["TUR-1", "TUR-3"]),
    (CameraFilter(vendor="DAHUA", lifecycle="connected"), ["TUR-2"]),
    (CameraFilter(district="Kentau"), ["KEN-1"]),
    (CameraFilter(district="Turkistan", maintainer="Transtelecom", search="abay"), []),
    (CameraFilter(district="Turkistan", maintainer="Transtelecom", search="абая"), ["TUR-2"]),
]


@pytest.fixture
def register(db: Database, tmp_path: Path) -> Database:
    import_file(db, write_csv(tmp_path / "c.csv", ROWS, header=HEADER), cipher=CredentialCipher(b"k" * 32))
    return db


@pytest.mark.parametrize(("filters", "expected"), CASES, ids=[repr(c[0]) for c in CASES])
def test_the_cli_the_api_and_the_console_find_the_same_cameras(
    register: Database, filters: CameraFilter, expected: list[str]
) -> None:
    with register.session() as session:
        cli = [c["code"] for c in iter_cameras(session, filters)]
        total, page = list_cameras(session, filters, None, limit=100, offset=0)
    console = [r["code"] for r in _data.camera_rows(register, filters=filters)]
    assert cli == expected
    assert [c["code"] for c in page] == expected
    assert total == len(expected)
    assert console == expected
