"""Scheduling actions: find free slots, book, list, reschedule and cancel appointments.

Times a caller hears are in the business's time zone; every datetime an action returns is ISO
8601 with that zone's offset ("2026-11-24T10:00:00-06:00") next to a `spoken` form ("Tuesday,
November 24 at 10 AM"). Slots start on a 30-minute grid inside a provider's working hours, never
overlap a booked appointment and never start before `context.now`. An empty answer (no slots,
no appointments) is a "not_found" failure with a sentence to say, so a flow can branch on `ok`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions.crm import (
    as_bool,
    as_int,
    business_for,
    parse_date,
    person_by_reference,
    person_in,
    zone_of,
)
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.actions.scheduling_calendar import (
    Calendar,
    Slot,
    days_from,
    end_of,
    lock_provider,
    overlaps,
    parse_clock,
    requested_start,
    resolve_providers,
    resolve_type,
    spoken_day,
    spoken_time,
    with_provider,
)
from callwright.store.business.businesses import Business
from callwright.store.business.scheduling import (
    BOOKED,
    CANCELLED,
    Appointment,
    AppointmentType,
    Provider,
    WorkingHours,
)

SEARCH_DAYS = 14  # how far ahead find_slots looks when no day is given
DEFAULT_SLOT_LIMIT = 3
MAX_SLOT_LIMIT = 50
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def find_slots(
    context: ActionContext,
    appointment_type: str,
    provider: str | None = None,
    day: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = DEFAULT_SLOT_LIMIT,
) -> ActionResult:
    """Free slots for `appointment_type`, earliest first, optionally with one provider, on one
    day (ISO date), starting at or after `after` and before `before` ("14:00").

    Without a provider, each start time is offered once. With a day that is full, the failure
    carries the next openings after it as `slots`.
    """
    try:
        earliest, latest = parse_clock(after), parse_clock(before)
        wanted_day = None if not day else parse_date(day)
        count = max(1, min(as_int(limit), MAX_SLOT_LIMIT))
    except ValueError:
        return ActionResult.failure("invalid", "I didn't catch which day or time you'd like.")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        today = context.now.astimezone(zone).date()
        kind = resolve_type(session, business, appointment_type)
        if isinstance(kind, ActionResult):
            return kind
        providers = resolve_providers(session, business, provider)
        if isinstance(providers, ActionResult):
            return providers
        if wanted_day is not None and wanted_day < today:
            return ActionResult.failure("invalid", "That day has already passed.")
        days = [wanted_day] if wanted_day else days_from(today, SEARCH_DAYS)
        calendar = Calendar.load(session, business, providers, days)
        slots = calendar.free_slots(
            kind, context.now, days, earliest, latest, count, distinct_times=provider is None
        )
        if slots:
            return ActionResult.success(
                appointment_type=kind.name,
                duration_minutes=kind.duration_minutes,
                slots=[slot.serialize() for slot in slots],
            )
        with_whom = f" with {providers[0].name}" if provider else ""
        when = f" on {spoken_day(wanted_day)}" if wanted_day else " in the next two weeks"
        message = f"There are no open times for a {kind.name}{with_whom}{when}."
        later: list[Slot] = []
        if wanted_day is not None:
            next_days = days_from(wanted_day + timedelta(days=1), SEARCH_DAYS)
            later = Calendar.load(session, business, providers, next_days).free_slots(
                kind, context.now, next_days, earliest, latest, count, provider is None
            )
            if later:
                message += f" The next opening is {spoken_time(later[0].starts_at)}."
        return ActionResult.failure(
            "not_found", message, slots=[slot.serialize() for slot in later]
        )


def book(
    context: ActionContext,
    person_id: int,
    appointment_type: str,
    starts_at: str,
    provider: str | None = None,
) -> ActionResult:
    """Book `person_id` at `starts_at` (ISO; without an offset it is business time).

    Without a provider, the first one free then is taken. Booking the same person, time,
    provider and type again returns the existing appointment (`already_booked`): a retry never
    double books.
    """
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        person = person_in(session, business, person_id)
        if person is None:
            return ActionResult.failure("not_found", "I couldn't find that patient's record.")
        kind = resolve_type(session, business, appointment_type)
        if isinstance(kind, ActionResult):
            return kind
        providers = resolve_providers(session, business, provider)
        if isinstance(providers, ActionResult):
            return providers
        start = requested_start(starts_at, zone, context.now)
        if isinstance(start, ActionResult):
            return start
        end = end_of(start, kind, zone)
        calendar = Calendar.load(session, business, providers, [start.date()])
        working = [p for p in providers if calendar.works(p, start, end)]
        if not working:
            who = providers[0].name if provider else "anyone"
            return ActionResult.failure(
                "not_allowed", f"That time is outside the working hours of {who}."
            )
        for candidate in working:
            lock_provider(session, candidate)
        same = session.scalar(
            select(Appointment).where(
                Appointment.person_id == person.id,
                Appointment.starts_at == start,
                Appointment.status == BOOKED,
            )
        )
        if (
            same is not None
            and same.type_id == kind.id
            and any(p.id == same.provider_id for p in working)
        ):
            return ActionResult.success(
                **appointment_data(session, same, zone), already_booked=True
            )
        if overlaps(session, Appointment.person_id == person.id, start, end):
            return ActionResult.failure("conflict", "You already have an appointment at that time.")
        free = [p for p in working if not overlaps(session, with_provider(p), start, end)]
        if not free:
            who = working[0].name if provider else "No one"
            return ActionResult.failure(
                "conflict",
                f"{who} is already booked at that time.",
                slots=[
                    s.serialize()
                    for s in calendar.free_slots(
                        kind,
                        context.now,
                        [start.date()],
                        None,
                        None,
                        DEFAULT_SLOT_LIMIT,
                        distinct_times=provider is None,
                    )
                ],
            )
        appointment = Appointment(
            business_id=business.id,
            person_id=person.id,
            provider_id=free[0].id,
            type_id=kind.id,
            starts_at=start,
            ends_at=end,
            status=BOOKED,
            created_at=context.now,
            call_id=context.call_id,
        )
        session.add(appointment)
        session.commit()
        return ActionResult.success(**appointment_data(session, appointment, zone))


def appointments(
    context: ActionContext, person_id: int, upcoming_only: bool = True
) -> ActionResult:
    """A person's appointments by start time: booked ones not yet started, or all of them.

    The soonest one's fields are also given at the top level (`appointment_id`, `spoken`...).
    """
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        person = person_in(session, business, person_id)
        if person is None:
            return ActionResult.failure("not_found", "I couldn't find that patient's record.")
        query = select(Appointment).where(Appointment.person_id == person.id)
        if as_bool(upcoming_only) is not False:
            query = query.where(Appointment.status == BOOKED, Appointment.starts_at >= context.now)
        found = [
            appointment_data(session, a, zone_of(business))
            for a in session.scalars(query.order_by(Appointment.starts_at, Appointment.id))
        ]
        if not found:
            return ActionResult.failure(
                "not_found", "I don't see any upcoming appointments for you.", appointments=[]
            )
        return ActionResult.success(**found[0], appointments=found, count=len(found))


def reschedule(
    context: ActionContext,
    appointment_id: int,
    starts_at: str,
    provider: str | None = None,
    person_id: int | None = None,
) -> ActionResult:
    """Move a booked appointment to `starts_at`, with its provider or another one.

    `person_id`, when given, must own the appointment. Moving it where it already is succeeds.
    """
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        appointment = _own_appointment(session, business, appointment_id, person_id, context)
        if isinstance(appointment, ActionResult):
            return appointment
        if provider:
            providers = resolve_providers(session, business, provider)
            if isinstance(providers, ActionResult):
                return providers
            target = providers[0]
        else:
            target = session.get_one(Provider, appointment.provider_id)
        kind = session.get_one(AppointmentType, appointment.type_id)
        start = requested_start(starts_at, zone, context.now)
        if isinstance(start, ActionResult):
            return start
        previous = appointment_data(session, appointment, zone)
        if appointment.starts_at == start and appointment.provider_id == target.id:
            return ActionResult.success(**previous, previous_starts_at=previous["starts_at"])
        end = end_of(start, kind, zone)
        calendar = Calendar.load(session, business, [target], [start.date()])
        if not calendar.works(target, start, end):
            return ActionResult.failure(
                "not_allowed", f"That time is outside the working hours of {target.name}."
            )
        lock_provider(session, target)
        others = Appointment.id != appointment.id
        if overlaps(session, with_provider(target) & others, start, end):
            return ActionResult.failure(
                "conflict",
                f"{target.name} is already booked at that time.",
                slots=[
                    s.serialize()
                    for s in calendar.free_slots(
                        kind, context.now, [start.date()], None, None, DEFAULT_SLOT_LIMIT, True
                    )
                ],
            )
        if overlaps(session, (Appointment.person_id == appointment.person_id) & others, start, end):
            return ActionResult.failure("conflict", "You already have an appointment at that time.")
        appointment.provider_id = target.id
        appointment.starts_at, appointment.ends_at = start, end
        session.commit()
        return ActionResult.success(
            **appointment_data(session, appointment, zone),
            previous_starts_at=previous["starts_at"],
            previous_spoken=previous["spoken"],
        )


def cancel(
    context: ActionContext, appointment_id: int, person_id: int | None = None
) -> ActionResult:
    """Cancel a booked appointment; cancelling it again succeeds with `already_cancelled`."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        appointment = _own_appointment(
            session, business, appointment_id, person_id, context, allow_cancelled=True
        )
        if isinstance(appointment, ActionResult):
            return appointment
        already = appointment.status == CANCELLED
        appointment.status = CANCELLED
        session.commit()
        return ActionResult.success(
            **appointment_data(session, appointment, zone_of(business)), already_cancelled=already
        )


