"""Fault rules: an OCC's say on which findings raise an alarm, per fault code, fleet-wide or per camera.

What Hikvision's on-camera diagnosis gives each check (a sensitivity and an alarm delay, or switched off),
Qarauyl gives each fault code, for the whole fleet or one camera:

- `enabled`: off means the code is still measured and shown, but no longer makes the camera degraded or
  failed (a camera that faces the sunset keeps reporting glare otherwise, and staff learn to ignore it);
- `min_score`: the sensitivity, as the confidence (0.5 at the check's own threshold, 1.0 at an unmistakable
  fault) a finding needs to count; raise it and only the clearer cases alarm;
- `delay`: how long a code must be seen without a break before it counts (glare for half an hour, not the
  minute the sun crosses the view). It adds to the health policy's confirmation, which still applies;
- `until`: when the rule lapses by itself (a fault silenced for the week a lens is on order is not silenced
  for ever by a forgotten rule); None keeps it until someone removes it.

A camera's own rule for a code replaces the fleet-wide rule for that code while it is in force. Findings held
back by a rule stay in the camera's findings, marked with why, so that nobody mistakes a silenced fault for a
healthy picture.
Access faults (offline, wrong password, broken stream) can be delayed but not switched off: a camera that
cannot be reached is marked in repair, not muted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from qarauyl.domain import FaultCode, Finding
from qarauyl.health.state_machine import ACCESS_FAULTS

MIN_SCORE = 0.5  # a finding's score at its check's threshold: the default sensitivity lets every one count
MAX_DELAY = timedelta(days=7)

# Why a finding did not count (kept with it in the camera's findings).
OFF = "off"
SENSITIVITY = "sensitivity"
DELAY = "delay"


@dataclass(frozen=True)
class FaultRule:
    code: FaultCode
    enabled: bool = True
    min_score: float = MIN_SCORE
    delay: timedelta = timedelta(0)
    until: datetime | None = None

    def in_force(self, now: datetime) -> bool:
        return self.until is None or now < self.until

    def __post_init__(self) -> None:
        problem = rule_problem(self.code, self.enabled, self.min_score, self.delay)
        if problem:
            raise ValueError(problem)


def rule_problem(code: FaultCode, enabled: bool, min_score: float, delay: timedelta) -> str | None:
    """What is wrong with a rule, as a sentence, or None when it can be kept."""
    found = rule_field_problem(code, enabled, min_score, delay)
    return found[1] if found else None


def rule_field_problem(
    code: FaultCode, enabled: bool, min_score: float, delay: timedelta
) -> tuple[str, str] | None:
    """(the field at fault, what is wrong with it) for a rule that cannot be kept, or None."""
    if not enabled and code in ACCESS_FAULTS:
        return "enabled", (
            f"'{code.value}' cannot be switched off: a camera that cannot be reached is marked in repair; "
            "an alarm delay can be set instead"
        )
    if not MIN_SCORE <= min_score <= 1.0:
        return "min_score", f"the minimum score must be between {MIN_SCORE} and 1.0, not {min_score:g}"
    if not timedelta(0) <= delay <= MAX_DELAY:
        return "delay_minutes", f"the alarm delay must be between 0 and {MAX_DELAY.days * 24 * 60} minutes"
    return None


def effective_rules(
    fleet: Iterable[FaultRule], camera: Iterable[FaultRule], now: datetime
) -> dict[FaultCode, FaultRule]:
    """The rules in force on one camera at `now`: its own, and the fleet's for the codes it has none for."""
    rules = {rule.code: rule for rule in fleet if rule.in_force(now)}
    rules.update((rule.code, rule) for rule in camera if rule.in_force(now))
    return rules


@dataclass(frozen=True)
class Ruled:
    """One probe's findings after the rules: those that count towards health, those held back (code ->
    why), and, per code, since when it has been seen without a break (for alarm delays)."""

    counted: tuple[Finding, ...]
    held: dict[str, str]
    seen_since: dict[str, datetime]


def apply_rules(
    findings: Iterable[Finding],
    rules: Mapping[FaultCode, FaultRule],
    seen_since: Mapping[str, datetime],
    now: datetime,
) -> Ruled:
    """Which of one probe's findings count, given the camera's rules and since when each code has been seen.

    A code's run starts with the first probe that finds it at the rule's sensitivity and ends with the first
    that does not: a delayed code counts once its run has lasted the delay. Codes without a rule count at
    once, as if there were no rules at all, and their runs are tracked too (at any score), so that a delay
    set on a fault already present counts from when it began, not from the rule: the camera does not turn
    ok for the length of the delay because someone set one.
    """
    counted: list[Finding] = []
    held: dict[str, str] = {}
    since: dict[str, datetime] = {}
    for finding in findings:
        code = finding.code
        rule = rules.get(code)
        if rule is None:
            since.setdefault(code.value, seen_since.get(code.value, now))
            counted.append(finding)
            continue
        if finding.score < rule.min_score:
            held[code.value] = SENSITIVITY
            continue
        started = since.setdefault(code.value, seen_since.get(code.value, now))
        if not rule.enabled:
            held[code.value] = OFF
        elif now - started < rule.delay:
            held[code.value] = DELAY
        else:
            counted.append(finding)
    # A code both held and counted (two findings of it) counts.
    for finding in counted:
        held.pop(finding.code.value, None)
    return Ruled(tuple(counted), held, since)
