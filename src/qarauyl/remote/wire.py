"""Jobs and results as sealed tokens: JSON inside Fernet (AES + HMAC) under a key derived from the
installation's secret, with an age limit so that a job stuck in a queue is not run minutes late."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from qarauyl.diagnosis import StreamProfile
from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.monitor.job import MonitorJob, MonitorResult
from qarauyl.probe.result import ProbeError, ProbeTimings, StreamFacts
from qarauyl.security.credentials import derive_key

JOB_MAX_AGE = 600  # seconds: a job older than a cycle is stale; its camera is due again anyway


class WireError(Exception):
    """A token that is not ours: wrong key, tampered, too old, or not a job/result at all."""


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def _unb64(text: str | None) -> bytes | None:
    return base64.b64decode(text) if text is not None else None


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
        baseline=data.get("baseline"),
        profile=StreamProfile(**profile) if profile is not None else None,
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
    }


def result_from_dict(data: dict[str, Any]) -> MonitorResult:
    stream, error = data.get("stream"), data.get("error")
    return MonitorResult(
        url=str(data["url"]),
        stream=StreamFacts(**stream) if stream is not None else None,
        snapshot_jpeg=_unb64(data.get("snapshot_jpeg")),
        error=ProbeError(**error) if error is not None else None,
        timings=ProbeTimings(**data["timings"]),
        kind=data["kind"],
        findings=tuple(
            Finding(FaultCode(f["code"]), Severity(f["severity"]), float(f["score"]), dict(f["detail"]))
            for f in data["findings"]
        ),
        metrics={str(k): float(v) for k, v in data["metrics"].items()},
        camera_id=int(data["camera_id"]),
        baseline=data.get("baseline"),
    )


class Sealer:
    """Seals and opens jobs and results; the monitor and every worker must share the secret key."""

    def __init__(self, secret: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, b"remote-probe")))

    def _seal(self, kind: str, body: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps({"kind": kind, "body": body}).encode()).decode("ascii")

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
