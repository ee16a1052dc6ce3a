"""Fault rules in the database: read by the monitor for each batch, written by the API, console and CLI.

What a rule means is in qarauyl/health/rules.py; this module only stores, lists and audits them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from qarauyl.domain import FaultCode
from qarauyl.errors import InputError, NotFoundError, Problem
from qarauyl.health.rules import MIN_SCORE, FaultRule, rule_field_problem
from qarauyl.inventory.queries import camera_by_code
from qarauyl.store import Database
from qarauyl.store.models import Camera, FaultRuleRow, utcnow

MAX_TERM = timedelta(days=366)  # the furthest end a rule may be given (none at all keeps it)

# Called inside the transaction that changes a rule, with the rule before and after (None: absent).
Audit = Callable[[Session, dict[str, Any] | None, dict[str, Any] | None], None]


@dataclass(frozen=True)
class RuleView:
    """A stored rule as people see it: `camera` is the camera's code, None for the whole fleet."""

    camera: str | None
    code: str
    enabled: bool
    min_score: float
    delay_minutes: int
    until: datetime | None
    in_force: bool  # False once `until` has passed: kept for the record, no longer applied
    note: str
    updated_by: str | None
    updated_at: datetime

    def audit(self) -> dict[str, Any]:
        return {
            "camera": self.camera,
            "code": self.code,
            "enabled": self.enabled,
            "min_score": self.min_score,
            "delay_minutes": self.delay_minutes,
            "until": self.until.isoformat() if self.until else None,
            "note": self.note,
        }


def fault_code(value: str) -> FaultCode:
    """The fault code named by `value`, or an InputError that lists the known ones."""
    try:
        return FaultCode(value)
    except ValueError:
        known = ", ".join(code.value for code in FaultCode)
        raise InputError(f"'{value}' is not a fault code; known: {known}.") from None


def audit_target(camera: str | None, code: str) -> str:
    """How the audit log names a rule: `fault_rule:<camera code, or * for the fleet>:<fault code>`."""
    return f"fault_rule:{camera or '*'}:{code}"


def to_rule(row: FaultRuleRow) -> FaultRule:
    delay = timedelta(minutes=row.delay_minutes)
    return FaultRule(FaultCode(row.code), row.enabled, row.min_score, delay, row.until)


def rules_by_camera(
    session: Session, camera_ids: Iterable[int]
) -> tuple[list[FaultRule], dict[int, list[FaultRule]]]:
    """The fleet-wide rules and each of `camera_ids`' own, in one query (the monitor asks once per batch).
    A row this version cannot read (a code from a newer version) is skipped, not fatal to the batch."""
    ids = list(camera_ids)
    query = select(FaultRuleRow).where(or_(FaultRuleRow.camera_id.is_(None), FaultRuleRow.camera_id.in_(ids)))
    fleet: list[FaultRule] = []
    own: dict[int, list[FaultRule]] = {}
    for row in session.scalars(query):
        try:
            rule = to_rule(row)
        except ValueError:
            continue
        if row.camera_id is None:
            fleet.append(rule)
        else:
            own.setdefault(row.camera_id, []).append(rule)
    return fleet, own


def _view(row: FaultRuleRow, camera_code: str | None) -> RuleView:
    return RuleView(
        camera_code,
        row.code,
        row.enabled,
        row.min_score,
        row.delay_minutes,
        row.until,
        to_rule(row).in_force(utcnow()),
        row.note,
        row.updated_by,
        row.updated_at,
    )


