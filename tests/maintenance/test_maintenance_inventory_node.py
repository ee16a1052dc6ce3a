"""The inventory carries each camera's network node (what node incidents group by): import, list, export."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from qarauyl.inventory import export_cameras, import_file, iter_cameras
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database
from qarauyl.store.models import Camera


def test_network_node_round_trip(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "cams.csv"
    source.write_text(
        "code,name,vendor,latitude,longitude,district,network_node\n"
        "TUR-1,Tauke Khan 1,hikvision,43.29,68.25,Turkistan,cabinet-17\n"
        "TUR-2,Tauke Khan 2,dahua,43.30,68.26,Turkistan,cabinet-17\n"
        "TUR-3,Abay 3,axis,43.31,68.27,Turkistan,\n",
        encoding="utf-8",
    )
    import_file(db, source, cipher=CredentialCipher(b"k" * 32))
    with db.session() as session:
        nodes = dict(session.execute(select(Camera.code, Camera.network_node)).all())
        listed = {c["code"]: c["network_node"] for c in iter_cameras(session)}
    assert nodes == {"TUR-1": "cabinet-17", "TUR-2": "cabinet-17", "TUR-3": None}
    assert listed == nodes
    out = tmp_path / "out.csv"
    with db.session() as session:
        export_cameras(out, iter_cameras(session))
    header, first, *_ = out.read_text(encoding="utf-8").splitlines()
    assert "network_node" in header.split(",") and "cabinet-17" in first
