from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
