"""maintenance: repair tickets and their journal, watermarks, notification outbox; camera network node

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status NOT IN ('closed', 'cancelled')")


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_node", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_camera_network_node"), ["network_node"], unique=False)
    op.create_table(
        "maintenance_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("node", sa.String(length=200), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("maintainer_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=12), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recovered_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_code", sa.String(length=40), nullable=True),
        sa.Column("closed_by_override", sa.Boolean(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("grouping", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["camera.id"],
            name=op.f("fk_maintenance_ticket_camera_id_camera"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_maintenance_ticket_district_id_district"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["maintenance_ticket.id"],
            name=op.f("fk_maintenance_ticket_incident_id_maintenance_ticket"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["maintainer_id"],
            ["organisation.id"],
            name=op.f("fk_maintenance_ticket_maintainer_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_ticket")),
    )
    op.create_index(op.f("ix_maintenance_ticket_closed_at"), "maintenance_ticket", ["closed_at"])
    op.create_index(op.f("ix_maintenance_ticket_maintainer_id"), "maintenance_ticket", ["maintainer_id"])
    op.create_index(op.f("ix_maintenance_ticket_opened_at"), "maintenance_ticket", ["opened_at"])
    op.create_index(op.f("ix_maintenance_ticket_status"), "maintenance_ticket", ["status"])
    op.create_index(
        "uq_maintenance_ticket_open_camera",
        "maintenance_ticket",
        ["camera_id"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_table(
        "maintenance_ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["maintenance_ticket.id"],
            name=op.f("fk_maintenance_ticket_event_ticket_id_maintenance_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_ticket_event")),
    )
    op.create_index(op.f("ix_maintenance_ticket_event_ticket_id"), "maintenance_ticket_event", ["ticket_id"])
    cursor = op.create_table(
        "maintenance_cursor",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_maintenance_cursor")),
    )
    # The row exists from the start so that concurrent monitors lock it instead of racing to insert it;
    # -1 means "never run" (the first run starts a day back).
    op.bulk_insert(cursor, [{"name": "health_event", "value": -1}])
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("route", sa.String(length=80), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(
        "ix_notification_outbox_status_next", "notification_outbox", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_notification_outbox_status_next", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_table("maintenance_cursor")
    op.drop_index(op.f("ix_maintenance_ticket_event_ticket_id"), table_name="maintenance_ticket_event")
    op.drop_table("maintenance_ticket_event")
    op.drop_index("uq_maintenance_ticket_open_camera", table_name="maintenance_ticket")
    op.drop_index(op.f("ix_maintenance_ticket_status"), table_name="maintenance_ticket")
    op.drop_index(op.f("ix_maintenance_ticket_opened_at"), table_name="maintenance_ticket")
    op.drop_index(op.f("ix_maintenance_ticket_maintainer_id"), table_name="maintenance_ticket")
    op.drop_index(op.f("ix_maintenance_ticket_closed_at"), table_name="maintenance_ticket")
    op.drop_table("maintenance_ticket")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_network_node"))
        batch_op.drop_column("network_node")
