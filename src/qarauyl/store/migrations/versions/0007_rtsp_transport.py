"""a camera's RTSP transport: tcp (the fleet's default when empty) or udp, for cameras that offer only UDP

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rtsp_transport", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("rtsp_transport")
