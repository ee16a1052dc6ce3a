from __future__ import annotations

from pathlib import Path

import pytest

from qarauyl.security import CredentialCipher

HEADER = (
    "code,name,vendor,model,kind,latitude,longitude,address,district,resolution,main_stream_url,password,tags"
)
GOOD_ROWS = [
    "TUR-1,Түркістан: Тәуке хан даңғылы,hikvision,DS-2CD2T47G2-L,fixed,43.2973,68.2518,"
    '"Тәуке хан даңғылы, 12",Turkistan,1920x1080,rtsp://admin:s3cret@10.0.0.5:554/Streaming/101,,centre;night',
    "TUR-2,Туркестан: проспект Абая,dahua,,ptz,43.30,68.26,,Turkistan,,rtsp://10.0.0.6/cam,p@ss,",
    "KEN-1,Кентау: Жібек жолы,axis,P1465-LE,fixed,43.5165,68.5045,,Kentau,1280x720,,,",
]


@pytest.fixture
def cipher() -> CredentialCipher:
    return CredentialCipher(b"test-secret-key-0123456789")


def write_csv(path: Path, rows: list[str], header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "cameras.csv", GOOD_ROWS)
