"""One monitor per database, on both backends: the second is refused with a sentence, and the lock goes with
the first (its end, or its process's)."""

from __future__ import annotations

import pytest

from qarauyl.monitor.single import AnotherMonitor, only_monitor
from qarauyl.store import Database


def test_a_second_monitor_on_the_same_database_is_refused_until_the_first_stops(db: Database) -> None:
    other = Database(db.url)  # another process's engine: its own connections
    try:
        with only_monitor(db), pytest.raises(AnotherMonitor, match="Another monitor"), only_monitor(other):
            pass
        with only_monitor(other):  # the first has stopped: the lock is free again
            pass
    finally:
        other.dispose()
