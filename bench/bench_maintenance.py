"""Maintenance at fleet scale: a fault storm through the monitor's recording path into tickets and
incidents, notification grouping, KPIs over a month of history, and /metrics rendering.

    .venv/bin/python bench/bench_maintenance.py [--quick] [--cameras N] [--database-url URL]

Prints the figures; `--quick` (300 cameras) is exercised by tests/maintenance to keep it working.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from qarauyl.domain.tickets import ACTIVE, STATUSES
from qarauyl.health import HealthPolicy
from qarauyl.maintenance.config import MaintenanceConfig, Route
from qarauyl.maintenance.kpi import compute_kpis, parse_period
from qarauyl.maintenance.metrics import render_metrics
from qarauyl.maintenance.models import OutboxMessage, Ticket
from qarauyl.maintenance.notifications import deliver_due
from qarauyl.maintenance.tickets import TicketFilter, list_tickets, process_transitions
from qarauyl.monitor.recording import record_results
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.probe.result import ProbeError, ProbeResult, ProbeTimings
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, District, HealthEvent, Organisation
from qarauyl.store.schema import upgrade

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NODE_SIZE = 40


def _fleet(db: Database, n: int) -> list[tuple[int, str | None, int]]:
    with db.session() as session:
        orgs = [Organisation(name=f"Contractor {i}", kind="contractor") for i in range(3)]
        districts = [District(name=f"District {i}") for i in range(10)]
        session.add_all([*orgs, *districts])
        session.flush()
        rows = []
        for i in range(n):
            node = f"node-{i // NODE_SIZE}" if i < n * 0.6 else None  # 60 % of the fleet has node data
            vendor = ("hikvision", "dahua", "axis")[i % 3]
            rows.append(
                {
                    "code": f"C{i:06d}", "name": f"Camera {i}", "vendor": vendor, "kind": "fixed",
                    "latitude": 43.3, "longitude": 68.2, "lifecycle": "connected", "tags": [],
                    "health": "unknown", "district_id": districts[i % 10].id, "maintainer_id": orgs[i % 3].id,
                    "network_node": node,
                }
            )  # fmt: skip
        session.execute(insert(Camera), rows)
        return [
            (cid, node, did)
            for cid, node, did in session.execute(select(Camera.id, Camera.network_node, Camera.district_id))
        ]


def _probe(db: Database, store: SnapshotStore, ids: list[int], at: datetime, error: str | None) -> float:
    failure = ProbeError(error, "bench") if error else None  # type: ignore[arg-type]
    results = [
        (i, ProbeResult(url="rtsp://x", error=failure, timings=ProbeTimings(total_ms=900.0)), at) for i in ids
    ]
    started = time.perf_counter()
    for k in range(0, len(results), 500):  # the monitor flushes in batches
        record_results(db, store, results[k : k + 500], HealthPolicy())
    return time.perf_counter() - started


def _history(db: Database, ids: list[int], rng: random.Random) -> int:
    """A month of transitions: each camera fails a few times and comes back."""
    rows = []
    for cid in ids:
        t = T0 - timedelta(days=31)
        state = "ok"
        rows.append(
            {"camera_id": cid, "at": t, "before": "unknown", "after": "ok", "codes": [], "findings": []}
        )
        while True:
            t += timedelta(hours=rng.expovariate(1 / (120 if state == "ok" else 6)))
            if t >= T0:
                break
            new = "failed" if state == "ok" else "ok"
            rows.append(
                {"camera_id": cid, "at": t, "before": state, "after": new, "codes": [], "findings": []}
            )
            state = new
    with db.session() as session:
        for k in range(0, len(rows), 5000):
            session.execute(insert(HealthEvent), rows[k : k + 5000])
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cameras", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    n = 300 if args.quick else args.cameras
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db)
        store = SnapshotStore(Path(tmp) / "snapshots")
        rng = random.Random(7)
        cameras = _fleet(db, n)
        ids = [c[0] for c in cameras]
        history_events = _history(db, ids, rng)
        started = time.perf_counter()
        report = compute_kpis(db, parse_period("2026-09-01..2026-09-30"), now=T0)
        kpi_s = time.perf_counter() - started
        print(f"cameras {n}; history {history_events} health events over a month")
        print(f"kpi: {kpi_s:.2f} s for {n} cameras (availability {report.fleet.availability:.4f}, "
              f"{report.fleet.failures} failures, MTBF {report.fleet.mtbf_hours} h)")  # fmt: skip

        config = MaintenanceConfig(
            routes=(Route(name="occ", channel="webhook", target="http://127.0.0.1:9/unreachable"),),
        )
        process_transitions(db, [], T0, config)  # sets the watermark past the history
        now = T0 + timedelta(hours=1)
        _probe(db, store, ids, now, None)
        process_transitions(db, [], now + timedelta(minutes=1), config)
        # The storm: a tenth of the nodes, 10 % of the cameras without node data and 1 % scattered
        # elsewhere fail in the same minute.
        all_nodes = sorted({node for _, node, _ in cameras if node})
        nodes = all_nodes[: max(1, len(all_nodes) // 10)]
        storm = [cid for cid, node, _ in cameras if node in nodes]
        storm += [cid for cid, node, _ in cameras if node is None and rng.random() < 0.10]
        storm += rng.sample(
            [cid for cid, node, _ in cameras if node and node not in nodes], k=max(1, n // 100)
        )
        t1 = now + timedelta(minutes=10)
        record_s = _probe(db, store, storm, t1, "offline") + _probe(
            db, store, storm, t1 + timedelta(minutes=1), "offline"
        )
        started = time.perf_counter()
        changes = process_transitions(db, [], t1 + timedelta(minutes=2), config)
        process_s = time.perf_counter() - started
        with db.session() as session:
            kinds = dict(
                session.execute(
                    select(Ticket.kind, func.count())
                    .where(Ticket.status != "cancelled")
                    .group_by(Ticket.kind)
                ).all()
            )
            pending = session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        print(f"storm: {len(storm)} cameras offline; recording {record_s:.2f} s (monitor), "
              f"process_transitions {process_s:.2f} s -> {len(changes)} changes; open: {kinds}")  # fmt: skip
        started = time.perf_counter()
        delivery = deliver_due(
            db,
            t1 + timedelta(minutes=5),
            config.model_copy(
                update={"channels": config.channels.model_copy(update={"timeout_seconds": 1.0})}
            ),
        )
        deliver_s = time.perf_counter() - started
        messages = delivery.failed + delivery.sent
        print(f"notifications: {pending} outbox rows left after grouping superseded camera tickets; "
              f"one delivery pass merged {delivery.merged} into {messages} message(s) in {deliver_s:.2f} s "
              f"(endpoint unreachable: {delivery.failed} will retry)")  # fmt: skip
        # The repairs queue with closed tickets shown: every ticket the storm made, grouped ones too.
        started = time.perf_counter()
        queue = list_tickets(
            db,
            now=t1 + timedelta(minutes=5),
            config=config,
            wanted=TicketFilter(statuses=STATUSES),
            limit=5000,
        )
        queue_s = time.perf_counter() - started
        print(f"queue: {len(queue)} tickets listed (all statuses) in {queue_s:.2f} s")
        # A dispatcher's search in the console's queue (a 500-ticket read): the least urgent active camera
        # ticket, matched over the whole storm before the cut, and every ticket of one district (case folded).
        last = [v for v in queue if v.status in ACTIVE and v.camera_code][-1]
        searched = {
            "code": TicketFilter(words=last.camera_code or ""),
            "district": TicketFilter(statuses=STATUSES, words=(queue[0].district or "").upper()),
        }
        for name, wanted in searched.items():
            started = time.perf_counter()
            found = list_tickets(db, now=t1 + timedelta(minutes=5), config=config, wanted=wanted)
            search_s = time.perf_counter() - started
            print(f"queue search by {name} ({wanted.words!r}): {len(found)} found in {search_s:.2f} s")
        started = time.perf_counter()
        text = render_metrics(db, now=t1 + timedelta(minutes=5))
        metrics_s = time.perf_counter() - started
        print(f"/metrics: {len(text.splitlines())} lines, {len(text) / 1e6:.2f} MB in {metrics_s:.2f} s")
        db.dispose()


if __name__ == "__main__":
    main()