def list_rules(
    db: Database, camera: str | None = None, scope: ColumnElement[bool] | None = None
) -> list[RuleView]:
    """With `camera`, the rules that apply to it (its own and the fleet's); without, every rule, the
    per-camera ones limited to the cameras `scope` lets the caller see. Fleet-wide first, then by camera
    and code."""
    with db.session() as session:
        query = select(FaultRuleRow, Camera.code).outerjoin(Camera, Camera.id == FaultRuleRow.camera_id)
        if camera is not None:
            camera_id = camera_by_code(session, camera, scope).id
            query = query.where(or_(FaultRuleRow.camera_id.is_(None), FaultRuleRow.camera_id == camera_id))
        elif scope is not None:
            visible = select(Camera.id).where(scope)
            query = query.where(or_(FaultRuleRow.camera_id.is_(None), FaultRuleRow.camera_id.in_(visible)))
        rows = [_view(row, code) for row, code in session.execute(query)]
    return sorted(rows, key=lambda r: (r.camera is not None, r.camera or "", r.code))


def _bad(field: str, message: str) -> InputError:
    """An error that names the rule's field, so that an API client is pointed at it (`loc: [body, field]`)."""
    return InputError(message, [Problem("body", field, message)])


def set_rule(
    db: Database,
    code: str,
    *,
    camera: str | None = None,
    enabled: bool = True,
    min_score: float = MIN_SCORE,
    delay_minutes: int = 0,
    until: datetime | None = None,
    note: str = "",
    actor: str | None = None,
    scope: ColumnElement[bool] | None = None,
    audit: Audit | None = None,
) -> RuleView:
    """Creates or replaces the rule for `code` (on `camera`, or fleet-wide), in force until `until` (None:
    until it is removed). InputError names what is wrong with the rule; NotFoundError when the camera does
    not exist (or is not the caller's to see)."""
    fault = fault_code(code)
    problem = rule_field_problem(fault, enabled, min_score, timedelta(minutes=delay_minutes))
    if problem:
        field, sentence = problem
        raise _bad(field, sentence[0].upper() + sentence[1:] + ".")
    if until is not None and until.tzinfo is None:
        raise _bad("until", "The rule's end needs a time zone (for example 2026-12-31T18:00:00+05:00).")
    now = utcnow()
    if until is not None and until <= now:
        raise _bad("until", f"The rule's end ({until.isoformat()}) has already passed.")
    if until is not None and until - now > MAX_TERM:
        term = MAX_TERM.days
        raise _bad("until", f"A rule can end at most {term} days ahead; leave the end out to keep it.")
    note = note.strip()
    if len(note) > 300:
        raise _bad("note", f"The note is {len(note)} characters long; at most 300 are kept.")
    with db.session() as session:
        camera_id = None if camera is None else camera_by_code(session, camera, scope).id
        row = _find(session, camera_id, fault)
        before = None if row is None else _view(row, camera).audit()
        if row is None:
            row = FaultRuleRow(camera_id=camera_id, code=fault.value)
            session.add(row)
        row.enabled, row.min_score, row.delay_minutes = enabled, float(min_score), int(delay_minutes)
        row.until = until
        row.note, row.updated_by, row.updated_at = note, actor, utcnow()
        session.flush()
        view = _view(row, camera)
        if audit is not None:
            audit(session, before, view.audit())
    return view


def clear_rule(
    db: Database,
    code: str,
    *,
    camera: str | None = None,
    scope: ColumnElement[bool] | None = None,
    audit: Audit | None = None,
) -> None:
    """Removes the rule for `code` (on `camera`, or fleet-wide): the code alarms as by default again.
    NotFoundError when there is no such rule."""
    fault = fault_code(code)
    with db.session() as session:
        camera_id = None if camera is None else camera_by_code(session, camera, scope).id
        row = _find(session, camera_id, fault)
        if row is None:
            where = f"camera '{camera}'" if camera else "the whole fleet"
            raise NotFoundError(f"No rule for '{fault.value}' on {where}.")
        before = _view(row, camera).audit()
        session.delete(row)
        if audit is not None:
            audit(session, before, None)


def _find(session: Session, camera_id: int | None, code: FaultCode) -> FaultRuleRow | None:
    query = select(FaultRuleRow).where(FaultRuleRow.code == code.value)
    query = query.where(
        FaultRuleRow.camera_id.is_(None) if camera_id is None else FaultRuleRow.camera_id == camera_id
    )
    return session.scalars(query).first()
