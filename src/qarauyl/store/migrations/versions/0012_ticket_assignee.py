"""who is repairing a ticket: the person it is assigned to (a user's name), beside the organisation

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_ticket", schema=None) as batch_op:
        batch_op.drop_column("assignee")
