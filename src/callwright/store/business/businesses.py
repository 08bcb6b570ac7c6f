"""A business whose systems an agent works in: its name and time zone."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import NAME_LENGTH, Base

SLUG_LENGTH = 64
TIMEZONE_LENGTH = 64


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True, nullable=False)
    """The agent name that serves it, e.g. "dental"; used in API paths."""
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_LENGTH), nullable=False)
    """IANA zone, e.g. "America/Chicago": business hours and spoken times are in it."""
