"""The calendar behind scheduling: providers' working hours, booked appointments and the free
slots between them; matching spoken provider and appointment type names; times as spoken."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callwright.actions.crm import fold_name, zone_of
from callwright.actions.registry import ActionResult
from callwright.store.business.businesses import Business
from callwright.store.business.scheduling import (
    BOOKED,
    Appointment,
    AppointmentType,
    Provider,
    WorkingHours,
)

SLOT_GRID_MINUTES = 30  # slots start on the hour and the half hour of a working interval
MATCH_MIN_SCORE = 75  # rapidfuzz ratio (0-100) of the best word: "Chan" still finds "Chen"
IGNORED_NAME_WORDS = frozenset(
    "dr doctor doc the a an with my mr mrs ms miss appointment appointments visit".split()
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # in the business's zone
    ends_at: datetime
    provider: Provider

    def serialize(self) -> dict[str, Any]:
        return {
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "provider": self.provider.name,
            "provider_id": self.provider.id,
            "spoken": spoken_time(self.starts_at),
        }


def spoken_time(moment: datetime) -> str:
    """ "Tuesday, November 24 at 10 AM" / "... at 2:30 PM", for the agent to read out."""
    hour = moment.hour % 12 or 12
    clock = f"{hour}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}"
    return f"{moment:%A, %B} {moment.day} at {clock} {'AM' if moment.hour < 12 else 'PM'}"


def best_matches(query: str, candidates: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """The candidates whose name best matches a spoken one ("Dr. Chen", "doctor Patel",
    "teeth cleaning"): case, accents and titles ignored, small mishearings forgiven.

    Empty when nothing is close enough; several only on an exact tie.
    """
    words = name_words(query)
    if not words:
        return []
    scored: list[tuple[tuple[float, float], T]] = []
    for candidate in candidates:
        candidate_words = name_words(name(candidate))
        if not candidate_words:
            continue
        per_word = [max(fuzz.ratio(w, c) for c in candidate_words) for w in words]
        if max(per_word) >= MATCH_MIN_SCORE:
            scored.append(((max(per_word), sum(per_word) / len(per_word)), candidate))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [candidate for score, candidate in scored if score == top]


def name_words(name: str) -> list[str]:
    words = (fold_name(word) for word in name.replace(".", " ").split())
    return [w for w in words if w and w not in IGNORED_NAME_WORDS]


class Calendar:
    """Working hours and booked appointments of some providers over some days."""

    def __init__(
        self,
        zone: ZoneInfo,
        providers: Sequence[Provider],
        hours: dict[tuple[int, int], list[tuple[time, time]]],
        booked: dict[int, list[tuple[datetime, datetime]]],
    ) -> None:
        self.zone = zone
        self.providers = sorted(providers, key=lambda p: p.name)
        self.hours = hours  # (provider id, weekday) -> intervals
        self.booked = booked  # provider id -> (start, end) in UTC

    @classmethod
    def load(
        cls,
        session: Session,
        business: Business,
        providers: Sequence[Provider],
        days: Sequence[date],
    ) -> Calendar:
        zone = zone_of(business)
        ids = [p.id for p in providers]
        hours: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        for row in session.scalars(
            select(WorkingHours)
            .where(WorkingHours.provider_id.in_(ids))
            .order_by(WorkingHours.start_time)
        ):
            hours[(row.provider_id, row.weekday)].append((row.start_time, row.end_time))
        window_start = datetime.combine(min(days), time(0), tzinfo=zone)
        window_end = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=zone)
        booked: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for appointment in session.scalars(
            select(Appointment).where(
                Appointment.provider_id.in_(ids),
                Appointment.status == BOOKED,
                Appointment.starts_at < window_end,
                Appointment.ends_at > window_start,
            )
        ):
            booked[appointment.provider_id].append((appointment.starts_at, appointment.ends_at))
        return cls(zone, providers, hours, booked)

    def works(self, provider: Provider, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside one of the provider's working intervals."""
        local_start, local_end = start.astimezone(self.zone), end.astimezone(self.zone)
        day = local_start.date()
        return any(
            datetime.combine(day, begin, tzinfo=self.zone) <= local_start
            and local_end <= datetime.combine(day, finish, tzinfo=self.zone)
            for begin, finish in self.hours.get((provider.id, day.weekday()), [])
        )

    def free_slots(
        self,
        kind: AppointmentType,
        now: datetime,
        days: Sequence[date],
        earliest: time | None,
        latest: time | None,
        limit: int,
        distinct_times: bool,
    ) -> list[Slot]:
        found: list[Slot] = []
        for day in days:
            on_day = sorted(
                (s for p in self.providers for s in self._day_slots(p, kind, day, now)),
                key=lambda s: (s.starts_at, s.provider.name),
            )
            for slot in on_day:
                wall = slot.starts_at.time()
                if (earliest and wall < earliest) or (latest and wall >= latest):
                    continue
                if distinct_times and found and found[-1].starts_at == slot.starts_at:
                    continue
                found.append(slot)
                if len(found) == limit:
                    return found
        return found

    def _day_slots(
        self, provider: Provider, kind: AppointmentType, day: date, now: datetime
    ) -> list[Slot]:
        slots = []
        step, length = (
            timedelta(minutes=SLOT_GRID_MINUTES),
            timedelta(minutes=kind.duration_minutes),
        )
        for begin, finish in self.hours.get((provider.id, day.weekday()), []):
            wall, close = datetime.combine(day, begin), datetime.combine(day, finish)
            while wall + length <= close:
                start = wall.replace(tzinfo=self.zone)
                wall += step
                if not exists(start):
                    continue
                end = end_of(start, kind, self.zone)
                if start <= now or any(
                    start < taken_end and end > taken_start
                    for taken_start, taken_end in self.booked.get(provider.id, [])
                ):
                    continue
                slots.append(Slot(start, end, provider))
        return slots


