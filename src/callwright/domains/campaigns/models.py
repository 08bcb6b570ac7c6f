"""The campaign tables. Every state a restart must keep lives here: which contacts are done,
which attempt was under way, and who asked never to be called again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, KIND_LENGTH, NAME_LENGTH, Base, UtcDateTime

PHONE_LENGTH = 255  # E.164 numbers, or SIP URIs (with parameters)
TIMEZONE_LENGTH = 64
CLOCK_LENGTH = 5  # "09:00"
DAYS_LENGTH = 32  # "mon,tue,wed,thu,fri"

CAMPAIGN_STATUSES = ("draft", "running", "paused", "cancelled", "completed")
CONTACT_STATES = ("pending", "calling", "done")
"""pending: waits for its next attempt; calling: an attempt is under way; done: no more calls."""


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True, nullable=False)
    agent: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    """The agent that talks; its `outbound:` opening and task run on every answered call."""
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of CAMPAIGN_STATUSES."""
    settings: Mapped[dict] = mapped_column(JSON, nullable=False)
    """CampaignSettings as JSON (settings.py): window, days, attempts, pace, voicemail..."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CampaignContact(Base):
    __tablename__ = "campaign_contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone", name="uq_campaign_contacts_campaign_id_phone"),
        Index("ix_campaign_contacts_campaign_id_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
    )
    phone: Mapped[str] = mapped_column(String(PHONE_LENGTH), nullable=False)
    """What is dialled: E.164 ("+15551230001") or a SIP URI."""
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_LENGTH), nullable=False)
    """IANA zone of the contact: the calling window is in it."""
    fields: Mapped[dict] = mapped_column(JSON, nullable=False)
    """The contact's own fields (first_name, prescription number...) the agent may use."""
    state: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of CONTACT_STATES."""
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    """The last attempt's result (see book.ATTEMPT_RESULTS); final once the state is done."""
    task_outcome: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    """What the agent's task achieved, e.g. "refill_requested", "charge_disputed"."""


class CampaignAttempt(Base):
    __tablename__ = "campaign_attempts"
    __table_args__ = (Index("ix_campaign_attempts_contact_id", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_contacts.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    """1 for the first attempt on this contact."""
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """None while the attempt is under way (or was when the server stopped)."""
    result: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    task_outcome: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
    """The call record of an answered attempt."""
    sip_status: Mapped[int | None] = mapped_column(Integer)
    """The final status of an unanswered attempt (486 busy, 408/487 no answer...)."""
    detail: Mapped[str | None] = mapped_column(Text)
    decision_ms: Mapped[float | None] = mapped_column(Float)
    """When a person or a machine was told apart, in ms after the answer."""


class DoNotCall(Base):
    """A number never to call: for all campaigns when campaign_id is None, else for one."""

    __tablename__ = "do_not_call"
    __table_args__ = (
        UniqueConstraint("phone", "campaign_id", name="uq_do_not_call_phone_campaign_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(PHONE_LENGTH), nullable=False)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """"opted_out" (the callee asked on a call), "added" (by the business)..."""
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