def appointment_data(session: Session, appointment: Appointment, zone: ZoneInfo) -> dict[str, Any]:
    starts_at = appointment.starts_at.astimezone(zone)
    return {
        "appointment_id": appointment.id,
        "person_id": appointment.person_id,
        "provider": session.get_one(Provider, appointment.provider_id).name,
        "appointment_type": session.get_one(AppointmentType, appointment.type_id).name,
        "starts_at": starts_at.isoformat(),
        "ends_at": appointment.ends_at.astimezone(zone).isoformat(),
        "spoken": spoken_time(starts_at),
        "status": appointment.status,
    }


def _own_appointment(
    session: Session,
    business: Business,
    appointment_id: Any,
    person_id: Any,
    context: ActionContext,
    allow_cancelled: bool = False,
) -> Appointment | ActionResult:
    try:
        appointment = session.get(Appointment, as_int(appointment_id))
        owner = None if person_id is None else as_int(person_id)
    except ValueError:
        appointment, owner = None, None
    if (
        appointment is None
        or appointment.business_id != business.id
        or (person_id is not None and appointment.person_id != owner)
    ):
        return ActionResult.failure("not_found", "I couldn't find that appointment.")
    if appointment.status == CANCELLED and not allow_cancelled:
        return ActionResult.failure("not_allowed", "That appointment was already cancelled.")
    if appointment.starts_at <= context.now and appointment.status == BOOKED:
        return ActionResult.failure("not_allowed", "That appointment has already taken place.")
    return appointment


