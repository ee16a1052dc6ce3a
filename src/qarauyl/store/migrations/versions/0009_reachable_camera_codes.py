"""camera codes the register once accepted and no address can reach ('TST/1', '..') are renamed

Until 2026-11-28 a code could hold '/' (or be '.' or '..'); such a camera could not be opened at
/api/v1/cameras/{code} nor in the console, nor so much as renamed there. Each is renamed once, its '/' and
other characters a code may not hold becoming '-', made unique with a numbered suffix, and the audit log
keeps the old code beside the new one, so a paper list still finds it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:10:00
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The register's rule at this revision (qarauyl/inventory/records.py), copied: a migration must not change
# its meaning when the application's code moves on.
_VALID = re.compile(r"^(?!\.{1,2}$)[\w.\-]{1,64}$")
_NOT_ALLOWED = re.compile(r"[^\w.\-]")

_camera = sa.table("camera", sa.column("id", sa.Integer), sa.column("code", sa.String))
_audit = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
)


def reachable_code(code: str, camera_id: int, taken: set[str]) -> str:
    """The code a camera is renamed to: the old one with what a code may not hold made '-', unique."""
    base = _NOT_ALLOWED.sub("-", code)[:64]
    if not _VALID.match(base):  # nothing left ('..', or empty)
        base = f"camera-{camera_id}"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: 64 - len(suffix)] + suffix, n + 1
    return candidate


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_camera.c.id, _camera.c.code).order_by(_camera.c.id)).all()
    taken = {code for _, code in rows}
    now = datetime.now(UTC)
    for camera_id, code in rows:
        if _VALID.match(code):
            continue
        new = reachable_code(code, camera_id, taken)
        taken.add(new)
        bind.execute(_camera.update().where(_camera.c.id == camera_id).values(code=new))
        bind.execute(
            _audit.insert().values(
                at=now,
                actor="qarauyl",
                action="cameras.update",
                target=f"camera:{new}",
                before={"code": code},
                after={"code": new, "why": "the old code held a character no address can carry"},
            )
        )


def downgrade() -> None:
    pass  # the new codes stay: they are valid at every revision, and the audit log keeps the old ones
