"""Per-camera health: from one probe's observation to a confirmed state, with recovery and flapping.

A single bad probe is not a broken camera (a passing bus, a dropped packet), and a single good
probe is not a repaired one. A worse state is confirmed after it is seen in `confirm_probes`
consecutive probes or has lasted `confirm_after`; a better state after `recover_probes`. Probes on the
same side of the confirmed state count as one run whatever their verdict (degraded, failed, degraded is
bad three times), and the run confirms its mildest verdict. A camera whose confirmed state changed
`flap_changes` times within `flap_window` is flapping: it stays in its worse state until a better one
has lasted a whole window, and one event says so instead of a storm of them; it stops flapping as well
once every probe for a whole window has shown the state it is held in.

Within a state, a fault that was not announced when the state was confirmed (a camera degraded by a low frame
rate that is then covered) is confirmed the same way, and makes a transition of its own from the state to
itself, so that the ticket open for the first fault learns of the worse one and its priority can rise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from qarauyl.domain import FaultCode, Finding, Health, Severity

_RANK = {Health.UNKNOWN: -1, Health.OK: 0, Health.DEGRADED: 1, Health.FAILED: 2}
# Stream-access faults make a camera useless whatever the picture would have been.
ACCESS_FAULTS = frozenset({FaultCode.OFFLINE, FaultCode.AUTH_FAILED, FaultCode.STREAM_ERROR})


@dataclass(frozen=True)
class HealthPolicy:
    confirm_probes: int = 2  # two probes in a row: one glitch never opens an alarm
    confirm_after: timedelta = timedelta(minutes=15)  # a slow schedule still confirms in reasonable time
    recover_probes: int = 2
    flap_window: timedelta = timedelta(hours=1)
    flap_changes: int = 4  # four confirmed changes in an hour is a loose cable, not four incidents


@dataclass(frozen=True)
class Observation:
    """What one probe saw: the findings (access faults included) at a moment."""

    at: datetime
    findings: tuple[Finding, ...] = ()

    @property
    def health(self) -> Health:
        return classify(self.findings)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted({f.code.value for f in self.findings}))


@dataclass(frozen=True)
class CameraHealth:
    """The remembered state of one camera between probes (persisted by the monitor)."""

    state: Health = Health.UNKNOWN
    since: datetime | None = None
    codes: tuple[str, ...] = ()
    pending: Health | None = None
    pending_count: int = 0
    pending_since: datetime | None = None
    changes: tuple[datetime, ...] = ()  # recent confirmed changes, for flapping
    flapping: bool = False
    steady_since: datetime | None = None  # since when every probe has agreed with `state` (none pending)
    announced: tuple[str, ...] = ()  # codes some transition into or within `state` has named
    novel_count: int = 0  # probes in a row, within `state`, that found a code not yet announced
    novel_since: datetime | None = None


@dataclass(frozen=True)
class Transition:
    """A confirmed change, the event the monitor records and notifications route; `before == after` when a
    new fault was confirmed within the state."""

    at: datetime
    before: Health
    after: Health
    codes: tuple[str, ...]
    flapping: bool = False
    reason: str = ""


def classify(findings: tuple[Finding, ...]) -> Health:
    if not findings:
        return Health.OK
    if any(f.code in ACCESS_FAULTS or f.severity == Severity.CRITICAL for f in findings):
        return Health.FAILED
    return Health.DEGRADED


def observe(
    current: CameraHealth, observation: Observation, policy: HealthPolicy = HealthPolicy()
) -> tuple[CameraHealth, list[Transition]]:
    """The next state after one probe, and the transitions to record (zero or one)."""
    now = observation.at
    seen = observation.health
    recent = tuple(t for t in current.changes if now - t <= policy.flap_window)
    state = replace(current, changes=recent)

    if seen == current.state:
        # Same state again: refresh the codes (a degraded camera may change why it is degraded).
        steady = current.steady_since if current.pending is None and current.steady_since else now
        # A flapping camera that has shown its held state on every probe for a whole window is steady again:
        # it left flapping then, not only once a repair has also lasted a window.
        flapping = current.flapping and now - steady < policy.flap_window
        settled = replace(state, pending=None, pending_count=0, pending_since=None, steady_since=steady)
        return _news(replace(settled, codes=observation.codes, flapping=flapping), observation, policy)
    if current.state == Health.UNKNOWN:
        # The first verdict on a camera is taken at once: there is nothing to protect from a glitch.
        return _confirm(state, seen, observation, policy, "first probe")

    worse = _RANK[seen] > _RANK[current.state]
    pending = state.pending
    if (
        pending is not None
        and state.pending_since is not None
        and (_RANK[pending] > _RANK[current.state]) == worse
    ):
        # The run goes on as long as the probes keep to one side of the confirmed state: a camera degraded on
        # one probe and failed on the next is bad on both, and ok-degraded-ok-degraded is better than failed.
        # What the run confirms is its mildest verdict (the least bad of the worse, the least good of the
        # better), which every probe of it reached.
        count, since = state.pending_count + 1, state.pending_since
        pending = (
            min(pending, seen, key=_RANK.__getitem__) if worse else max(pending, seen, key=_RANK.__getitem__)
        )
    else:
        count, since, pending = 1, now, seen
    state = replace(
        state,
        pending=pending,
        pending_count=count,
        pending_since=since,
        steady_since=None,
        novel_count=0,
        novel_since=None,
    )
    lasted = now - since

    if worse:
        if count >= policy.confirm_probes:
            return _confirm(state, pending, observation, policy, f"seen in {count} consecutive probes")
        if lasted >= policy.confirm_after:
            return _confirm(state, pending, observation, policy, f"lasted {_minutes(lasted)}")
    elif current.flapping:
        if lasted >= policy.flap_window:
            return _confirm(
                state, pending, observation, policy, f"stable for {_minutes(lasted)} after flapping"
            )
    elif count >= policy.recover_probes:
        return _confirm(state, pending, observation, policy, f"seen in {count} consecutive probes")
    return state, []


def _news(
    state: CameraHealth, observation: Observation, policy: HealthPolicy
) -> tuple[CameraHealth, list[Transition]]:
    """Within a confirmed state: a code not announced yet, found in a run of probes long enough to confirm a
    change, is announced by a transition from the state to itself; a probe without one ends the run."""
    new = sorted(set(observation.codes) - set(state.announced))
    if not new:
        return replace(state, novel_count=0, novel_since=None), []
    now = observation.at
    count = state.novel_count + 1
    since = state.novel_since or now
    if count >= policy.confirm_probes:
        why = f"seen in {count} consecutive probes"
    elif now - since >= policy.confirm_after:
        why = f"lasted {_minutes(now - since)}"
    else:
        return replace(state, novel_count=count, novel_since=since), []
    announced = tuple(sorted({*state.announced, *observation.codes}))
    reason = f"new fault {', '.join(new)} while {state.state.value}: {why}"
    transition = Transition(now, state.state, state.state, observation.codes, state.flapping, reason)
    return replace(state, announced=announced, novel_count=0, novel_since=None), [transition]


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.0f} min"


def _confirm(
    state: CameraHealth, seen: Health, observation: Observation, policy: HealthPolicy, reason: str
) -> tuple[CameraHealth, list[Transition]]:
    now = observation.at
    changes = (*state.changes, now) if state.state != Health.UNKNOWN else state.changes
    flapping = len(changes) >= policy.flap_changes
    if flapping and not state.flapping:
        reason += f"; flapping: {len(changes)} changes within {_minutes(policy.flap_window)}"
    new = CameraHealth(
        state=seen,
        since=now,
        codes=observation.codes,
        changes=changes,
        flapping=flapping,
        steady_since=now,
        announced=observation.codes,
    )
    return new, [Transition(now, state.state, seen, observation.codes, flapping, reason)]
