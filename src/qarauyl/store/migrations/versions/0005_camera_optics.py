"""camera optics for coverage planning: mount height, focal length, sensor width

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mount_height_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("focal_mm", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("sensor_width_mm", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("sensor_width_mm")
        batch_op.drop_column("focal_mm")
        batch_op.drop_column("mount_height_m")
