"""the console's audit entries under the API's names: one action, one target, whichever face made the change

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The console wrote these for the same changes the API records as the right-hand names; its camera
# entries named the camera by its bare code where the API writes "camera:<code>".
RENAMED = {
    "camera.edit": "cameras.update",
    "camera.lifecycle": "cameras.lifecycle",
    "camera.retake_reference": "cameras.retake_reference",
    "event.acknowledge": "events.ack",
}
audit_log = sa.table(
    "audit_log", sa.column("id", sa.Integer), sa.column("action", sa.String), sa.column("target", sa.String)
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(audit_log.c.id, audit_log.c.action, audit_log.c.target).where(
            audit_log.c.action.in_(list(RENAMED))
        )
    ).all()
    for id_, action, target in rows:
        if action.startswith("camera.") and not target.startswith("camera:"):
            target = f"camera:{target}"
        connection.execute(
            audit_log.update().where(audit_log.c.id == id_).values(action=RENAMED[action], target=target)
        )


def downgrade() -> None:
    pass  # the old names said the same thing less consistently; nothing to restore
