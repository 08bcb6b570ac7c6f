"""Outbound campaigns: campaigns, their contacts and attempts, the do-not-call list
(the tables of callwright.domains.campaigns.models).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("agent", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "campaign_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("task_outcome", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "phone", name="uq_campaign_contacts_campaign_id_phone"),
    )
    op.create_index(
        "ix_campaign_contacts_campaign_id_state", "campaign_contacts", ["campaign_id", "state"]
    )
    op.create_table(
        "campaign_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=64), nullable=True),
        sa.Column("task_outcome", sa.String(length=64), nullable=True),
        sa.Column("call_id", sa.String(length=32), nullable=True),
        sa.Column("sip_status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("decision_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["campaign_contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaign_attempts_contact_id", "campaign_attempts", ["contact_id"])
    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=255), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone", "campaign_id", name="uq_do_not_call_phone_campaign_id"),
    )


def downgrade() -> None:
    op.drop_table("do_not_call")
    op.drop_index("ix_campaign_attempts_contact_id", table_name="campaign_attempts")
    op.drop_table("campaign_attempts")
    op.drop_index("ix_campaign_contacts_campaign_id_state", table_name="campaign_contacts")
    op.drop_table("campaign_contacts")
    op.drop_table("campaigns")