def resolve_type(
    session: Session, business: Business, spoken: str
) -> AppointmentType | ActionResult:
    kinds = list(
        session.scalars(
            select(AppointmentType)
            .where(AppointmentType.business_id == business.id)
            .order_by(AppointmentType.name)
        )
    )
    matches = best_matches(str(spoken or ""), kinds, lambda k: k.name)
    if len(matches) == 1:
        return matches[0]
    offered = spoken_list([k.name for k in kinds])
    return ActionResult.failure(
        "not_found", f"We book these kinds of appointments: {offered}. Which one would you like?"
    )


def resolve_providers(
    session: Session, business: Business, spoken: str | None
) -> list[Provider] | ActionResult:
    """Every provider when none is named, else the one named."""
    providers = list(
        session.scalars(
            select(Provider).where(Provider.business_id == business.id).order_by(Provider.name)
        )
    )
    if not spoken or not name_words(spoken):
        if not providers:
            return ActionResult.failure("not_found", "There is no one to book with right now.")
        return providers
    matches = best_matches(spoken, providers, lambda p: p.name)
    if len(matches) == 1:
        return matches
    names = spoken_list([p.name for p in (matches or providers)])
    if matches:
        return ActionResult.failure("ambiguous", f"Did you mean {names.replace(' and ', ' or ')}?")
    return ActionResult.failure("not_found", f"I couldn't find {spoken}. We have {names}.")


def end_of(start: datetime, kind: AppointmentType, zone: ZoneInfo) -> datetime:
    """Elapsed time, not wall time, so an appointment across a clock change keeps its length."""
    return (start.astimezone(UTC) + timedelta(minutes=kind.duration_minutes)).astimezone(zone)


def exists(moment: datetime) -> bool:
    """False for a wall time that a daylight saving change skips (e.g. 2:30 on a spring day)."""
    zone = moment.tzinfo
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment.replace(
        tzinfo=None
    )


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


def spoken_day(day: date) -> str:
    return f"{day:%A, %B} {day.day}"


def spoken_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def requested_start(value: Any, zone: ZoneInfo, now: datetime) -> datetime | ActionResult:
    """An aware start time in the business's zone from an ISO string, not in the past."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ActionResult.failure("invalid", "I didn't catch the day and time for that.")
    moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    if moment <= now:
        return ActionResult.failure("invalid", "That time has already passed.")
    return moment


def lock_provider(session: Session, provider: Provider) -> None:
    """Serialise bookings with one provider until commit: a no-op write takes the row lock on
    PostgreSQL and the write lock on SQLite, so the conflict check that follows sees every
    booking committed before, and a concurrent one waits."""
    session.execute(update(Provider).where(Provider.id == provider.id).values(name=Provider.name))


def with_provider(provider: Provider) -> Any:
    return Appointment.provider_id == provider.id


def overlaps(session: Session, condition: Any, start: datetime, end: datetime) -> bool:
    return (
        session.scalar(
            select(Appointment.id)
            .where(
                condition,
                Appointment.status == BOOKED,
                Appointment.starts_at < end,
                Appointment.ends_at > start,
            )
            .limit(1)
        )
        is not None
    )


def parse_clock(value: str | None) -> time | None:
    return None if not value else time.fromisoformat(str(value).strip())
