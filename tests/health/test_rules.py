"""Fault rules decide which findings count: switched off, below the sensitivity, or not yet past the delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.health.rules import DELAY, OFF, SENSITIVITY, FaultRule, apply_rules, effective_rules

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def _finding(code: FaultCode, score: float = 0.8) -> Finding:
    return Finding(code, Severity.WARNING, score, {})


def test_without_rules_every_finding_counts() -> None:
    findings = (_finding(FaultCode.GLARE), _finding(FaultCode.BLUR))
    ruled = apply_rules(findings, {}, {}, T0)
    assert ruled.counted == findings
    assert ruled.held == {}
    # Tracked all the same, so that a delay set later knows how long each has lasted.
    assert ruled.seen_since == {"glare": T0, "blur": T0}


def test_a_delay_set_on_a_fault_already_present_counts_from_when_it_began() -> None:
    since = apply_rules((_finding(FaultCode.GLARE),), {}, {}, T0).seen_since
    since = apply_rules((_finding(FaultCode.GLARE),), {}, since, T0 + timedelta(hours=2)).seen_since
    rules = {FaultCode.GLARE: FaultRule(FaultCode.GLARE, delay=timedelta(minutes=30))}
    lasted = apply_rules((_finding(FaultCode.GLARE),), rules, since, T0 + timedelta(hours=2, minutes=5))
    assert [f.code for f in lasted.counted] == [FaultCode.GLARE]
    assert lasted.seen_since == {"glare": T0}
    # A fault that appears only now waits out the delay.
    blur_rules = {FaultCode.BLUR: FaultRule(FaultCode.BLUR, delay=timedelta(minutes=30))}
    fresh = apply_rules((_finding(FaultCode.BLUR),), blur_rules, since, T0 + timedelta(hours=2))
    assert fresh.held == {"blur": DELAY}


def test_a_switched_off_code_is_held_and_the_others_count() -> None:
    rules = {FaultCode.GLARE: FaultRule(FaultCode.GLARE, enabled=False)}
    ruled = apply_rules((_finding(FaultCode.GLARE), _finding(FaultCode.BLUR)), rules, {}, T0)
    assert [f.code for f in ruled.counted] == [FaultCode.BLUR]
    assert ruled.held == {"glare": OFF}


def test_a_finding_under_the_sensitivity_is_held_and_breaks_the_run() -> None:
    rule = FaultRule(FaultCode.NOISE, min_score=0.9, delay=timedelta(minutes=10))
    rules = {FaultCode.NOISE: rule}
    faint = apply_rules((_finding(FaultCode.NOISE, 0.7),), rules, {"noise": T0 - timedelta(hours=1)}, T0)
    assert faint.counted == ()
    assert faint.held == {"noise": SENSITIVITY}
    assert faint.seen_since == {}  # the run ended: a clear finding later starts a new one
    clear = apply_rules((_finding(FaultCode.NOISE, 0.95),), rules, faint.seen_since, T0)
    assert clear.held == {"noise": DELAY}
    assert clear.seen_since == {"noise": T0}


def test_a_delayed_code_counts_once_its_run_has_lasted_the_delay() -> None:
    rules = {FaultCode.GLARE: FaultRule(FaultCode.GLARE, delay=timedelta(minutes=30))}
    since: dict[str, datetime] = {}
    verdicts = []
    for minutes in (0, 10, 20, 30, 40):
        ruled = apply_rules((_finding(FaultCode.GLARE),), rules, since, T0 + timedelta(minutes=minutes))
        since = ruled.seen_since
        verdicts.append(bool(ruled.counted))
    assert verdicts == [False, False, False, True, True]
    assert since == {"glare": T0}
    # One probe without it ends the run: the next sighting waits the whole delay again.
    since = apply_rules((), rules, since, T0 + timedelta(minutes=50)).seen_since
    again = apply_rules((_finding(FaultCode.GLARE),), rules, since, T0 + timedelta(minutes=60))
    assert again.counted == ()
    assert again.seen_since == {"glare": T0 + timedelta(minutes=60)}


def test_a_cameras_own_rule_replaces_the_fleets_for_its_code() -> None:
    fleet = [FaultRule(FaultCode.GLARE, enabled=False), FaultRule(FaultCode.NOISE, min_score=0.9)]
    camera = [FaultRule(FaultCode.GLARE, delay=timedelta(minutes=5))]
    rules = effective_rules(fleet, camera, T0)
    assert rules[FaultCode.GLARE] == camera[0]
    assert rules[FaultCode.NOISE] == fleet[1]


def test_a_rule_lapses_by_itself_and_the_fleets_applies_again() -> None:
    end = T0 + timedelta(days=7)
    fleet = [FaultRule(FaultCode.GLARE, delay=timedelta(minutes=30), until=end + timedelta(days=1))]
    camera = [FaultRule(FaultCode.GLARE, enabled=False, until=end)]
    assert effective_rules(fleet, camera, end - timedelta(seconds=1))[FaultCode.GLARE] == camera[0]
    assert effective_rules(fleet, camera, end)[FaultCode.GLARE] == fleet[0]
    assert effective_rules(fleet, camera, end + timedelta(days=1)) == {}


@pytest.mark.parametrize("code", [FaultCode.OFFLINE, FaultCode.AUTH_FAILED, FaultCode.STREAM_ERROR])
def test_an_access_fault_cannot_be_switched_off_but_can_be_delayed(code: FaultCode) -> None:
    with pytest.raises(ValueError, match="marked in repair"):
        FaultRule(code, enabled=False)
    assert FaultRule(code, delay=timedelta(minutes=10)).delay == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("score", "delay", "message"),
    [(0.4, 0, "between 0.5 and 1.0"), (1.2, 0, "between 0.5 and 1.0"), (0.5, -1, "alarm delay"),
     (0.5, 8 * 24 * 60, "alarm delay")],
)  # fmt: skip
def test_a_rule_out_of_range_is_refused_with_a_sentence(score: float, delay: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultRule(FaultCode.GLARE, min_score=score, delay=timedelta(minutes=delay))


codes = st.sampled_from([c for c in FaultCode])
findings = st.lists(st.builds(_finding, codes, st.floats(0.5, 1.0)), max_size=6)
rule_sets = st.lists(
    st.builds(
        lambda code, on, score, minutes: FaultRule(
            code, enabled=on or code.value in ("offline", "auth_failed", "stream_error"),
            min_score=score, delay=timedelta(minutes=minutes),
        ),
        codes, st.booleans(), st.floats(0.5, 1.0), st.integers(0, 120),
    ),
    max_size=5,
)  # fmt: skip


@given(findings, rule_sets, st.integers(0, 200))
def test_every_finding_either_counts_or_is_held_and_codes_without_rules_always_count(
    seen: list[Finding], rule_list: list[FaultRule], started_minutes_ago: int
) -> None:
    rules = {rule.code: rule for rule in rule_list}
    since = {code.value: T0 - timedelta(minutes=started_minutes_ago) for code in rules}
    ruled = apply_rules(seen, rules, since, T0)
    counted_codes = {f.code.value for f in ruled.counted}
    assert counted_codes.isdisjoint(ruled.held)
    assert counted_codes | set(ruled.held) == {f.code.value for f in seen}
    assert all(f in ruled.counted for f in seen if f.code not in rules)
    # Codes are tracked while they are seen: at the rule's sensitivity, or at any score without a rule.
    tracked = {f.code.value for f in seen if f.code not in rules or f.score >= rules[f.code].min_score}
    assert set(ruled.seen_since) == tracked
    # A run that was going on carries on; a new one starts now.
    assert all(at == since.get(code, T0) for code, at in ruled.seen_since.items())
