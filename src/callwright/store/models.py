"""ORM tables for calls, their turns and their events, and the HTTP API's keys.

The models stay inside `store`; other packages see only the records in `store.records`.
Every change here needs a migration in `store/migrations/versions/`; the test suite compares the
migrated schema with these models and fails when they drift.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from callwright.store.records import TURN_MARKS

CALL_ID_LENGTH = 32  # uuid4().hex
NAME_LENGTH = 255  # agent names, SIP URIs, phone numbers
KIND_LENGTH = 64  # outcome, transport, event kind
API_KEY_PREFIX_LENGTH = 8  # hex characters: the public part of an API key
SHA256_HEX_LENGTH = 64


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC and read back as UTC on every backend.

    SQLite keeps no zone and PostgreSQL answers in the session's zone; both come back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} cannot be stored: "
                "pass a timezone-aware one, e.g. datetime.now(timezone.utc)"
            )
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_started_at", "started_at"),)

    id: Mapped[str] = mapped_column(String(CALL_ID_LENGTH), primary_key=True)
    agent: Mapped[str] = mapped_column(String(NAME_LENGTH))
    caller: Mapped[str] = mapped_column(String(NAME_LENGTH))
    callee: Mapped[str] = mapped_column(String(NAME_LENGTH))
    transport: Mapped[str] = mapped_column(String(KIND_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    recording_path: Mapped[str | None] = mapped_column(Text)
    dialogue_state: Mapped[dict] = mapped_column(JSON)


# One nullable column per timing mark, named after the mark, in seconds since the call started.
turns_table = Table(
    "turns",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "call_id",
        String(CALL_ID_LENGTH),
        ForeignKey("calls.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("index", Integer, nullable=False),
    Column("caller_text", Text, nullable=False),
    Column("agent_text", Text, nullable=False),
    Column("interrupted", Boolean, nullable=False),
    Column("dialogue_state", JSON, nullable=True),
    *(Column(mark, Float, nullable=True) for mark in TURN_MARKS),
    UniqueConstraint("call_id", "index", name="uq_turns_call_id_index"),
)


class Turn(Base):
    __table__ = turns_table


class CallEvent(Base):
    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call_id", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(
        String(CALL_ID_LENGTH), ForeignKey("calls.id", ondelete="CASCADE")
    )
    at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))
    data: Mapped[dict] = mapped_column(JSON)


class ApiKey(Base):
    """A key to the HTTP API (`store.api_keys`). Only the key's SHA-256 is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("prefix", name="uq_api_keys_prefix"),
        # A name is unique among active keys; a revoked key's name may be reused.
        Index(
            "uq_api_keys_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    prefix: Mapped[str] = mapped_column(String(API_KEY_PREFIX_LENGTH))
    secret_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH))
    scope: Mapped[str] = mapped_column(String(KIND_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
