"""a new fault within a confirmed state: the codes announced so far and the run of probes finding another

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows keep NULL: their current codes count as announced, so an upgrade raises no events.
    with op.batch_alter_table("camera_health", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announced", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("novel_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("novel_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera_health", schema=None) as batch_op:
        batch_op.drop_column("novel_since")
        batch_op.drop_column("novel_count")
        batch_op.drop_column("announced")
