"""The fleet's alarm confirmation comes from the settings: `[health]` becomes the policy the monitor uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from qarauyl.config import HealthSettings
from qarauyl.domain import FaultCode, Finding, Health, Severity
from qarauyl.health import CameraHealth, HealthPolicy, Observation, observe


def test_the_defaults_are_the_built_in_policy() -> None:
    assert HealthSettings().policy() == HealthPolicy()


def test_a_stricter_confirmation_needs_more_probes() -> None:
    policy = HealthSettings(confirm_probes=3, confirm_minutes=120, flap_window_minutes=30).policy()
    assert policy.confirm_after == timedelta(hours=2) and policy.flap_window == timedelta(minutes=30)
    t0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    state, _ = observe(CameraHealth(), Observation(t0), policy)  # first verdict: ok
    blurred = (Finding(FaultCode.BLUR, Severity.WARNING, 0.8, {}),)
    seen = []
    for probe in range(1, 4):
        state, transitions = observe(state, Observation(t0 + timedelta(minutes=probe), blurred), policy)
        seen.append((state.state, len(transitions)))
    assert seen == [(Health.OK, 0), (Health.OK, 0), (Health.DEGRADED, 1)]


@pytest.mark.parametrize("field", ["confirm_probes", "recover_probes", "confirm_minutes"])
def test_nonsense_is_refused(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        HealthSettings(**{field: 0})
