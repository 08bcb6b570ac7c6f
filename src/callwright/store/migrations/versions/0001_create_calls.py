"""Create calls, turns and call_events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# TURN_MARKS as of this revision; a new mark needs a new migration that adds its column.
TURN_MARK_COLUMNS = (
    "speech_start",
    "speech_end",
    "transcript_started",
    "end_of_turn",
    "transcript_ready",
    "first_reply_text",
    "first_audio_synth",
    "first_audio_sent",
)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agent", sa.String(255), nullable=False),
        sa.Column("caller", sa.String(255), nullable=False),
        sa.Column("callee", sa.String(255), nullable=False),
        sa.Column("transport", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.Column("recording_path", sa.Text, nullable=True),
        sa.Column("dialogue_state", sa.JSON, nullable=False),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id",
            sa.String(32),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("caller_text", sa.Text, nullable=False),
        sa.Column("agent_text", sa.Text, nullable=False),
        sa.Column("interrupted", sa.Boolean, nullable=False),
        sa.Column("dialogue_state", sa.JSON, nullable=True),
        *(sa.Column(mark, sa.Float, nullable=True) for mark in TURN_MARK_COLUMNS),
        sa.UniqueConstraint("call_id", "index", name="uq_turns_call_id_index"),
    )
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id",
            sa.String(32),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_call_events_call_id", "call_events", ["call_id"])


def downgrade() -> None:
    op.drop_table("call_events")
    op.drop_table("turns")
    op.drop_index("ix_calls_started_at", table_name="calls")
    op.drop_table("calls")
