"""One monitor per database: a second one (a service and a duty officer's `--once`, two hosts) would probe
every camera twice, confirm a fault from two probes a second apart instead of two cycles, and write older
results over newer ones.

PostgreSQL: a session-level advisory lock, held on its own connection for the monitor's life and released
by the server if the process dies. SQLite: an exclusive `flock` on a file beside the database, which the
kernel releases the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import make_url, text

from qarauyl.errors import QarauylError
from qarauyl.store import Database

# pg_try_advisory_lock's key: any constant of our own ("qarauyl monitor" in ASCII, folded to 63 bits).
_ADVISORY_KEY = int.from_bytes(b"qarauyl monitor", "big") % (2**63)


class AnotherMonitor(QarauylError):
    """A monitor already runs against this database."""


@contextlib.contextmanager
def only_monitor(db: Database) -> Iterator[None]:
    """Holds the database's monitor lock until the block ends; AnotherMonitor if someone else holds it."""
    if db.is_sqlite:
        with _file_lock(db):
            yield
        return
    with db.engine.connect() as connection:
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY}):
            raise AnotherMonitor(
                "Another monitor is already running against this database; stop it first (one monitor per "
                "database: two would probe every camera twice and confirm faults from each other's probes)."
            )
        connection.commit()
        try:
            yield None
        finally:
            with contextlib.suppress(Exception):
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})


@contextlib.contextmanager
def _file_lock(db: Database) -> Iterator[None]:
    database = make_url(db.url).database
    if not database or database == ":memory:":
        yield None  # a private in-memory database has no other monitor
        return
    path = Path(database).expanduser().with_name(Path(database).name + ".monitor.lock")
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AnotherMonitor(
                f"Another monitor (process {holder}) is already running against {database}; stop it first "
                "(one monitor per database: two would probe every camera twice and confirm faults from each "
                "other's probes)."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield None
    finally:
        handle.close()  # closing releases the lock
