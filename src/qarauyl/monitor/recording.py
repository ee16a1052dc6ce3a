"""Storing what the monitor learnt: health state, events with evidence, probe history, references."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import defer, load_only

from qarauyl.domain import Finding, Health, Lifecycle
from qarauyl.health import CameraHealth, HealthPolicy, Observation, Transition, classify, observe
from qarauyl.health.rules import apply_rules, effective_rules
from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.monitor.fault_rules import rules_by_camera
from qarauyl.monitor.job import MonitorResult, access_finding
from qarauyl.monitor.snapshots import SnapshotStore
from qarauyl.probe.result import ProbeResult
from qarauyl.store import Camera, Database
from qarauyl.store.models import CameraHealthRow, HealthEvent, ProbeRecord

log = logging.getLogger(__name__)

# Healthy probes in a row before a picture becomes the camera's reference: one good frame could be
# the moment a bus stood in front of it.
REFERENCE_VOTES = 3
SYSTEM = "qarauyl"  # who acknowledges an event that asks nothing of anyone (and the monitor's own sweep)


@dataclass(frozen=True)
class Recorded:
    camera_id: int
    state: Health
    codes: tuple[str, ...]
    transitions: tuple[Transition, ...]
    held: tuple[str, ...] = ()  # codes the probe found that fault rules kept from counting
    cause: str | None = None  # why the camera could not be read (probe.result.ProbeCause), if that counts


def _nothing_to_act_on(transition: Transition) -> bool:
    """A camera seen working on its first probes: stored like every change (availability counts from it),
    but acknowledged by the monitor itself, or a new deployment's first cycle would leave a thousand events
    for the duty officer to acknowledge one by one."""
    return transition.before == Health.UNKNOWN and transition.after == Health.OK


def finding_dict(
    finding: Finding, held: str | None = None, since: datetime | None = None
) -> dict[str, object]:
    """A finding as stored; `held` says why a fault rule kept it from counting (see health/rules.py), `since`
    when its code was first seen in the run of probes that still finds it (a duty officer's "since when?")."""
    stored: dict[str, object] = {
        "code": finding.code.value,
        "severity": finding.severity.value,
        "score": round(finding.score, 4),
        "detail": dict(finding.detail),
    }
    if held:
        stored["held"] = held
    if since is not None:
        stored["since"] = since.isoformat()
    return stored


def verdict_findings(result: ProbeResult) -> tuple[Finding, ...]:
    """The findings a result stands for: a failed probe is its access fault, whoever produced it
    (the worker, or the pool when it had to stop a hung or crashed worker)."""
    if result.error is not None and not any(f.code in ACCESS_FAULTS for f in result.findings):
        return (access_finding(result.error), *result.findings)
    return tuple(result.findings)


def _to_state(row: CameraHealthRow) -> CameraHealth:
    return CameraHealth(
        state=Health(row.state),
        since=row.since,
        codes=tuple(row.codes or ()),
        pending=Health(row.pending) if row.pending else None,
        pending_count=row.pending_count or 0,
        pending_since=row.pending_since if row.pending else None,
        # One column for two moments that never coexist (see store_state).
        steady_since=None if row.pending else row.pending_since,
        changes=tuple(datetime.fromisoformat(t) for t in row.changes or ()),
        flapping=bool(row.flapping),
        announced=tuple(row.announced if row.announced is not None else row.codes or ()),
        novel_count=row.novel_count or 0,
        novel_since=row.novel_since,
    )


def store_state(row: CameraHealthRow, state: CameraHealth) -> None:
    row.state = state.state.value
    row.since = state.since
    row.codes = list(state.codes)
    row.pending = state.pending.value if state.pending else None
    row.pending_count = state.pending_count
    # With a run pending, the column holds when it began; without one, since when every probe has agreed with
    # the confirmed state (what ends flapping).
    row.pending_since = state.pending_since if state.pending else state.steady_since
    row.changes = [t.isoformat() for t in state.changes]
    row.flapping = state.flapping
    row.announced = list(state.announced)
    row.novel_count = state.novel_count
    row.novel_since = state.novel_since


def record_results(
    db: Database,
    snapshots: SnapshotStore,
    results: Sequence[tuple[int, ProbeResult, datetime]],
    policy: HealthPolicy = HealthPolicy(),
) -> list[Recorded]:
    """One transaction for a batch of probe results; returns each camera's new state."""
    recorded = []
    ids = sorted({camera_id for camera_id, _, _ in results})
    with db.session() as session:
        # The batch's rows in two queries, not two per result: a lookup per result also flushed the previous
        # result's changes first (autoflush), and that was three quarters of the monitor's own CPU. Only what
        # is read or kept is loaded: the JSON columns a result replaces are not decoded on the way in.
        camera_query = select(Camera).options(
            load_only(Camera.id, Camera.health, Camera.health_since, Camera.lifecycle)
        )
        cameras = {c.id: c for c in session.scalars(camera_query.where(Camera.id.in_(ids)))}
        replaced = (
            CameraHealthRow.findings,
            CameraHealthRow.stream,
            CameraHealthRow.metrics,
            CameraHealthRow.baseline,
        )
        row_query = select(CameraHealthRow).options(*(defer(column) for column in replaced))
        rows = {r.camera_id: r for r in session.scalars(row_query.where(CameraHealthRow.camera_id.in_(ids)))}
        fleet_rules, camera_rules = rules_by_camera(session, ids)
        for camera_id, result, at in results:
            camera = cameras.get(camera_id)
            if camera is None or camera.lifecycle != Lifecycle.CONNECTED:
                continue  # deleted or disconnected while it was being probed: no health to keep
            row = rows.get(camera_id)
            if row is None:
                row = CameraHealthRow(camera_id=camera_id, state=Health.UNKNOWN.value, reference_votes=0)
                rows[camera_id] = row
                session.add(row)
            seen = verdict_findings(result)
            rules = effective_rules(fleet_rules, camera_rules.get(camera_id, ()), at)
            ruled = apply_rules(seen, rules, _seen_since(row), at)
            observation = Observation(at, ruled.counted)
            state, transitions = observe(_to_state(row), observation, policy)
            store_state(row, state)
            row.seen_since = {code: t.isoformat() for code, t in ruled.seen_since.items()} or None
            held, since = ruled.held, ruled.seen_since
            findings = [finding_dict(f, held.get(f.code.value), since.get(f.code.value)) for f in seen]
            row.last_probe_at = at
            row.findings = findings
            row.stream = asdict(result.stream) if result.stream else None
            row.metrics = {k: round(v, 5) for k, v in result.metrics.items()}
            row.error = result.error.message if result.error else None
            if isinstance(result, MonitorResult) and result.baseline is not None:
                row.baseline = result.baseline
            if observation.health == Health.OK:
                row.last_ok_at = at
            snapshot = result.snapshot_jpeg
            if snapshot:
                row.snapshot_path = snapshots.save_latest(camera_id, snapshot, at)
                # On the picture as it is: a fault that a rule silences is still no reference to learn.
                _learn_reference(row, snapshots, snapshot, classify(seen), at)
            camera.health = state.state.value
            camera.health_since = state.since
            for transition in transitions:
                settled = _nothing_to_act_on(transition)
                session.add(
                    HealthEvent(
                        camera_id=camera_id,
                        at=transition.at,
                        before=transition.before.value,
                        after=transition.after.value,
                        codes=list(transition.codes),
                        findings=findings,
                        reason=transition.reason[:300],
                        flapping=transition.flapping,
                        snapshot_path=snapshots.save_event(camera_id, snapshot, at) if snapshot else None,
                        acknowledged_by=SYSTEM if settled else None,
                        acknowledged_at=transition.at if settled else None,
                    )
                )
            session.add(
                ProbeRecord(
                    camera_id=camera_id,
                    at=at,
                    observed=observation.health.value,
                    codes=list(observation.codes),
                    metrics=row.metrics,
                    duration_ms=result.timings.total_ms,
                )
            )
            # Why it cannot be read, counted only while its confirmed state says it cannot.
            cause = result.error.cause if result.error and ACCESS_FAULTS.intersection(state.codes) else None
            recorded.append(
                Recorded(camera_id, state.state, state.codes, tuple(transitions), tuple(sorted(held)), cause)
            )
    return recorded


def _seen_since(row: CameraHealthRow) -> dict[str, datetime]:
    return {code: datetime.fromisoformat(at) for code, at in (row.seen_since or {}).items()}


def _learn_reference(
    row: CameraHealthRow, snapshots: SnapshotStore, snapshot: bytes, health: Health, at: datetime
) -> None:
    if row.reference_path is not None:
        if snapshots.exists(row.reference_path):
            return
        # The file is gone (a restored backup without snapshots, a disk cleaned by hand): without it a covered
        # or turned camera would pass unnoticed for good, so it is learnt again from the next healthy probes.
        log.warning(
            "camera %s: its reference %s is missing; learning a new one", row.camera_id, row.reference_path
        )
        row.reference_path, row.reference_at, row.reference_votes = None, None, 0
    if health != Health.OK:
        row.reference_votes = 0
        return
    row.reference_votes = (row.reference_votes or 0) + 1
    if row.reference_votes >= REFERENCE_VOTES:
        row.reference_path = snapshots.save_reference(row.camera_id, snapshot, at)
        row.reference_at = at


def retake_reference(db: Database, snapshots: SnapshotStore, camera_id: int, at: datetime) -> str | None:
    """An operator's "this is how the camera should look": the latest snapshot becomes the reference."""
    with db.session() as session:
        row = session.get(CameraHealthRow, camera_id)
        if row is None or not row.snapshot_path:
            return None
        row.reference_path = snapshots.save_reference(camera_id, snapshots.read(row.snapshot_path), at)
        row.reference_at = at
        row.reference_votes = REFERENCE_VOTES
        return row.reference_path


def prune_history(db: Database, keep: timedelta, now: datetime) -> int:
    """Drops probe records older than `keep`; health events (the availability history) stay."""
    with db.session() as session:
        result = session.execute(delete(ProbeRecord).where(ProbeRecord.at < now - keep))
        return int(getattr(result, "rowcount", 0) or 0)
