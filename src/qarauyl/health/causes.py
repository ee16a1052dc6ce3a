"""Why a camera could not be read, from its findings as stored: the monitor keeps the probe's cause
(`probe.result.ProbeCause`) in the access finding's detail (`monitor.job.access_finding`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qarauyl.health.state_machine import ACCESS_FAULTS


def stored_cause(findings: Iterable[Mapping[str, Any]] | None) -> str | None:
    """Why the camera could not be read (probe.result.ProbeCause), from its findings as stored: None when it
    was read, and for findings stored before the probe named causes."""
    for finding in findings or ():
        if finding.get("code") in ACCESS_FAULTS:
            cause = (finding.get("detail") or {}).get("cause")
            if isinstance(cause, str) and cause:
                return cause
    return None


def access_cause(codes: Iterable[str] | None, findings: Iterable[Mapping[str, Any]] | None) -> str | None:
    """The stored cause, where the codes (a camera's confirmed state, an event's) name a fault of access: a
    new blur on a camera that also cannot be read is not "unreachable"."""
    return stored_cause(findings) if ACCESS_FAULTS.intersection(codes or ()) else None


def cause_words(cause: str) -> str:
    """A cause as English words, for the CLI ("web_server" -> "web server"); the console and the notices
    take theirs from the catalogues (`cause.*`)."""
    return cause.replace("_", " ")
