"""Support tickets and their history of status changes and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, NAME_LENGTH, Base, UtcDateTime

STATUS_LENGTH = 16
PRIORITY_LENGTH = 16


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("business_id", "number", name="uq_tickets_business_number"),
        Index("ix_tickets_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    """Five digits, unique per business: what the caller reads out, e.g. 40213."""
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False)
    priority: Mapped[str] = mapped_column(String(PRIORITY_LENGTH), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))


class TicketUpdate(Base):
    """One change to a ticket: a new status, a note, or both."""

    __tablename__ = "ticket_updates"
    __table_args__ = (Index("ix_ticket_updates_ticket_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
