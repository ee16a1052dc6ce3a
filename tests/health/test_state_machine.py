from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from qarauyl.domain import FaultCode, Finding, Health, Severity
from qarauyl.health import CameraHealth, HealthPolicy, Observation, observe

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
BLUR = Finding(FaultCode.BLUR, Severity.WARNING, 0.8)
OFFLINE = Finding(FaultCode.OFFLINE, Severity.CRITICAL, 1.0)
POLICY = HealthPolicy()


def run(
    sequence: list[tuple[Finding, ...]], policy: HealthPolicy = POLICY
) -> tuple[CameraHealth, list[list[str]]]:
    state = CameraHealth()
    log = []
    for i, findings in enumerate(sequence):
        state, transitions = observe(state, Observation(T0 + i * STEP, findings), policy)
        log.append([f"{t.before}->{t.after}" for t in transitions])
    return state, log


def test_first_probe_is_taken_at_once() -> None:
    state, log = run([(BLUR,)])
    assert state.state == Health.DEGRADED and state.codes == ("blur",)
    assert log == [["unknown->degraded"]]


def test_one_bad_probe_is_not_a_fault_two_are() -> None:
    state, log = run([(), (OFFLINE,), (), (OFFLINE,), (OFFLINE,)])
    assert log == [["unknown->ok"], [], [], [], ["ok->failed"]]
    assert state.state == Health.FAILED and state.codes == ("offline",)
    assert state.since == T0 + 4 * STEP


def test_recovery_needs_two_good_probes() -> None:
    state, log = run([(OFFLINE,), (), (OFFLINE,), (), ()])
    assert log == [["unknown->failed"], [], [], [], ["failed->ok"]]
    assert state.state == Health.OK and state.codes == ()


def test_a_long_lasting_fault_is_confirmed_by_time_when_probes_are_few() -> None:
    policy = HealthPolicy(confirm_probes=5, confirm_after=timedelta(minutes=12))
    _, log = run([(), (BLUR,), (BLUR,), (BLUR,), (BLUR,)], policy)
    # Pending since probe 1 (t=5 min); at probe 4 (t=20 min) it has lasted 15 min >= 12, at probe 3 only 10.
    assert log == [["unknown->ok"], [], [], [], ["ok->degraded"]]


def test_codes_follow_the_latest_probe_within_a_state() -> None:
    noise = Finding(FaultCode.NOISE, Severity.WARNING, 0.6)
    state, _ = run([(BLUR,), (noise,)])
    assert state.state == Health.DEGRADED and state.codes == ("noise",)


def test_flapping_is_declared_once_and_holds_the_worse_state() -> None:
    state = CameraHealth()
    transitions = []
    pattern = [(), (OFFLINE,), (OFFLINE,), (), ()] * 4  # confirmed down and up again, four times
    for i, findings in enumerate(pattern):
        state, new = observe(state, Observation(T0 + i * STEP, findings), POLICY)
        transitions.extend(new)
    changes = [f"{t.before}->{t.after}" for t in transitions]
    # The fourth change within an hour declares flapping (once); the next failure is still reported,
    # but from then on the camera stays failed instead of bouncing back with every good probe.
    assert changes == ["unknown->ok", "ok->failed", "failed->ok", "ok->failed", "failed->ok", "ok->failed"]
    assert [t.flapping for t in transitions] == [False, False, False, False, True, True]
    assert "flapping" in transitions[4].reason
    assert state.flapping and state.state == Health.FAILED
    # Good for a whole flap window: recovered, and the flapping is over.
    for i in range(14):
        state, new = observe(state, Observation(T0 + (len(pattern) + i) * STEP, ()), POLICY)
        transitions.extend(new)
    assert state.state == Health.OK and not state.flapping
    assert f"{transitions[-1].before}->{transitions[-1].after}" == "failed->ok"
    assert "stable for 60 min after flapping" in transitions[-1].reason


observations = st.lists(st.sampled_from([(), (BLUR,), (OFFLINE,)]), min_size=1, max_size=60)


@given(observations)
def test_confirmed_state_is_always_one_that_was_observed_and_transitions_chain(
    seq: list[tuple[Finding, ...]],
) -> None:
    state = CameraHealth()
    previous = Health.UNKNOWN
    seen: set[Health] = set()
    for i, findings in enumerate(seq):
        obs = Observation(T0 + i * STEP, findings)
        seen.add(obs.health)
        state, transitions = observe(state, obs)
        for t in transitions:
            assert t.before == previous
            # The same state before and after only to name a fault the state's events had not named.
            assert t.after != t.before or t.reason.startswith("new fault ")
            previous = t.after
        assert state.state == previous
    assert state.state in seen


@given(st.integers(min_value=2, max_value=40))
def test_a_steady_fault_is_confirmed_within_two_probes(n_good: int) -> None:
    state, log = run([()] * n_good + [(BLUR,), (BLUR,)])
    assert state.state == Health.DEGRADED and log[-1] == ["ok->degraded"]


def test_a_camera_bad_on_every_probe_is_confirmed_even_when_the_verdict_alternates() -> None:
    """Degraded, failed, degraded...: each probe restarted the count, and the camera stayed ok for good."""
    state, log = run([(), (BLUR,), (OFFLINE,), (BLUR,), (OFFLINE,)])
    assert log[:3] == [["unknown->ok"], [], ["ok->degraded"]]  # bad twice: at least degraded, the milder
    assert state.state != Health.OK
    # The mirror: a failed camera good or degraded on every probe since is no longer failed.
    state, log = run([(OFFLINE,), (), (BLUR,), (), (BLUR,)])
    assert log[:3] == [["unknown->failed"], [], ["failed->degraded"]]


