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
