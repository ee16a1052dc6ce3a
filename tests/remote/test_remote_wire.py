"""Sealed probe messages: what crosses the broker round-trips exactly, hides the password and the
snapshot, and is refused when it was sealed with another key, altered, or is a result posing as a job."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.diagnosis import StreamProfile, diagnose, prepare_reference, reference_measurements
from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.monitor.job import MonitorJob, MonitorResult
from qarauyl.probe.result import ProbeError, ProbeTimings, StreamFacts
from qarauyl.remote import Sealer, WireError, wire

SEALER = Sealer(b"s" * 32)


def _job(password: str = "Cam-Pa55word") -> MonitorJob:
    return MonitorJob(
        "rtsp://10.1.2.3:554/Streaming/Channels/101",
        "admin",
        password,
        timeout=7.5,
        transport="udp",
        frames=6,
        keep_frames=False,
        camera_id=42,
        reference_jpeg=b"\xff\xd8reference\xff\xd9",
        baseline={"stats": {"luma_mean": {"count": 5, "mean": 90.0, "var": 4.0}}, "signature": [0.5]},
        profile=StreamProfile(width=1920, height=1080, fps=25.0, min_bitrate_kbps=1024.0),
    )


def _result() -> MonitorResult:
    return MonitorResult(
        url="rtsp://10.1.2.3:554/Streaming/Channels/101",
        stream=StreamFacts("h264", 1920, 1080, 25.0, 2048.0, 0, 6, 180.0),
        snapshot_jpeg=b"\xff\xd8snapshot\xff\xd9",
        error=None,
        timings=ProbeTimings(3.0, 40.0, 180.0, 420.0),
        findings=(Finding(FaultCode.BLUR, Severity.WARNING, 0.7, {"sharpness_ratio": 0.6}),),
        metrics={"luma_mean": 91.5},
        camera_id=42,
        baseline={"stats": {}, "signature": []},
    )


def test_a_job_round_trips_and_the_broker_never_sees_the_password() -> None:
    token = SEALER.seal_job(_job())
    assert "Cam-Pa55word" not in token and "admin" not in token and "10.1.2.3" not in token
    assert SEALER.open_job(token) == _job()


def test_a_result_round_trips_with_its_findings_and_snapshot() -> None:
    opened = SEALER.open_result(SEALER.seal_result(_result()))
    original = _result()
    assert opened.findings == original.findings
    assert opened.snapshot_jpeg == original.snapshot_jpeg
    assert (opened.stream, opened.timings, opened.metrics) == (
        original.stream,
        original.timings,
        original.metrics,
    )
    assert (opened.camera_id, opened.baseline, opened.error) == (42, {"stats": {}, "signature": []}, None)


def test_a_failed_probe_round_trips_its_error() -> None:
    failed = MonitorResult(
        url="rtsp://10.1.2.3/",
        error=ProbeError("auth_failed", "the camera refused the credentials", "credentials"),
        camera_id=7,
    )
    opened = SEALER.open_result(SEALER.seal_result(failed))
    assert opened.error == ProbeError("auth_failed", "the camera refused the credentials", "credentials")
    assert not opened.ok


def test_another_installations_key_cannot_open_or_forge_a_job() -> None:
    stranger = Sealer(b"x" * 32)
    with pytest.raises(WireError, match="another secret key"):
        stranger.open_job(SEALER.seal_job(_job()))
    with pytest.raises(WireError):
        SEALER.open_job(stranger.seal_job(_job()))


def test_an_altered_token_is_refused() -> None:
    token = SEALER.seal_job(_job())
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    with pytest.raises(WireError):
        SEALER.open_job(flipped)
    with pytest.raises(WireError):
        SEALER.open_job("not a token at all")


def test_a_result_cannot_pass_for_a_job() -> None:
    with pytest.raises(WireError, match="not a job"):
        SEALER.open_job(SEALER.seal_result(_result()))


def test_a_stale_job_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    token = SEALER.seal_job(_job())
    later = time.time() + wire.JOB_MAX_AGE + 5
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(WireError, match="older than allowed"):
        SEALER.open_job(token)


def test_a_sealed_but_malformed_job_is_named() -> None:
    token = SEALER._seal("job", {"url": "rtsp://x/"})  # what an old or buggy monitor might send
    with pytest.raises(WireError, match="malformed"):
        SEALER.open_job(token)


@settings(max_examples=50, deadline=None)
@given(
    password=st.text(min_size=1, max_size=40),
    metrics=st.dictionaries(
        st.text(min_size=1, max_size=12), st.floats(allow_nan=False, allow_infinity=False)
    ),
)
def test_any_password_and_metrics_survive_the_trip(password: str, metrics: dict[str, float]) -> None:
    assert SEALER.open_job(SEALER.seal_job(_job(password))).password == password
    result = MonitorResult(url="rtsp://h/", metrics=metrics, camera_id=1)
    assert SEALER.open_result(SEALER.seal_result(result)).metrics == metrics
    assert json.loads(json.dumps(wire.job_to_dict(_job(password))))["password"] == password


def _street(seed: int) -> np.ndarray:
    """A textured 640x360 picture with a bright block: enough structure for every reference measurement."""
    rng = np.random.default_rng(seed)
    picture = cv2.GaussianBlur(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8), (0, 0), 1.5)
    picture[100:180, 300:420] = (200, 190, 170)
    return picture


def test_a_references_measurements_cross_the_wire_and_serve_as_they_were() -> None:
    """A remote worker sends back what it measured on a camera's reference and gets it with the next job, as
    a local one does: arrays keep their dtype and shape, and the verdict they give is the same."""
    reference = _street(1)
    burst = [cv2.add(reference, np.full_like(reference, i)) for i in range(4)]
    first = prepare_reference(reference)
    diagnose(burst, reference=first)
    measured = reference_measurements(first)
    assert any(isinstance(v, np.ndarray) for v in measured.values())

    result = replace(_result(), reference_measurements=measured)
    back = SEALER.open_result(SEALER.seal_result(result)).reference_measurements
    sent = SEALER.open_job(SEALER.seal_job(replace(_job(), reference_measurements=back)))
    assert back is not None and sent.reference_measurements is not None
    for kept in (back, sent.reference_measurements):
        assert kept.keys() == measured.keys()
        for key, value in measured.items():
            flat_sent, flat_kept = _flatten(value), _flatten(kept[key])
            assert [type(v) for v in flat_kept] == [type(v) for v in flat_sent], key
            for a, b in zip(flat_sent, flat_kept, strict=True):
                if isinstance(a, np.ndarray):
                    assert (a.dtype, a.shape) == (b.dtype, b.shape) and np.array_equal(a, b, equal_nan=True)
                else:
                    assert a == b or (a != a and b != b), key  # NaN stays NaN

    blurred = [cv2.GaussianBlur(frame, (0, 0), 4) for frame in burst]
    here = diagnose(blurred, reference=prepare_reference(reference, measured))
    there = diagnose(blurred, reference=prepare_reference(reference, sent.reference_measurements))
    assert there.findings == here.findings and there.metrics == here.metrics
    assert FaultCode.BLUR in {f.code for f in here.findings}


def _flatten(value: object) -> list[object]:
    return [v for item in value for v in _flatten(item)] if isinstance(value, (list, tuple)) else [value]


def test_a_measurement_the_wire_does_not_know_is_refused() -> None:
    odd = replace(_result(), reference_measurements={"cast": np.array(["a"], dtype=object)})
    with pytest.raises(TypeError, match="cannot be sent"):
        SEALER.seal_result(odd)
    body = wire.result_to_dict(_result())
    body["reference_measurements"] = {"cell_detail": {"ndarray": "float32", "shape": [9, 16], "data": "AAAA"}}
    with pytest.raises(WireError, match="malformed"):
        SEALER.open_result(SEALER._seal("result", body))
    body["reference_measurements"] = {"cell_detail": {"ndarray": "object", "shape": [1], "data": "AAAA"}}
    with pytest.raises(WireError, match="malformed"):
        SEALER.open_result(SEALER._seal("result", body))


def test_a_failed_probe_from_a_worker_of_another_release_still_opens() -> None:
    """Workers on other machines are upgraded one at a time: an error without the cause (an older worker)
    or with a field this release does not know (a newer one) is still read."""
    failed = MonitorResult(url="rtsp://10.1.2.3/", error=ProbeError("offline", "no answer", "unreachable"))
    older = wire.result_to_dict(failed)
    del older["error"]["cause"]
    assert wire.result_from_dict(older).error == ProbeError("offline", "no answer", None)
    newer = wire.result_to_dict(failed)
    newer["error"]["hint"] = "check the switch port"
    assert wire.result_from_dict(newer).error == ProbeError("offline", "no answer", "unreachable")


def test_a_result_with_fields_of_a_newer_release_still_opens() -> None:
    """A newer worker may add stream facts, timings or profile fields; this monitor reads what it knows."""
    newer = wire.result_to_dict(_result())
    newer["stream"]["hdr"] = True
    newer["timings"]["tls_ms"] = 12.0
    newer["findings"][0]["evidence"] = "crop.jpg"
    opened = SEALER.open_result(SEALER._seal("result", newer))
    assert (opened.stream, opened.timings, opened.findings) == (
        _result().stream,
        _result().timings,
        _result().findings,
    )
    job = wire.job_to_dict(_job())
    assert job["profile"] is not None
    job["profile"]["codec"] = "h265"
    assert SEALER.open_job(SEALER._seal("job", job)) == _job()
    # A field it needs and lacks is not guessed.
    del newer["stream"]["width"]
    with pytest.raises(WireError, match="malformed"):
        SEALER.open_result(SEALER._seal("result", newer))


def test_messages_carry_their_wire_version_and_a_newer_one_is_refused_by_name() -> None:
    token = SEALER.seal_job(_job())
    raw = json.loads(SEALER._fernet.decrypt(token.encode()))
    assert raw["version"] == wire.WIRE_VERSION
    # A release before versions: no field, read as version 1.
    unversioned = SEALER._fernet.encrypt(json.dumps({"kind": "job", "body": raw["body"]}).encode()).decode()
    assert SEALER.open_job(unversioned) == _job()
    # A release whose messages this one would misread says so, and which side to upgrade.
    for kind, opener, side in (
        ("job", SEALER.open_job, "this worker"),
        ("result", SEALER.open_result, "the monitor"),
    ):
        body = raw["body"] if kind == "job" else wire.result_to_dict(_result())
        future = {"kind": kind, "version": wire.WIRE_VERSION + 1, "body": body}
        sealed = SEALER._fernet.encrypt(json.dumps(future).encode()).decode()
        with pytest.raises(WireError, match=f"newer Qarauyl release.*upgrade {side}$"):
            opener(sealed)
