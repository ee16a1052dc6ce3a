"""Import is atomic and idempotent, names every problem, and keeps credentials secret (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from qarauyl.errors import InputError
from qarauyl.inventory import export_cameras, get_camera, import_file, iter_cameras
from qarauyl.security import CredentialCipher
from qarauyl.store import Camera, Database, District
from tests.inventory.conftest import GOOD_ROWS, write_csv


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        rows = session.execute(select(Camera).order_by(Camera.code)).scalars().all()
        return [
            (c.code, c.name, c.vendor, c.latitude, c.longitude, c.lifecycle, c.password_digest, c.updated_at)
            for c in rows
        ]


def test_import_creates_cameras_and_second_import_changes_nothing(
    db: Database, good_csv: Path, cipher: CredentialCipher
) -> None:
    plan = import_file(db, good_csv, cipher=cipher)
    assert sorted(plan.created) == ["KEN-1", "TUR-1", "TUR-2"]
    assert plan.new_references == {"district": ["Kentau", "Turkistan"]}
    before = _snapshot(db)
    again = import_file(db, good_csv, cipher=cipher)
    assert not again.changes_anything
    assert again.unchanged == 3
    assert _snapshot(db) == before
    with db.session() as session:
        camera = get_camera(session, "TUR-1")
        assert camera["name"] == "Түркістан: Тәуке хан даңғылы"
        assert camera["tags"] == ["centre", "night"]
        assert camera["resolution"] == "1920x1080"
        assert camera["lifecycle"] == "installed"  # the default for a new camera
        assert session.scalar(select(func.count(District.id))) == 2


def test_dry_run_reports_and_writes_nothing(db: Database, good_csv: Path, cipher: CredentialCipher) -> None:
    plan = import_file(db, good_csv, cipher=cipher, dry_run=True)
    assert len(plan.created) == 3
    assert _snapshot(db) == []
    import_file(db, good_csv, cipher=cipher)
    changed = write_csv(
        good_csv.with_name("changed.csv"), [GOOD_ROWS[0].replace("hikvision", "dahua"), *GOOD_ROWS[1:]]
    )
    plan = import_file(db, changed, cipher=cipher, dry_run=True)
    assert plan.updated == {"TUR-1": ["vendor"]}
    with db.session() as session:
        assert get_camera(session, "TUR-1")["vendor"] == "hikvision"


def test_update_changes_only_what_differs(db: Database, good_csv: Path, cipher: CredentialCipher) -> None:
    import_file(db, good_csv, cipher=cipher)
    partial = good_csv.with_name("partial.csv")
    partial.write_text(
        "code,name,vendor,latitude,longitude,lifecycle\n"
        "TUR-2,Туркестан: проспект Абая,dahua,43.31,68.26,connected\n"
    )
    plan = import_file(db, partial, cipher=cipher)
    assert plan.updated == {"TUR-2": ["latitude", "lifecycle"]}
    with db.session() as session:
        camera = get_camera(session, "TUR-2")
    assert camera["latitude"] == pytest.approx(43.31)
    assert camera["lifecycle"] == "connected"
    assert camera["kind"] == "ptz"  # absent column: the stored value is kept
    assert camera["has_credentials"]  # absent password column: the stored password is kept


def test_credentials_are_split_from_urls_and_encrypted_at_rest(
    db: Database, good_csv: Path, cipher: CredentialCipher
) -> None:
    import_file(db, good_csv, cipher=cipher)
    with db.session() as session:
        camera = session.execute(select(Camera).where(Camera.code == "TUR-1")).scalar_one()
        assert camera.main_stream_url == "rtsp://10.0.0.5:554/Streaming/101"
        assert camera.username == "admin"
        assert camera.password_encrypted and "s3cret" not in camera.password_encrypted
        assert cipher.decrypt(camera.password_encrypted) == "s3cret"
        other = session.execute(select(Camera).where(Camera.code == "TUR-2")).scalar_one()
        assert other.password_encrypted and cipher.decrypt(other.password_encrypted) == "p@ss"
    # A changed password is detected without decrypting, and only the password is updated.
    rows = [GOOD_ROWS[0].replace("s3cret", "n3w"), *GOOD_ROWS[1:]]
    plan = import_file(db, write_csv(good_csv.with_name("pw.csv"), rows), cipher=cipher)
    assert plan.updated == {"TUR-1": ["password"]}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson"])
def test_export_round_trips_cyrillic_and_never_exports_credentials(
    db: Database, good_csv: Path, cipher: CredentialCipher, suffix: str
) -> None:
    import_file(db, good_csv, cipher=cipher)
    target = good_csv.with_name(f"export{suffix}")
    with db.session() as session:
        assert export_cameras(target, iter_cameras(session)) == 3
    raw = target.read_bytes()
    assert b"s3cret" not in raw and b"p@ss" not in raw and b"admin" not in raw
    plan = import_file(db, target, cipher=cipher)
    assert not plan.changes_anything, plan.updated
    # And into an empty register: the same cameras come back, names intact.
    other = Database(f"sqlite:///{good_csv.parent / 'other.db'}")
    from qarauyl.store.schema import upgrade

    upgrade(other)
    import_file(other, target, cipher=cipher)
    with db.session() as a, other.session() as b:
        left = [{k: v for k, v in c.items() if k != "has_credentials"} for c in iter_cameras(a)]
        right = [{k: v for k, v in c.items() if k != "has_credentials"} for c in iter_cameras(b)]
    assert left == right
    assert any(c["name"] == "Кентау: Жібек жолы" for c in right)
    other.dispose()


BAD_CASES = [
    ("unknown vendor", "TUR-9,X,Foobar,,fixed,43,68,,,,,,", "vendor", "unknown vendor 'Foobar'"),
    ("latitude out of range", "TUR-9,X,axis,,fixed,93.5,68,,,,,,", "latitude", "out of range"),
    ("malformed URL", "TUR-9,X,axis,,fixed,43,68,,,,rtsp://[::1,,", "main_stream_url", "malformed URL"),
    (
        "file scheme",
        "TUR-9,X,axis,,fixed,43,68,,,,file:///etc/passwd,,",
        "main_stream_url",
        "'file' is not allowed",
    ),
    ("concat scheme", "TUR-9,X,axis,,fixed,43,68,,,,concat:/etc/passwd,,", "main_stream_url", "not allowed"),
    ("bad resolution", "TUR-9,X,axis,,fixed,43,68,,,big,,,", "resolution", "not a resolution"),
    ("absurd resolution", "TUR-9,X,axis,,fixed,43,68,,,99999x99999,,,", "resolution", "16 to 16384"),
    ("a tag too long", f"TUR-9,X,axis,,fixed,43,68,,,,,,{'t' * 65}", "tags", "longer than 64"),
    ("missing name", "TUR-9,,axis,,fixed,43,68,,,,,,", "name", "value is required"),
    ("wrong field count", "TUR-9,X,axis", "", "row has 3 fields"),
    # A code is part of the camera's web address: '/' would split it, '..' would climb out of it.
    ("slash in the code", "TUR/9,X,axis,,fixed,43,68,,,,,,", "code", "no '/'"),
    ("dots for a code", "..,X,axis,,fixed,43,68,,,,,,", "code", "not '.' or '..' alone"),
]


@pytest.mark.parametrize(("case", "row", "column", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_any_invalid_row_fails_the_whole_import_and_names_the_problem(
    db: Database, good_csv: Path, cipher: CredentialCipher, case: str, row: str, column: str, message: str
) -> None:
    import_file(db, good_csv, cipher=cipher)
    before = _snapshot(db)
    # Valid changes beside the bad row must not be applied either.
    bad = write_csv(good_csv.with_name("bad.csv"), [GOOD_ROWS[0].replace("hikvision", "dahua"), row])
    with pytest.raises(InputError) as info:
        import_file(db, bad, cipher=cipher)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1, problems
    expected_prefix = f"{bad}:3: {column + ': ' if column else ''}"
    assert problems[0].startswith(expected_prefix), problems
    assert message in problems[0]
    assert _snapshot(db) == before


def test_duplicate_codes_and_missing_columns_are_reported_together(
    tmp_path: Path, db: Database, cipher: CredentialCipher
) -> None:
    dup = write_csv(tmp_path / "dup.csv", [GOOD_ROWS[2], GOOD_ROWS[2]])
    with pytest.raises(InputError) as info:
        import_file(db, dup, cipher=cipher)
    assert [str(p) for p in info.value.problems] == [
        f"{dup}:3: code: duplicate code 'KEN-1' (first at {dup}:2)"
    ]
    missing = write_csv(tmp_path / "missing.csv", ["A,B"], header="code,name")
    with pytest.raises(InputError) as info:
        import_file(db, missing, cipher=cipher)
    messages = [str(p) for p in info.value.problems]
    assert f"{missing}:1: latitude: required column is missing" in messages
    assert f"{missing}:1: vendor: required column is missing" in messages
    assert _snapshot(db) == []


def test_wrong_encoding_is_named_with_its_line(
    tmp_path: Path, db: Database, cipher: CredentialCipher
) -> None:
    path = write_csv(tmp_path / "cp1251.csv", GOOD_ROWS[1:2], encoding="cp1251")
    with pytest.raises(InputError) as info:
        import_file(db, path, cipher=cipher)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{path}:2: file is not UTF-8")


def test_semicolon_csv_from_excel_and_decimal_commas(
    tmp_path: Path, db: Database, cipher: CredentialCipher
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffcode;name;vendor;lat;lon\nARY-1;Арыс;Dahua;42,4306;68,8069\n", encoding="utf-8")
    import_file(db, path, cipher=cipher)
    with db.session() as session:
        camera = get_camera(session, "ARY-1")
    assert camera["vendor"] == "dahua"
    assert camera["latitude"] == pytest.approx(42.4306)


def test_geojson_problems_name_the_feature_line(
    tmp_path: Path, db: Database, cipher: CredentialCipher
) -> None:
    path = tmp_path / "cams.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [\n'
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.25, 43.29]},'
        ' "properties": {"code": "A-1", "name": "Ясауи кесенесі", "vendor": "axis"}},\n'
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.25, 143.29]},'
        ' "properties": {"code": "A-2", "name": "x", "vendor": "axis"}}\n]}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        import_file(db, path, cipher=cipher)
    assert [str(p) for p in info.value.problems] == [f"{path}:3: latitude: 143.29 is out of range [-90, 90]"]


def test_a_cameras_rtsp_transport_imports_exports_and_is_checked(
    db: Database, tmp_path: Path, cipher: CredentialCipher
) -> None:
    # "transport" is the column's short name; values in any case; empty means the monitor's default (tcp).
    header = "code,name,vendor,latitude,longitude,transport"
    rows = ["UDP-1,Old NVR channel,dahua,43.3,68.2,UDP", "TCP-1,New camera,axis,43.3,68.2,"]
    import_file(db, write_csv(tmp_path / "t.csv", rows, header), cipher=cipher)
    with db.session() as session:
        stored = {c["code"]: c["rtsp_transport"] for c in iter_cameras(session)}
        assert stored == {"UDP-1": "udp", "TCP-1": None}
        exported = tmp_path / "out.csv"
        export_cameras(exported, iter_cameras(session))
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    column = lines[0].split(",").index("rtsp_transport")
    assert sorted(line.split(",")[column] for line in lines[1:]) == ["", "udp"]
    before = _snapshot(db)
    bad = write_csv(tmp_path / "bad.csv", ["UDP-1,Old NVR channel,dahua,43.3,68.2,sctp"], header)
    with pytest.raises(InputError) as info:
        import_file(db, bad, cipher=cipher)
    [problem] = [str(p) for p in info.value.problems]
    assert "rtsp_transport" in problem and "'sctp' is not an RTSP transport: tcp or udp" in problem, problem
    assert _snapshot(db) == before
