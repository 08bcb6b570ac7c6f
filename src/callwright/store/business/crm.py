"""CRM records: the people a business knows, notes about them, and sales leads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, NAME_LENGTH, Base, UtcDateTime

PHONE_LENGTH = 16  # E.164: "+" and at most 15 digits
DISPOSITION_LENGTH = 32


class Person(Base):
    """A patient, customer or account holder, found by phone or by name plus birth date."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_business_id_phone", "business_id", "phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH))
    """E.164, e.g. "+15551230001"; store it through `actions.crm.normalize_phone`."""
    email: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_person_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    # No foreign key: text chats and tests act without a stored call.
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))


class Lead(Base):
    """A sales prospect with BANT qualification (budget, authority, need, timeline)."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_business_id_created_at", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    company: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH))
    team_size: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[str | None] = mapped_column(Text)
    """As the caller said it, e.g. "about 500 a month"."""
    authority: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the caller decides the purchase; None while unknown."""
    need: Mapped[str | None] = mapped_column(Text)
    timeline_months: Mapped[int | None] = mapped_column(Integer)
    qualified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    disposition: Mapped[str | None] = mapped_column(String(DISPOSITION_LENGTH))
    """One of `actions.crm.DISPOSITIONS`; None until the call decides."""
    plan_recommended: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
