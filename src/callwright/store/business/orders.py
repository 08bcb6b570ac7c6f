"""An online store's orders, their returns, and the store's return policy."""

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, KIND_LENGTH, NAME_LENGTH, Base, UtcDateTime

NUMBER_LENGTH = 32  # order numbers, tracking numbers
MONEY_DIGITS = 12  # precision of an amount, cents included
MONEY_CENTS_DIGITS = 2
DEFAULT_RETURN_WINDOW_DAYS = 30

ORDER_STATUSES = ("processing", "shipped", "delivered", "cancelled")
RETURN_STATUSES = ("started", "received", "refunded")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("business_id", "number", name="uq_orders_business_id_number"),
        Index("ix_orders_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[str] = mapped_column(String(NUMBER_LENGTH), nullable=False)
    """What the customer reads from the confirmation email, e.g. "100234"."""
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of ORDER_STATUSES."""
    carrier: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    tracking_number: Mapped[str | None] = mapped_column(String(NUMBER_LENGTH))
    total: Mapped[Decimal] = mapped_column(
        Numeric(MONEY_DIGITS, MONEY_CENTS_DIGITS), nullable=False
    )
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OrderReturn(Base):
    """A return the customer started; at most one per order, so starting one is idempotent."""

    __tablename__ = "order_returns"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_order_returns_order_id"),
        Index("ix_order_returns_business_id", "business_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(KIND_LENGTH), nullable=False)
    """One of RETURN_STATUSES."""
    refund_eligible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """Whether the return policy grants a refund, decided when the return was started."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
    """The call that started it; no foreign key, since a text chat has no stored call."""


class ReturnPolicy(Base):
    """A store's return window; a store without a row has DEFAULT_RETURN_WINDOW_DAYS."""

    __tablename__ = "return_policies"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    return_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    """Calendar days after delivery, in the business's time zone, that a return may start."""
    details: Mapped[str | None] = mapped_column(Text)
    """Conditions the agent can read out, e.g. "Items must be unused, in their box."."""
