"""Atomic, idempotent import: upsert by camera code, all-or-nothing, with a dry run.

The plan (what would change) is computed first, in terms of names; only applying it touches ids.
That keeps the dry run honest: it is the same computation as the real run, minus the writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from qarauyl.domain import OrgKind
from qarauyl.errors import InputError
from qarauyl.inventory.readers import read_inventory
from qarauyl.inventory.records import DEFAULTS, DIRECT_COLUMNS, CameraRecord, validate_rows
from qarauyl.security import CredentialCipher
from qarauyl.store import Camera, Database, District, NetworkZone, Organisation

Progress = Callable[[str, int, int], None]

_REFERENCES: dict[str, type[District] | type[NetworkZone] | type[Organisation]] = {
    "district": District,
    "zone": NetworkZone,
    "owner": Organisation,
    "maintainer": Organisation,
}
_BATCH = 5000


@dataclass
class ImportPlan:
    """What an import does (or, in a dry run, would do)."""

    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    new_references: dict[str, list[str]] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.rows - len(self.created) - len(self.updated)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _Work:
    plan: ImportPlan
    inserts: list[CameraRecord]
    updates: list[tuple[int, CameraRecord, list[str]]]


def _reference_ids(session: Session) -> dict[str, dict[str, int]]:
    """Name to id for each reference table the inventory names things in."""
    return {
        "district": {name: id_ for name, id_ in session.execute(select(District.name, District.id))},
        "zone": {name: id_ for name, id_ in session.execute(select(NetworkZone.name, NetworkZone.id))},
        "organisation": {
            name: id_ for name, id_ in session.execute(select(Organisation.name, Organisation.id))
        },
    }


def _existing_view(session: Session) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, int]]]:
    """Every stored camera as a name-space dict (district name, not id), and the reference tables."""
    refs = _reference_ids(session)
    names = {kind: {v: k for k, v in table.items()} for kind, table in refs.items()}
    columns = [getattr(Camera, c) for c in DIRECT_COLUMNS]
    query = select(
        Camera.id,
        Camera.code,
        Camera.width,
        Camera.height,
        Camera.username,
        Camera.password_digest,
        Camera.district_id,
        Camera.zone_id,
        Camera.owner_id,
        Camera.maintainer_id,
        *columns,
    )
    existing: dict[str, dict[str, Any]] = {}
    for row in session.execute(query).mappings():
        view = {c: row[c] for c in DIRECT_COLUMNS}
        view["id"] = row["id"]
        view["resolution"] = (row["width"], row["height"]) if row["width"] else None
        view["username"] = row["username"]
        view["password_digest"] = row["password_digest"]
        view["district"] = names["district"].get(row["district_id"])
        view["zone"] = names["zone"].get(row["zone_id"])
        view["owner"] = names["organisation"].get(row["owner_id"])
        view["maintainer"] = names["organisation"].get(row["maintainer_id"])
        existing[row["code"]] = view
    return existing, refs


def _changed_columns(record: CameraRecord, stored: dict[str, Any], cipher: CredentialCipher) -> list[str]:
    changed = []
    for column in sorted(record.present - {"code"}):
        value = record.values.get(column)
        if column == "password":
            if value and cipher.digest(value) != stored["password_digest"]:
                changed.append(column)
        elif column == "username":
            if value and value != stored["username"]:
                changed.append(column)
        elif value != stored.get(column):
            changed.append(column)
    return changed


def plan_import(session: Session, records: Sequence[CameraRecord], cipher: CredentialCipher) -> _Work:
    existing, refs = _existing_view(session)
    plan = _Work(ImportPlan(rows=len(records)), [], [])
    new_refs: dict[str, set[str]] = {"district": set(), "zone": set(), "organisation": set()}
    for record in records:
        stored = existing.get(record.code)
        if stored is None:
            plan.inserts.append(record)
            plan.plan.created.append(record.code)
            touched = record.present
        else:
            changed = _changed_columns(record, stored, cipher)
            if not changed:
                continue
            plan.updates.append((stored["id"], record, changed))
            plan.plan.updated[record.code] = changed
            touched = frozenset(changed)
        for column in ("district", "zone", "owner", "maintainer"):
            name = record.values.get(column)
            table = "organisation" if column in ("owner", "maintainer") else column
            if column in touched and name and name not in refs[table]:
                new_refs[table].add(name)
    plan.plan.new_references = {k: sorted(v) for k, v in new_refs.items() if v}
    return plan


def _columns_for(
    record: CameraRecord, columns: Iterable[str], ids: dict[str, dict[str, int]], cipher: CredentialCipher
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in columns:
        value = record.values.get(column, DEFAULTS.get(column))
        if column in DIRECT_COLUMNS or column == "code":
            out[column] = value
        elif column == "resolution":
            out["width"], out["height"] = value if value else (None, None)
        elif column in _REFERENCES:
            table = "organisation" if column in ("owner", "maintainer") else column
            out[f"{column}_id"] = ids[table][value] if value else None
        elif column == "username":
            if value:
                out["username"] = value
        elif column == "password" and value:
            out["password_encrypted"] = cipher.encrypt(value)
            out["password_digest"] = cipher.digest(value)
    return out


def _create_references(session: Session, plan: ImportPlan) -> dict[str, dict[str, int]]:
    models: dict[str, type[District] | type[NetworkZone] | type[Organisation]] = {
        "district": District,
        "zone": NetworkZone,
        "organisation": Organisation,
    }
    for table, names in plan.new_references.items():
        model = models[table]
        for name in names:
            session.add(
                model(name=name, kind=OrgKind.OTHER.value) if model is Organisation else model(name=name)
            )
    session.flush()
    return _reference_ids(session)


def import_records(
    db: Database,
    records: Sequence[CameraRecord],
    *,
    cipher: CredentialCipher,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Applies validated records in one transaction; on any error nothing is written."""
    with db.session() as session:
        work = plan_import(session, records, cipher)
        if dry_run or not work.plan.changes_anything:
            session.rollback()
            return work.plan
        ids = _create_references(session, work.plan)
        total = len(work.inserts) + len(work.updates)
        done = 0
        all_columns = ("code", *DIRECT_COLUMNS, "resolution", *_REFERENCES, "username", "password")
        for start in range(0, len(work.inserts), _BATCH):
            batch = work.inserts[start : start + _BATCH]
            rows = [_columns_for(r, all_columns, ids, cipher) for r in batch]
            for row in rows:
                row.setdefault("username", None)
                row.setdefault("password_encrypted", None)
                row.setdefault("password_digest", None)
            session.execute(insert(Camera), rows)
            done += len(batch)
            if progress:
                progress("writing", done, total)
        for start in range(0, len(work.updates), _BATCH):
            batch_updates = work.updates[start : start + _BATCH]
            rows = [{"id": cid, **_columns_for(r, changed, ids, cipher)} for cid, r, changed in batch_updates]
            session.execute(update(Camera), rows)
            done += len(batch_updates)
            if progress:
                progress("writing", done, total)
    return work.plan


def import_file(
    db: Database,
    path: Path,
    *,
    cipher: CredentialCipher,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Reads, validates and imports one inventory file. Any invalid row: InputError, nothing written."""
    sheet = read_inventory(path)
    if progress:
        progress("validating", 0, len(sheet.rows))
    records, problems = validate_rows(sheet.rows, sheet.present)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in {path}; nothing was imported.", problems)
    if progress:
        progress("validating", len(sheet.rows), len(sheet.rows))
    return import_records(db, records, cipher=cipher, dry_run=dry_run, progress=progress)
