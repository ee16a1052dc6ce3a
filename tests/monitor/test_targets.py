"""Who the monitor probes, and what it carries for each camera, read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from qarauyl.diagnosis import StreamProfile
from qarauyl.monitor.targets import load_targets, unprobeable
from qarauyl.security import CredentialCipher
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, CameraHealthRow

CIPHER = CredentialCipher(b"t" * 32)
# Values that a lossy round trip would change: a float with no short decimal form, a tiny and a huge one,
# a non-ASCII metric name.
BASELINE = {
    "stats": {
        "luma_mean": {"count": 12, "mean": 0.1 + 0.2, "var": 1e-300},
        "шум": {"count": 3, "mean": 1.7976931348623157e308, "var": 0.0},
    },
    "signature": [0.25, -1.5, 2.0 / 3.0],
}


def _camera(
    code: str, lifecycle: str = "connected", url: str | None = "rtsp://10.0.0.1/s", **kw: object
) -> Camera:
    return Camera(
        code=code, name=code, vendor="hikvision", kind="fixed", latitude=43.3, longitude=68.25,
        lifecycle=lifecycle, tags=[], main_stream_url=url, **kw,
    )  # fmt: skip


def test_targets_carry_what_the_probe_needs_and_the_baseline_exactly(db: Database) -> None:
    with db.session() as session:
        learned = _camera(
            "T-1", username="admin", password_encrypted=CIPHER.encrypt("s3cret"), width=1920, height=1080,
            fps=25.0, min_bitrate_kbps=2048.0, rtsp_transport="udp",
        )  # fmt: skip
        unlearned = _camera("T-2")
        new = _camera("T-3")
        session.add_all(
            [learned, unlearned, new, _camera("T-4", lifecycle="installed"), _camera("T-5", url=None)]
        )
        session.flush()
        session.add(CameraHealthRow(camera_id=learned.id, reference_path="ref/1.jpg", baseline=BASELINE))
        session.add(CameraHealthRow(camera_id=unlearned.id, baseline=None))
        ids = [learned.id, unlearned.id, new.id]

    targets = load_targets(db, CIPHER)
    assert [t.camera_id for t in targets] == ids  # connected with a URL, in a stable order
    first, second, third = targets
    assert (first.code, first.url, first.username, first.password) == (
        "T-1",
        "rtsp://10.0.0.1/s",
        "admin",
        "s3cret",
    )
    assert first.profile == StreamProfile(width=1920, height=1080, fps=25.0, min_bitrate_kbps=2048.0)
    assert first.reference_path == "ref/1.jpg"
    assert (first.transport, second.transport) == ("udp", None)  # None: the monitor's own default
    assert first.baseline == BASELINE
    assert second.baseline is None and second.reference_path is None and second.password is None
    assert third.baseline is None and third.reference_path is None
    # Each call decodes afresh: a job that changes its baseline cannot change the next job's.
    decoded = first.baseline
    assert decoded is not None
    decoded["stats"].clear()
    assert first.baseline == BASELINE

    assert [t.code for t in load_targets(db, CIPHER, {"T-3", "T-4"})] == ["T-3"]


def test_a_camera_with_only_a_sub_stream_is_probed_on_it_and_one_with_none_is_named(db: Database) -> None:
    """Before, a connected camera without a main-stream URL was left out of every cycle in silence: it stayed
    `unknown` for good and nobody was told why."""
    with db.session() as session:
        session.add_all(
            [
                _camera(
                    "S-1", url=None, sub_stream_url="rtsp://10.0.0.2/sub", width=1920, height=1080, fps=25.0
                ),
                _camera("S-2", url=None),
                _camera("S-3", url="", sub_stream_url=""),  # blank cells from a spreadsheet
                _camera("S-4", url=None, lifecycle="installed"),  # not connected: not the monitor's business
                _camera("S-5"),
            ]
        )
    targets = {t.code: t for t in load_targets(db, CIPHER)}
    assert sorted(targets) == ["S-1", "S-5"]
    assert targets["S-1"].url == "rtsp://10.0.0.2/sub"
    # The main stream profile is not the sub-stream one: judged by it, every sub-stream is low_resolution.
    assert targets["S-1"].profile is None
    assert unprobeable(db) == ["S-2", "S-3"]
    assert unprobeable(db, {"S-3", "S-5"}) == ["S-3"]