def seed_scheduling(session: Session, business: Business, data: dict, today: date) -> None:
    """Insert the providers, working hours, appointment types and appointments of a demo data
    `scheduling:` section; people come from the `crm:` section, seeded first.

    Shape::

        working_hours:            # every provider's, unless a provider lists its own
          - {days: [mon, tue, wed, thu, fri], start: "08:00", end: "17:00"}
        providers:
          - {name: Dr. Sarah Chen}
          - {name: Dr. Omar Patel, working_hours: [{days: [mon], start: "09:00", end: "12:00"}]}
        appointment_types:
          - {name: cleaning, duration_minutes: 60}
        appointments:
          - {person: "+15551230001", provider: Dr. Sarah Chen, type: cleaning,
             starts_at: "2026-11-24T10:00:00-06:00", status: booked}

    `days` holds weekday names (mon...sun) or numbers (0 = Monday). An appointment's `person`
    is a phone number or "First Last"; its `status` defaults to booked. Appointments are
    created at midnight of `today` in the business's zone.
    """
    zone = zone_of(business)
    default_hours = data.get("working_hours", [])
    providers: dict[str, Provider] = {}
    for entry in data.get("providers", []):
        provider = Provider(business_id=business.id, name=entry["name"])
        session.add(provider)
        session.flush()
        providers[entry["name"]] = provider
        for interval in entry.get("working_hours", default_hours):
            for weekday in interval["days"]:
                session.add(
                    WorkingHours(
                        business_id=business.id,
                        provider_id=provider.id,
                        weekday=_weekday(weekday),
                        start_time=_hour(interval["start"]),
                        end_time=_hour(interval["end"]),
                    )
                )
    kinds: dict[str, AppointmentType] = {}
    for entry in data.get("appointment_types", []):
        kinds[entry["name"]] = AppointmentType(
            business_id=business.id,
            name=entry["name"],
            duration_minutes=int(entry["duration_minutes"]),
        )
        session.add(kinds[entry["name"]])
    session.flush()
    created_at = datetime.combine(today, time(0), tzinfo=zone)
    for entry in data.get("appointments", []):
        provider, kind = providers.get(entry["provider"]), kinds.get(entry["type"])
        if provider is None or kind is None:
            raise ValueError(
                f"appointment {entry} names a provider or type not listed in the scheduling "
                f"section; providers: {sorted(providers)}, types: {sorted(kinds)}"
            )
        start = datetime.fromisoformat(str(entry["starts_at"]))
        start = start.replace(tzinfo=zone) if start.tzinfo is None else start
        session.add(
            Appointment(
                business_id=business.id,
                person_id=person_by_reference(session, business, entry["person"]).id,
                provider_id=provider.id,
                type_id=kind.id,
                starts_at=start,
                ends_at=end_of(start, kind, zone),
                status=entry.get("status", BOOKED),
                created_at=created_at,
            )
        )
    session.flush()


def _hour(value: str) -> time:
    if not isinstance(value, str):  # YAML reads an unquoted 17:00 as the number 1020
        raise ValueError(f'working hours {value!r}: write times as quoted strings, e.g. "17:00"')
    return time.fromisoformat(value)


def _weekday(value: int | str) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    name = str(value).strip().lower()[:3]
    if name not in WEEKDAY_NAMES:
        raise ValueError(f"weekday {value!r} is not one of {WEEKDAY_NAMES} or 0-6")
    return WEEKDAY_NAMES.index(name)


def register(registry: ActionRegistry) -> None:
    registry.register("scheduling.find_slots", find_slots, retry_safe=True, reads_only=True)
    registry.register("scheduling.appointments", appointments, retry_safe=True, reads_only=True)
    registry.register("scheduling.book", book)
    registry.register("scheduling.reschedule", reschedule)
    registry.register("scheduling.cancel", cancel, retry_safe=True)
