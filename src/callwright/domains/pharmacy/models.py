"""A pharmacy's prescriptions and the refill requests made on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

import callwright.store.business  # noqa: F401  (the businesses and people its foreign keys name)
from callwright.store.models import CALL_ID_LENGTH, KIND_LENGTH, NAME_LENGTH, Base, UtcDateTime

PRESCRIPTION_NUMBER_LENGTH = 32
STRENGTH_LENGTH = 64  # "10 mg", "500 mg/5 mL"

PRESCRIPTION_STATUSES = ("active", "expired")
REFILL_STATUSES = ("requested", "needs_authorization", "ready", "picked_up")
OPEN_REFILL_STATUSES = ("requested", "needs_authorization", "ready")
"""A prescription with a request in one of these has a refill under way already."""


class Prescription(Base):
    __tablename__ = "prescriptions"
    __table_args__ = (
        UniqueConstraint("business_id", "number", name="uq_prescriptions_business_id_number"),
        Index("ix_prescriptions_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(PRESCRIPTION_NUMBER_LENGTH), nullable=False)
    """The number on the bottle's label, e.g. "4417"."""
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    drug: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    strength: Mapped[str] = mapped_column(String(STRENGTH_LENGTH), nullable=False)
    refills_left: Mapped[int] = mapped_column(Integer, nullable=False)
    prescriber: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    """The prescribing doctor, e.g. "Dr. Alan Reyes"; asked for authorization without refills."""
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of PRESCRIPTION_STATUSES; an expired prescription is never refilled."""


class RefillRequest(Base):
    __tablename__ = "refill_requests"
    __table_args__ = (Index("ix_refill_requests_prescription_id", "prescription_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    prescription_id: Mapped[int] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of REFILL_STATUSES, as last recorded; see `status_at` for what a caller is told."""
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the pharmacy promised it for pickup; None while the doctor has not authorized it."""
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
    """The call that asked for it; no foreign key, since a text chat has no stored call."""

    def status_at(self, now: datetime) -> str:
        """The status at `now`: a requested refill counts as ready once its ready time passed.

        The pharmacy's work queue is not modelled, so the promised time is taken as kept.
        """
        if self.status == "requested" and self.ready_at is not None and self.ready_at <= now:
            return "ready"
        return self.status

    @classmethod
    def status_is(cls, status: str, now: datetime) -> ColumnElement[bool]:
        """A query condition: the request's `status_at(now)` equals `status`."""
        due = and_(cls.status == "requested", cls.ready_at <= now)
        if status == "ready":
            return or_(cls.status == "ready", due)
        if status == "requested":
            return and_(cls.status == "requested", or_(cls.ready_at.is_(None), cls.ready_at > now))
        return cls.status == status
