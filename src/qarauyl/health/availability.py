"""Time-weighted availability from health transitions: what share of a period a camera worked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from qarauyl.domain import Health


@dataclass(frozen=True)
class Availability:
    """Seconds in each state within the period; `unknown` covers time before the first probe."""

    ok: float = 0.0
    degraded: float = 0.0
    failed: float = 0.0
    unknown: float = 0.0

    @property
    def known(self) -> float:
        return self.ok + self.degraded + self.failed

    @property
    def ratio(self) -> float | None:
        """Working share of known time (ok and degraded both deliver a picture); None if never probed."""
        return (self.ok + self.degraded) / self.known if self.known > 0 else None


def availability(
    changes: Iterable[tuple[datetime, Health]],
    start: datetime,
    end: datetime,
    initial: Health = Health.UNKNOWN,
) -> Availability:
    """`changes` are (moment, new state); `initial` is the state in force at `start`.

    The changes are put in time order first (a stable sort: changes at one moment keep their order): rows
    read back in id order can be out of time order (a remote worker's late result, a clock stepped back),
    and one change earlier than the last would count negative seconds."""
    if end <= start:
        raise ValueError("the period must end after it starts")
    seconds = {h: 0.0 for h in Health}
    state, cursor = initial, start
    for moment, new_state in sorted(changes, key=lambda change: change[0]):
        if moment <= start:
            state = new_state
            continue
        if moment >= end:
            break
        seconds[state] += (moment - cursor).total_seconds()
        state, cursor = new_state, moment
    seconds[state] += (end - cursor).total_seconds()
    return Availability(
        ok=seconds[Health.OK],
        degraded=seconds[Health.DEGRADED],
        failed=seconds[Health.FAILED],
        unknown=seconds[Health.UNKNOWN],
    )


def period(end: datetime, days: int) -> tuple[datetime, datetime]:
    return end - timedelta(days=days), end
