"""`qarauyl diagnose`: images, a video, --reference, --json, and unreadable input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from diagnosis_pictures import FOOTAGE, live, textured
from typer.testing import CliRunner

from qarauyl.cli import app

runner = CliRunner()


def _save(path: Path, frame: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


def test_healthy_images_give_an_empty_findings_list(tmp_path: Path) -> None:
    picture = textured()
    files = [_save(tmp_path / f"f{i}.png", f) for i, f in enumerate(live(picture, n=4))]
    ref = _save(tmp_path / "ref.png", picture)
    result = runner.invoke(app, ["diagnose", "--json", "--reference", str(ref), *map(str, files)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["findings"] == []
    assert data["metrics"]["frames"] == 4


def test_a_black_picture_is_reported(tmp_path: Path) -> None:
    black = _save(tmp_path / "black.png", np.zeros((270, 480, 3), np.uint8))
    result = runner.invoke(app, ["diagnose", "--json", str(black)])
    assert result.exit_code == 0
    finding = json.loads(result.output)["findings"][0]
    assert finding["code"] == "no_signal" and finding["severity"] == "critical"
    assert set(finding) == {"code", "severity", "score", "detail"}
    human = runner.invoke(app, ["diagnose", str(black)])
    assert "no_signal" in human.output


def test_a_video_file_is_sampled() -> None:
    result = runner.invoke(app, ["diagnose", "--json", str(FOOTAGE / "car-detection.mp4")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["metrics"]["frames"] == 8
    assert data["findings"] == []


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a picture")
    proc = subprocess.run(
        [sys.executable, "-m", "qarauyl", "diagnose", str(junk), str(tmp_path / "missing.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "notes.txt" in proc.stderr and "not a readable image or video" in proc.stderr


def test_each_bad_input_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    import zlib

    import pytest

    from qarauyl.cli.diagnose_cmd import _one_size, load_frames
    from qarauyl.errors import InputError

    with pytest.raises(InputError, match="is a directory"):
        load_frames(tmp_path)
    with pytest.raises(InputError, match="not a regular file"):
        load_frames(Path("/dev/null"))
    # A PNG that announces 30000x30000 in its header: refused before a byte is decoded.
    ihdr = b"IHDR" + (30000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(
        b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    )
    with pytest.raises(InputError, match=r"bomb\.png: the picture is 30000x30000, beyond the 8K"):
        load_frames(bomb)
    audio = tmp_path / "audio.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1", str(audio)], check=True, timeout=60
    )
    with pytest.raises(InputError, match=r"audio\.mp4: the file has no video stream"):
        load_frames(audio)
    big = _save(tmp_path / "big.png", textured())
    small = _save(tmp_path / "small.png", cv2.resize(textured(), (320, 180)))
    tiny = _save(tmp_path / "tiny.png", np.full((8, 8, 3), 128, np.uint8))
    with pytest.raises(InputError, match=r"small\.png: its picture is 320x180, big\.png's is \d+x\d+"):
        _one_size([(p, load_frames(p)) for p in (big, small)])
    with pytest.raises(InputError, match=r"tiny\.png: its picture is 8x8, too small"):
        _one_size([(tiny, load_frames(tiny))])


def test_camera_snapshots_saved_as_jpeg_are_not_called_corrupted(tmp_path: Path) -> None:
    """JPEG's own 8x8 grid (a quality-75 snapshot of the real parking lot) is the format's, not corruption;
    the same picture saved as PNG keeps the grid and, with nothing said of its coding, is still flagged."""
    import av

    with av.open(str(FOOTAGE / "car-detection.mp4")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    snapshot = tmp_path / "snapshot"  # no extension: the content says JPEG
    snapshot.write_bytes(data.tobytes())
    result = runner.invoke(app, ["diagnose", "--json", str(snapshot)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["findings"] == []
    png = tmp_path / "snapshot.png"
    cv2.imwrite(str(png), cv2.imdecode(data, cv2.IMREAD_COLOR))
    as_png = json.loads(runner.invoke(app, ["diagnose", "--json", str(png)]).output)
    assert [f["code"] for f in as_png["findings"]] == ["corrupted"]