@given(
    st.integers(min_value=1, max_value=10),
    st.lists(st.sampled_from([(BLUR,), (OFFLINE,)]), min_size=2, max_size=20),
)
def test_probes_that_all_see_a_fault_never_leave_the_camera_ok(
    n_good: int, bad: list[tuple[Finding, ...]]
) -> None:
    state, _ = run([()] * n_good + bad)
    assert state.state != Health.OK


def test_flapping_ends_once_the_held_state_has_held_for_a_window_so_a_later_repair_counts_at_once() -> None:
    """A camera that flapped, then stayed down for days: its repair is confirmed by two good probes, not an
    hour of them (the flag outlived the flapping, and so did the ticket)."""
    state = CameraHealth()
    at = iter(T0 + i * STEP for i in range(10_000))
    for findings in [(), (OFFLINE,), (OFFLINE,), (), ()] * 4:
        state, _ = observe(state, Observation(next(at), findings), POLICY)
    assert state.flapping and state.state == Health.FAILED
    for _ in range(11):  # 55 min of failed probes: still within the window
        state, _ = observe(state, Observation(next(at), (OFFLINE,)), POLICY)
    assert state.flapping
    for _ in range(24 * 12):  # the rest of a day down, every probe agreeing
        state, _ = observe(state, Observation(next(at), (OFFLINE,)), POLICY)
    assert not state.flapping and state.state == Health.FAILED
    transitions = []
    for _ in range(2):
        state, new = observe(state, Observation(next(at), ()), POLICY)
        transitions.extend(new)
    assert state.state == Health.OK
    assert [t.reason for t in transitions] == ["seen in 2 consecutive probes"]


LOW_FPS = Finding(FaultCode.LOW_FPS, Severity.WARNING, 0.7)
OCCLUDED = Finding(FaultCode.OCCLUDED, Severity.WARNING, 0.9)


def test_a_new_fault_on_a_degraded_camera_is_confirmed_like_a_change_and_announced_once() -> None:
    """A camera degraded by a low frame rate is then covered: before, the codes changed silently, and the
    ticket opened for the frame rate never learnt of the cover."""
    covered = (LOW_FPS, OCCLUDED)
    state, log = run([(LOW_FPS,), covered, (LOW_FPS,), covered, covered, (LOW_FPS,), covered, covered])
    # A passing bus (one probe) is no news; two probes in a row are, once; its return later is not news again.
    assert log == [["unknown->degraded"], [], [], [], ["degraded->degraded"], [], [], []]
    assert state.state == Health.DEGRADED and state.announced == ("low_fps", "occluded")
    state = CameraHealth()
    transitions = []
    for i, findings in enumerate([(LOW_FPS,), (LOW_FPS, OCCLUDED), (LOW_FPS, OCCLUDED)]):
        state, new = observe(state, Observation(T0 + i * STEP, findings), POLICY)
        transitions.extend(new)
    news = transitions[-1]
    assert (news.before, news.after) == (Health.DEGRADED, Health.DEGRADED)
    assert news.codes == ("low_fps", "occluded")
    assert news.reason == "new fault occluded while degraded: seen in 2 consecutive probes"
    assert state.changes == ()  # news is not a change of state: it never counts towards flapping


def test_a_new_fault_is_confirmed_by_time_when_probes_are_few() -> None:
    policy = HealthPolicy(confirm_probes=5, confirm_after=timedelta(minutes=12))
    covered = (LOW_FPS, OCCLUDED)
    _, log = run([(LOW_FPS,), covered, covered, covered, covered], policy)
    assert log == [["unknown->degraded"], [], [], [], ["degraded->degraded"]]


def test_news_starts_afresh_with_each_confirmed_state() -> None:
    """After a repair, the same fault is news again (it opens a new ticket); while failed, codes seen when
    the failure was confirmed are not."""
    covered = (LOW_FPS, OCCLUDED)
    _, log = run([(LOW_FPS,), (), (), (LOW_FPS,), (LOW_FPS,), covered, covered])
    assert log == [
        ["unknown->degraded"],
        [],
        ["degraded->ok"],
        [],
        ["ok->degraded"],
        [],
        ["degraded->degraded"],
    ]
    _, log = run([(OFFLINE,), (OFFLINE,), (OFFLINE,)])
    assert log == [["unknown->failed"], [], []]


pictures = st.lists(
    st.sampled_from([(), (BLUR,), (LOW_FPS,), (LOW_FPS, OCCLUDED), (BLUR, OCCLUDED), (OFFLINE,)]),
    min_size=1,
    max_size=60,
)


@given(pictures)
def test_within_a_state_only_codes_not_yet_announced_are_news_and_a_lasting_one_always_is(
    seq: list[tuple[Finding, ...]],
) -> None:
    state = CameraHealth()
    announced: set[str] = set()
    streak: dict[str, int] = {}
    for i, findings in enumerate(seq):
        obs = Observation(T0 + i * STEP, findings)
        before = state.state
        state, transitions = observe(state, obs)
        for t in transitions:
            if t.before == t.after:
                assert set(t.codes) - announced, "news that names nothing new"
                assert t.reason.startswith("new fault ")
                announced |= set(t.codes)
            else:
                announced = set(t.codes)
        if transitions or state.state != before:
            streak = {}
        # A code found by two probes in a row within an unchanged state has been announced by then.
        if obs.health == state.state and not transitions:
            streak = {code: streak.get(code, 0) + 1 for code in obs.codes}
            assert all(code in announced for code, n in streak.items() if n >= POLICY.confirm_probes)
        elif obs.health != state.state:
            streak = {}
        assert set(state.announced) == announced
