"""A bank's payment cards, their transactions, fraud alerts and dispute cases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, KIND_LENGTH, NAME_LENGTH, Base, UtcDateTime

LAST_FOUR_LENGTH = 4
CASE_NUMBER_LENGTH = 32
MONEY_DIGITS = 12  # precision of an amount, cents included
MONEY_CENTS_DIGITS = 2

CARD_STATUSES = ("active", "locked")
TRANSACTION_STATUSES = ("pending", "confirmed", "disputed")
ALERT_STATUSES = ("open", "resolved")
DISPUTE_STATUSES = ("open", "escalated", "closed")
"""A case is "escalated" when its amount needs a human specialist; a new dispute on a card
joins the card's case unless that one is "closed"."""
OPEN_DISPUTE_STATUSES = ("open", "escalated")


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_business_id_last_four", "business_id", "last_four"),
        Index("ix_cards_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    last_four: Mapped[str] = mapped_column(String(LAST_FOUR_LENGTH), nullable=False)
    """The last four digits of the card number: the whole number is never stored."""
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of CARD_STATUSES."""
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FraudAlert(Base):
    """Transactions the bank flagged; resolved once each is confirmed or disputed."""

    __tablename__ = "fraud_alerts"
    __table_args__ = (Index("ix_fraud_alerts_card_id", "card_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of ALERT_STATUSES."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DisputeCase(Base):
    """The cardholder's disputed transactions on one card; they point at it by dispute_case_id."""

    __tablename__ = "dispute_cases"
    __table_args__ = (
        UniqueConstraint("business_id", "number", name="uq_dispute_cases_business_id_number"),
        Index("ix_dispute_cases_card_id", "card_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(CASE_NUMBER_LENGTH), nullable=False)
    """What the cardholder is told to quote, e.g. "700001"."""
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    amount: Mapped[Decimal] = mapped_column(
        Numeric(MONEY_DIGITS, MONEY_CENTS_DIGITS), nullable=False
    )
    """The total of its disputed transactions."""
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of DISPUTE_STATUSES."""
    needs_specialist: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
    """The call that opened it; no foreign key, since a text chat has no stored call."""


class CardTransaction(Base):
    __tablename__ = "card_transactions"
    __table_args__ = (
        Index("ix_card_transactions_card_id", "card_id"),
        Index("ix_card_transactions_alert_id", "alert_id"),
        Index("ix_card_transactions_dispute_case_id", "dispute_case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    amount: Mapped[Decimal] = mapped_column(
        Numeric(MONEY_DIGITS, MONEY_CENTS_DIGITS), nullable=False
    )
    merchant: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of TRANSACTION_STATUSES."""
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("fraud_alerts.id", ondelete="SET NULL"))
    dispute_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("dispute_cases.id", ondelete="SET NULL")
    )
