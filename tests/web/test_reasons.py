"""Event reasons in the reader's language: every reason the health state machine and the lifecycle sweep
actually write (driven here, not copied) is recognised and said in Russian and Kazakh; an unknown one is
shown as stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest

from qarauyl.domain import FaultCode, Finding, Severity
from qarauyl.health import CameraHealth, HealthPolicy, Observation, observe
from qarauyl.i18n import Translator
from qarauyl.monitor.job import access_finding
from qarauyl.probe.result import ProbeCause, ProbeError
from qarauyl.web._reasons import event_codes, probe_cause, say_reason

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
LATIN_WORD = re.compile(r"\b[a-z]{4,}\b")  # an English word left in (fault codes are translated too)


def _finding(code: FaultCode, critical: bool = False) -> Finding:
    return Finding(code, Severity.CRITICAL if critical else Severity.WARNING, 0.9, {})


def _reasons_the_state_machine_writes() -> list[str]:
    """A camera through its life: first probe, a fault confirmed by count and by time, a new fault within
    the state, recovery, then flapping and its end."""
    policy = HealthPolicy(confirm_probes=2, confirm_after=timedelta(minutes=15), recover_probes=2)
    slow = HealthPolicy(confirm_probes=9, confirm_after=timedelta(minutes=15), recover_probes=2)
    state, reasons, minute = CameraHealth(), [], 0

    def probe(*findings: Finding, rules: HealthPolicy = policy, step: int = 1) -> None:
        nonlocal state, minute
        minute += step
        state, transitions = observe(state, Observation(T0 + timedelta(minutes=minute), findings), rules)
        reasons.extend(t.reason for t in transitions)

    probe()  # first probe: ok
    probe(_finding(FaultCode.LOW_FPS))
    probe(_finding(FaultCode.LOW_FPS))  # degraded, seen in 2 consecutive probes
    probe(_finding(FaultCode.LOW_FPS), _finding(FaultCode.OCCLUDED))
    probe(_finding(FaultCode.LOW_FPS), _finding(FaultCode.OCCLUDED))  # new fault while degraded
    probe()
    probe()  # ok again
    probe(_finding(FaultCode.BLUR, critical=True), rules=slow)
    probe(_finding(FaultCode.BLUR, critical=True), rules=slow, step=20)  # failed: lasted 20 min
    for _ in range(6):  # a loose cable: flapping
        probe()
        probe()
        probe(_finding(FaultCode.OFFLINE, critical=True))
        probe(_finding(FaultCode.OFFLINE, critical=True))
    probe(step=1)
    probe(step=70)  # stable for a window after flapping
    return reasons


def _reason_the_lifecycle_sweep_writes(tmp_path: Path) -> str:
    from qarauyl.monitor.unmonitored import settle_unmonitored
    from qarauyl.store import Camera, Database
    from qarauyl.store.models import HealthEvent
    from qarauyl.store.schema import upgrade

    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    upgrade(db)
    with db.session() as session:
        session.add(Camera(code="R-1", name="R-1", vendor="axis", kind="fixed", latitude=43.3, longitude=68.2,
                           lifecycle="installed", health="failed", tags=[]))  # fmt: skip
        session.flush()
        settle_unmonitored(session)
    with db.session() as session:
        reason = session.query(HealthEvent.reason).scalar()
    db.dispose()
    assert isinstance(reason, str)
    return reason


def test_every_reason_written_is_said_in_each_language(tmp_path: Path) -> None:
    reasons = _reasons_the_state_machine_writes()
    kinds = {
        "first probe": any(r == "first probe" for r in reasons),
        "count": any(r.startswith("seen in") for r in reasons),
        "lasted": any(r.startswith("lasted") for r in reasons),
        "new fault": any(r.startswith("new fault") for r in reasons),
        "flapping": any("; flapping:" in r for r in reasons),
        "stable": any(r.startswith("stable for") for r in reasons),
    }
    assert all(kinds.values()), kinds  # the scenario reaches every shape
    reasons.append(_reason_the_lifecycle_sweep_writes(tmp_path))
    for language in ("ru", "kk"):
        tr = Translator(language)
        for reason in reasons:
            said = say_reason(tr, reason)
            assert said != reason and CYRILLIC.search(said), (language, reason)
            assert not LATIN_WORD.search(said), (language, reason, said)
    assert say_reason(Translator("en"), "seen in 2 consecutive probes") == "seen in 2 consecutive probes"


def test_the_new_fault_sentence_names_the_faults_and_the_state_in_the_language() -> None:
    said = say_reason(Translator("ru"), "new fault occluded while degraded: seen in 2 consecutive probes")
    ru = Translator("ru")
    assert ru.maybe("fault", "occluded") in said and ru.maybe("health", "degraded") in said
    assert "2" in said


@pytest.mark.parametrize("reason", ["no answer", "", "flapping: soon"])
def test_a_reason_of_no_known_shape_is_shown_as_stored(reason: str) -> None:
    assert say_reason(Translator("kk"), reason) == reason


def test_an_event_without_faults_says_what_its_state_means() -> None:
    tr = Translator("en")
    assert event_codes(tr, {"codes": [], "before": "failed", "after": "ok"}) == tr("events.recovered")
    assert event_codes(tr, {"codes": [], "before": "unknown", "after": "ok"}) == tr("events.working")
    assert tr("events.working") != tr("events.recovered")
    assert event_codes(tr, {"codes": [], "after": "unknown"}) == tr("events.not_monitored")
    assert event_codes(tr, {"codes": ["blur"], "after": "failed"}) == tr.maybe("fault", "blur")


def test_an_event_of_a_camera_that_cannot_be_read_says_why_in_the_language() -> None:
    kk = Translator("kk")
    event = {"codes": ["auth_failed", "blur"], "after": "failed", "cause": "credentials"}
    access, blur = kk.maybe("fault", "auth_failed"), kk.maybe("fault", "blur")
    assert event_codes(kk, event) == f"{access} ({kk('cause.credentials')}), {blur}"
    assert event_codes(kk, {**event, "cause": None}) == f"{access}, {blur}"  # stored before causes


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_cause_a_probe_can_name_is_said_in_the_language(language: str) -> None:
    """Every cause of probe.result.ProbeCause, stored the way the monitor stores it (its access finding),
    is said as a sentence of its own: in Cyrillic in Russian and Kazakh, and no two causes alike."""
    tr = Translator(language)
    said: dict[str, str | None] = {}
    for cause in get_args(ProbeCause):
        finding = access_finding(ProbeError("offline", "the probe's own English words", cause))
        stored = {"code": str(finding.code), "severity": str(finding.severity), "detail": finding.detail}
        said[cause] = probe_cause(tr, [{"code": "blur", "detail": {}}, stored])
    assert all(said.values()), [cause for cause, text in said.items() if not text]
    assert len(set(said.values())) == len(said)
    # And in a few words, for the overview's count of why cameras cannot be read.
    short = {cause: tr.maybe("cause", cause) for cause in said}
    assert all(tr.has(f"cause.{cause}") for cause in said), [c for c in said if not tr.has(f"cause.{c}")]
    assert len(set(short.values())) == len(short)
    if language != "en":
        assert all(CYRILLIC.search(text or "") for text in said.values())


def test_no_cause_is_said_for_a_camera_that_was_read_or_an_older_record() -> None:
    tr = Translator("ru")
    assert probe_cause(tr, []) is None
    assert probe_cause(tr, [{"code": "blur", "detail": {"cause": "refused"}}]) is None  # not an access fault
    assert probe_cause(tr, [{"code": "offline", "detail": {"message": "refused"}}]) is None  # before causes
    assert probe_cause(tr, [{"code": "offline", "detail": {"cause": "from_a_newer_release"}}]) is None
