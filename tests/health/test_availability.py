from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarauyl.domain import Health
from qarauyl.health import availability

START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_day_down_in_a_month() -> None:
    changes = [(START + timedelta(days=10), Health.FAILED), (START + timedelta(days=11), Health.OK)]
    result = availability(changes, START, END, initial=Health.OK)
    assert result.failed == pytest.approx(86400)
    assert result.ratio == pytest.approx(30 / 31)


def test_changes_before_the_period_set_the_initial_state_and_later_ones_are_ignored() -> None:
    changes = [
        (START - timedelta(days=3), Health.FAILED),
        (START + timedelta(days=1), Health.DEGRADED),
        (END + timedelta(days=1), Health.OK),
    ]
    result = availability(changes, START, END)
    assert result.failed == pytest.approx(86400)
    assert result.degraded == pytest.approx(30 * 86400)
    assert result.unknown == 0


def test_never_probed_has_no_ratio() -> None:
    assert availability([], START, END).ratio is None


states = st.sampled_from([Health.OK, Health.DEGRADED, Health.FAILED, Health.UNKNOWN])


@given(st.lists(st.tuples(st.integers(min_value=-86400 * 5, max_value=86400 * 40), states), max_size=30))
def test_state_seconds_add_up_to_the_period(raw: list[tuple[int, Health]]) -> None:
    changes = sorted((START + timedelta(seconds=s), h) for s, h in raw)
    result = availability(changes, START, END)
    total = result.ok + result.degraded + result.failed + result.unknown
    assert total == pytest.approx((END - START).total_seconds())
    assert result.ratio is None or 0.0 <= result.ratio <= 1.0


@given(
    st.lists(st.tuples(st.integers(min_value=-86400 * 5, max_value=86400 * 40), states), max_size=30),
    st.randoms(use_true_random=False),
)
def test_the_order_changes_arrive_in_does_not_matter(raw: list[tuple[int, Health]], rng: Random) -> None:
    in_order = sorted((START + timedelta(seconds=s), h) for s, h in raw)
    shuffled = list(in_order)
    rng.shuffle(shuffled)
    # Among changes at one moment the later one wins; shuffling may swap those, so compare with the shuffled
    # list's own stable time order.
    expected = availability(sorted(shuffled, key=lambda c: c[0]), START, END)
    result = availability(shuffled, START, END)
    assert result == expected
    assert min(result.ok, result.degraded, result.failed, result.unknown) >= 0


def test_a_change_read_back_out_of_time_order_counts_no_negative_time() -> None:
    changes = [
        (START + timedelta(days=2), Health.FAILED),
        (START + timedelta(days=1), Health.OK),  # stored later, happened earlier
    ]
    result = availability(changes, START, END, initial=Health.UNKNOWN)
    assert result.unknown == pytest.approx(86400)
    assert result.ok == pytest.approx(86400)
    assert result.failed == pytest.approx(29 * 86400)
