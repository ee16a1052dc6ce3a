"""fault rules: per fault code, fleet-wide or per camera: switched off, a sensitivity, an alarm delay, an end

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fault_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name=op.f("fk_fault_rule_camera_id_camera"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_rule")),
    )
    with op.batch_alter_table("fault_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fault_rule_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index("ix_fault_rule_camera_code", ["camera_id", "code"], unique=True)
        # One fleet-wide rule per code: a partial index, as NULLs repeat in a plain unique one.
        fleet = sa.text("camera_id IS NULL")
        batch_op.create_index(
            "ix_fault_rule_fleet_code", ["code"], unique=True, sqlite_where=fleet, postgresql_where=fleet
        )
    with op.batch_alter_table("camera_health", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_since", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("camera_health", schema=None) as batch_op:
        batch_op.drop_column("seen_since")
    with op.batch_alter_table("fault_rule", schema=None) as batch_op:
        batch_op.drop_index("ix_fault_rule_fleet_code")
        batch_op.drop_index("ix_fault_rule_camera_code")
        batch_op.drop_index(batch_op.f("ix_fault_rule_camera_id"))
    op.drop_table("fault_rule")
