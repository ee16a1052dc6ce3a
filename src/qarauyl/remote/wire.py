"""Jobs and results as sealed tokens: JSON inside Fernet (AES + HMAC) under a key derived from the
installation's secret, with an age limit so that a job stuck in a queue is not run minutes late.

Workers on other machines are upgraded one at a time, so the monitor and its workers may run different
releases. Each end reads what it knows and ignores fields it does not (a newer release may add some); a
change that an older reader would misread raises WIRE_VERSION, and a reader refuses a message of a
higher version with a sentence that says which side to upgrade, rather than misreading it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from typing import Any, TypeVar

import numpy as np
from cryptography.fernet import Fernet, InvalidToken

from qarauyl.diagnosis import StreamProfile
from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.monitor.job import MonitorJob, MonitorResult
from qarauyl.probe.result import ProbeError, ProbeTimings, StreamFacts
from qarauyl.security.credentials import derive_key

JOB_MAX_AGE = 600  # seconds: a job older than a cycle is stale; its camera is due again anyway
# 1: messages without a version (releases before 2026-11-29); 2: the same shape, with its version.
WIRE_VERSION = 2

_Record = TypeVar("_Record")


def _known(record: type[_Record], data: dict[str, Any]) -> _Record:
    """A dataclass from the fields of `data` it knows: a newer release's extra fields are left aside; a
    field it needs and lacks is a malformed message (TypeError)."""
    names = {f.name for f in fields(record)}  # type: ignore[arg-type]
    return record(**{k: v for k, v in data.items() if k in names})


class WireError(Exception):
    """A token that is not ours: wrong key, tampered, too old, or not a job/result at all."""


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def _unb64(text: str | None) -> bytes | None:
    return base64.b64decode(text) if text is not None else None


# The array kinds a reference's measurements hold (cell grids of floats, masks): nothing else is rebuilt.
_ARRAY_DTYPES = frozenset({"float32", "float64", "bool", "int32", "int64", "uint8"})


def _measured_value_to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if str(value.dtype) not in _ARRAY_DTYPES:
            raise TypeError(f"a measurement of dtype {value.dtype} cannot be sent")
        data = np.ascontiguousarray(value).tobytes()
        return {"ndarray": str(value.dtype), "shape": list(value.shape), "data": _b64(data)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_measured_value_to_json(v) for v in value]
    return value


def _measured_value_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        dtype, shape = str(value["ndarray"]), [int(n) for n in value["shape"]]
        if dtype not in _ARRAY_DTYPES:
            raise ValueError(f"a measurement of dtype {dtype} is not accepted")
        data = _unb64(value["data"]) or b""
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()  # raises on a size mismatch
    if isinstance(value, list):
        return tuple(_measured_value_from_json(v) for v in value)
    return value


def measurements_to_json(measured: dict[str, Any] | None) -> dict[str, Any] | None:
    """A reference's kept measurements (`diagnosis.reference_measurements`) in JSON's terms: arrays as their
    dtype, shape and bytes, so that a remote worker measures each reference once too. NaN stays NaN (the
    JSON both ends write and read is Python's, which allows it)."""
    return None if measured is None else {k: _measured_value_to_json(v) for k, v in measured.items()}


def measurements_from_json(data: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if data is None else {str(k): _measured_value_from_json(v) for k, v in data.items()}


def job_to_dict(job: MonitorJob) -> dict[str, Any]:
    return {
        "url": job.url,
        "username": job.username,
        "password": job.password,
        "timeout": job.timeout,
        "transport": job.transport,
        "frames": job.frames,
        "kind": job.kind,
        "camera_id": job.camera_id,
        "reference_jpeg": _b64(job.reference_jpeg),
        "reference_measurements": measurements_to_json(job.reference_measurements),
        "baseline": job.baseline,
        "profile": asdict(job.profile) if job.profile is not None else None,
    }


def job_from_dict(data: dict[str, Any]) -> MonitorJob:
    profile = data.get("profile")
    return MonitorJob(
        str(data["url"]),
        data.get("username"),
        data.get("password"),
        timeout=float(data["timeout"]),
        transport=str(data["transport"]),
        frames=int(data["frames"]),
        kind=data.get("kind", "auto"),
        keep_frames=False,  # frames never cross the network
        camera_id=int(data["camera_id"]),
        reference_jpeg=_unb64(data.get("reference_jpeg")),
        reference_measurements=measurements_from_json(data.get("reference_measurements")),
        baseline=data.get("baseline"),
        profile=_known(StreamProfile, profile) if profile is not None else None,
    )


def _finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code.value,
        "severity": finding.severity.value,
        "score": finding.score,
        "detail": finding.detail,
    }


def result_to_dict(result: MonitorResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "stream": asdict(result.stream) if result.stream is not None else None,
        "snapshot_jpeg": _b64(result.snapshot_jpeg),
        "error": asdict(result.error) if result.error is not None else None,
        "timings": asdict(result.timings),
        "kind": result.kind,
        "findings": [_finding_to_dict(f) for f in result.findings],
        "metrics": result.metrics,
        "camera_id": result.camera_id,
        "baseline": result.baseline,
        "reference_measurements": measurements_to_json(result.reference_measurements),
    }


def result_from_dict(data: dict[str, Any]) -> MonitorResult:
    stream, error = data.get("stream"), data.get("error")
    return MonitorResult(
        url=str(data["url"]),
        stream=_known(StreamFacts, stream) if stream is not None else None,
        snapshot_jpeg=_unb64(data.get("snapshot_jpeg")),
        # Field by field: a worker of another release may send fields this one does not know, or not send
        # the cause (named since 2026-11-29).
        error=ProbeError(str(error["code"]), str(error["message"]), error.get("cause"))  # type: ignore[arg-type]
        if error is not None
        else None,
        timings=_known(ProbeTimings, data["timings"]),
        kind=data["kind"],
        findings=tuple(
            Finding(FaultCode(f["code"]), Severity(f["severity"]), float(f["score"]), dict(f["detail"]))
            for f in data["findings"]
        ),
        metrics={str(k): float(v) for k, v in data["metrics"].items()},
        camera_id=int(data["camera_id"]),
        baseline=data.get("baseline"),
        reference_measurements=measurements_from_json(data.get("reference_measurements")),
    )


class Sealer:
    """Seals and opens jobs and results; the monitor and every worker must share the secret key."""

    def __init__(self, secret: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, b"remote-probe")))

    def _seal(self, kind: str, body: dict[str, Any]) -> str:
        message = {"kind": kind, "version": WIRE_VERSION, "body": body}
        return self._fernet.encrypt(json.dumps(message).encode()).decode("ascii")

    def _open(self, kind: str, token: str, max_age: int | None) -> dict[str, Any]:
        try:
            raw = self._fernet.decrypt(token.encode("ascii"), ttl=max_age)
        except InvalidToken:
            raise WireError(
                "a probe message could not be opened: it was sealed with another secret key, altered, "
                "or is older than allowed"
            ) from None
        except (UnicodeEncodeError, AttributeError, TypeError):
            raise WireError("a probe message is not a sealed token") from None
        message = json.loads(raw)
        if not isinstance(message, dict) or message.get("kind") != kind:
            raise WireError(f"a probe message is not a {kind}")
        version = message.get("version", 1)
        if not isinstance(version, int) or version > WIRE_VERSION:
            upgrade = "this worker" if kind == "job" else "the monitor"
            raise WireError(
                f"a probe {kind} of wire version {version} came from a newer Qarauyl release; this one reads "
                f"versions up to {WIRE_VERSION}: upgrade {upgrade}"
            )
        body: dict[str, Any] = message["body"]
        return body

    def seal_job(self, job: MonitorJob) -> str:
        return self._seal("job", job_to_dict(job))

    def open_job(self, token: str) -> MonitorJob:
        try:
            return job_from_dict(self._open("job", token, JOB_MAX_AGE))
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"a probe job is malformed ({type(exc).__name__}: {exc})") from None

    def seal_result(self, result: MonitorResult) -> str:
        return self._seal("result", result_to_dict(result))

    def open_result(self, token: str) -> MonitorResult:
        try:
            return result_from_dict(self._open("result", token, None))
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"a probe result is malformed ({type(exc).__name__}: {exc})") from None
