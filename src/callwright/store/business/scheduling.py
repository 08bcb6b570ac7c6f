"""Scheduling records: providers, their weekly working hours, appointment types, appointments."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callwright.store.models import CALL_ID_LENGTH, NAME_LENGTH, Base, UtcDateTime

STATUS_LENGTH = 16
BOOKED = "booked"
CANCELLED = "cancelled"


class Provider(Base):
    """Whoever an appointment is with, e.g. "Dr. Sarah Chen"."""

    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("business_id", "name", name="uq_providers_business_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)


class WorkingHours(Base):
    """One working interval of a provider on one weekday, in the business's time zone.

    A weekday may hold several intervals (e.g. around a lunch break).
    """

    __tablename__ = "working_hours"
    __table_args__ = (Index("ix_working_hours_provider_id", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), nullable=False
    )
    weekday: Mapped[int] = mapped_column(Integer, nullable=False)
    """0 = Monday ... 6 = Sunday, as `date.weekday()`."""
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)


class AppointmentType(Base):
    __tablename__ = "appointment_types"
    __table_args__ = (
        UniqueConstraint("business_id", "name", name="uq_appointment_types_business_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_provider_id_starts_at", "provider_id", "starts_at"),
        Index("ix_appointments_person_id_starts_at", "person_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), nullable=False
    )
    type_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_types.id", ondelete="CASCADE"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False)
    """BOOKED or CANCELLED."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_id: Mapped[str | None] = mapped_column(String(CALL_ID_LENGTH))
