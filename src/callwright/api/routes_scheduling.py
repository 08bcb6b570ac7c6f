"""REST routes for a business's scheduling: providers, appointment types, free slots and
appointments (book, move, cancel). Times are ISO 8601 in the business's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.actions import scheduling
from callwright.actions.crm import zone_of
from callwright.actions.registry import ActionContext
from callwright.api.business_lookup import require_business
from callwright.api.routes_crm import (
    BUSINESS_PREFIX,
    DEFAULT_PAGE_SIZE,
    Clock,
    Limit,
    Offset,
    raise_failure,
    run_action,
    utc_now,
)
from callwright.store.business.scheduling import (
    Appointment,
    AppointmentType,
    Provider,
    WorkingHours,
)


class WorkingHoursOut(BaseModel):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    start: time
    end: time


class ProviderOut(BaseModel):
    id: int
    name: str
    working_hours: list[WorkingHoursOut]


class AppointmentTypeOut(BaseModel):
    id: int
    name: str
    duration_minutes: int


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    provider: str
    provider_id: int
    spoken: str


class SlotsOut(BaseModel):
    slots: list[SlotOut]
    message: str | None = Field(None, description="Why there are none, when there are none.")
    next_openings: list[SlotOut] = Field(
        default_factory=list, description="When the day asked for is full: openings after it."
    )


class AppointmentIn(BaseModel):
    person_id: int
    appointment_type: str = Field(description='A type name, e.g. "cleaning".')
    provider: str | None = Field(None, description="A provider name; none: whoever is free.")
    starts_at: datetime = Field(description="Without an offset it is business time.")


class AppointmentPatch(BaseModel):
    """Either move (`starts_at` and/or `provider`) or cancel (`status: cancelled`)."""

    starts_at: datetime | None = None
    provider: str | None = None
    status: Literal["cancelled"] | None = None


class AppointmentOut(BaseModel):
    id: int
    person_id: int
    provider: str
    appointment_type: str
    starts_at: datetime
    ends_at: datetime
    spoken: str
    status: str

    @classmethod
    def of(cls, data: dict) -> AppointmentOut:
        return cls(id=data["appointment_id"], **data)


def scheduling_router(engine: Engine, *, clock: Clock = utc_now) -> APIRouter:
    """Routes under /api/businesses/{slug}/providers, /appointment-types, /slots and
    /appointments."""
    router = APIRouter(prefix=BUSINESS_PREFIX, tags=["scheduling"])

    @router.get("/providers", response_model=list[ProviderOut])
    def list_providers(slug: str) -> list[ProviderOut]:
        with Session(engine) as session:
            business = require_business(session, slug)
            providers = session.scalars(
                select(Provider).where(Provider.business_id == business.id).order_by(Provider.name)
            ).all()
            hours = session.scalars(
                select(WorkingHours)
                .where(WorkingHours.business_id == business.id)
                .order_by(WorkingHours.weekday, WorkingHours.start_time)
            ).all()
            return [
                ProviderOut(
                    id=p.id,
                    name=p.name,
                    working_hours=[
                        WorkingHoursOut(weekday=h.weekday, start=h.start_time, end=h.end_time)
                        for h in hours
                        if h.provider_id == p.id
                    ],
                )
                for p in providers
            ]

    @router.get("/appointment-types", response_model=list[AppointmentTypeOut])
    def list_types(slug: str) -> list[AppointmentTypeOut]:
        with Session(engine) as session:
            business = require_business(session, slug)
            kinds = session.scalars(
                select(AppointmentType)
                .where(AppointmentType.business_id == business.id)
                .order_by(AppointmentType.name)
            )
            return [
                AppointmentTypeOut(id=k.id, name=k.name, duration_minutes=k.duration_minutes)
                for k in kinds
            ]

    @router.get("/slots", response_model=SlotsOut)
    def find_slots(
        slug: str,
        appointment_type: Annotated[str, Query(alias="type")],
        provider: str | None = None,
        day: date | None = None,
        after: time | None = None,
        before: time | None = None,
        limit: Annotated[int, Query(ge=1, le=scheduling.MAX_SLOT_LIMIT)] = 10,
    ) -> SlotsOut:
        """Free slots, earliest first; none free is 200 with a `message` (and `next_openings`
        when a `day` was asked for)."""
        params = dict(
            appointment_type=appointment_type,
            provider=provider,
            day=day and day.isoformat(),
            after=after and after.isoformat(),
            before=before and before.isoformat(),
            limit=limit,
        )
        with Session(engine) as session:
            require_business(session, slug)
        context = ActionContext(engine=engine, business=slug, now=clock())
        result = scheduling.find_slots(context, **params)
        if result.ok:
            return SlotsOut(slots=result.data["slots"])
        if "slots" in result.data:
            return SlotsOut(slots=[], message=result.message, next_openings=result.data["slots"])
        raise_failure(result)

    @router.get("/appointments", response_model=list[AppointmentOut])
    def list_appointments(
        slug: str,
        person_id: int | None = None,
        day: date | None = None,
        status: Literal["booked", "cancelled"] | None = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> list[AppointmentOut]:
        """Appointments by start time, optionally one person's, on one day, or by status."""
        with Session(engine) as session:
            business = require_business(session, slug)
            zone = zone_of(business)
            query = select(Appointment).where(Appointment.business_id == business.id)
            if person_id is not None:
                query = query.where(Appointment.person_id == person_id)
            if status is not None:
                query = query.where(Appointment.status == status)
            if day is not None:
                start = datetime.combine(day, time(0), tzinfo=zone)
                end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                query = query.where(Appointment.starts_at >= start, Appointment.starts_at < end)
            query = query.order_by(Appointment.starts_at, Appointment.id)
            return [
                AppointmentOut.of(scheduling.appointment_data(session, a, zone))
                for a in session.scalars(query.limit(limit).offset(offset))
            ]

    @router.post("/appointments", response_model=AppointmentOut, status_code=201)
    def book(slug: str, body: AppointmentIn) -> AppointmentOut:
        """Book; 409 when the time is taken, 422 outside working hours or in the past."""
        data = run_action(
            scheduling.book,
            engine,
            slug,
            clock(),
            person_id=body.person_id,
            appointment_type=body.appointment_type,
            provider=body.provider,
            starts_at=body.starts_at.isoformat(),
        )
        return AppointmentOut.of(data)

    @router.patch("/appointments/{appointment_id}", response_model=AppointmentOut)
    def change(slug: str, appointment_id: int, body: AppointmentPatch) -> AppointmentOut:
        if body.status == "cancelled":
            if body.starts_at or body.provider:
                raise HTTPException(
                    status_code=422, detail="cancel or move an appointment, not both at once"
                )
            return AppointmentOut.of(
                run_action(scheduling.cancel, engine, slug, clock(), appointment_id=appointment_id)
            )
        if body.starts_at is None and body.provider is None:
            raise HTTPException(
                status_code=422,
                detail="send starts_at and/or provider to move it, or status: cancelled",
            )
        starts_at = body.starts_at.isoformat() if body.starts_at else _current_start(appointment_id)
        data = run_action(
            scheduling.reschedule,
            engine,
            slug,
            clock(),
            appointment_id=appointment_id,
            starts_at=starts_at,
            provider=body.provider,
        )
        return AppointmentOut.of(data)

    def _current_start(appointment_id: int) -> str:
        with Session(engine) as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None:
                raise HTTPException(status_code=404, detail=f"no appointment {appointment_id}")
            return appointment.starts_at.isoformat()

    return router
