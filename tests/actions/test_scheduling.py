"""Scheduling actions on the dental demo, on SQLite and PostgreSQL: slots, booking, moves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from callwright.actions import scheduling
from callwright.actions.crm import business_for, create_person
from callwright.actions.registry import ActionRegistry
from callwright.store.business.crm import Person
from callwright.store.business.scheduling import Appointment
from callwright.store.models import Base
from tests.actions.dental_demo import CHICAGO, MARIA_TUESDAY_CLEANING, NOW, context, seed_dental

TUESDAY = "2026-12-01"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The dental demo on a fresh database of each backend."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'business.db'}")
        admin = None
    else:
        server_url = make_url(request.getfixturevalue("postgres_url"))
        name = f"test_{uuid.uuid4().hex}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(server_url.set(database=name))
    Base.metadata.create_all(engine)
    seed_dental(engine)
    yield engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _person_id(engine: Engine, phone: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Person.id).where(Person.phone == phone))


def _appointments(engine: Engine) -> list[tuple[int, datetime, datetime, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(Appointment).order_by(Appointment.id))
        return [(a.person_id, a.starts_at, a.ends_at, a.status) for a in rows]


def _starts(result) -> list[str]:
    return [slot["starts_at"] for slot in result.data["slots"]]


def test_first_slots_are_the_next_free_times_after_now(engine: Engine) -> None:
    result = scheduling.find_slots(context(engine), appointment_type="cleaning")
    assert result.ok, result.message
    # Now is 9:00 on Monday: 9:00 itself has started, so 9:30 is first; each time offered once.
    assert _starts(result) == [
        "2026-11-30T09:30:00-06:00",
        "2026-11-30T10:00:00-06:00",
        "2026-11-30T10:30:00-06:00",
    ]
    assert result.data["slots"][0]["spoken"] == "Monday, November 30 at 9:30 AM"
    assert result.data["duration_minutes"] == 60


def test_slots_stay_inside_working_hours_and_skip_booked_time(engine: Engine) -> None:
    result = scheduling.find_slots(
        context(engine), appointment_type="cleaning", provider="Dr. Chen", day=TUESDAY, limit=50
    )
    hours = [slot["starts_at"][11:16] for slot in result.data["slots"]]
    # Maria's cleaning 10:00-11:00 blocks 9:30, 10:00 and 10:30; the last hour starts at 16:00.
    assert hours == ["08:00", "08:30", "09:00"] + [
        f"{h:02d}:{m:02d}" for h in range(11, 17) for m in (0, 30) if (h, m) != (16, 30)
    ]
    assert {slot["provider"] for slot in result.data["slots"]} == {"Dr. Sarah Chen"}


def test_slot_times_are_in_the_business_time_zone(engine: Engine) -> None:
    result = scheduling.find_slots(
        context(engine), appointment_type="checkup", provider="Patel", day=TUESDAY, limit=1
    )
    first = datetime.fromisoformat(result.data["slots"][0]["starts_at"])
    assert first.astimezone(UTC) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 8:00 CST


def test_daylight_saving_moves_the_utc_time_of_opening(engine: Engine) -> None:
    def first_utc(day: str) -> datetime:
        result = scheduling.find_slots(
            context(engine), appointment_type="checkup", provider="Chen", day=day, limit=1
        )
        return datetime.fromisoformat(result.data["slots"][0]["starts_at"]).astimezone(UTC)

    assert first_utc("2027-03-12") == datetime(2027, 3, 12, 14, 0, tzinfo=UTC)  # Friday, CST
    assert first_utc("2027-03-15") == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # Monday, CDT


def test_a_closed_day_says_so_and_offers_the_next_opening(engine: Engine) -> None:
    result = scheduling.find_slots(context(engine), appointment_type="filling", day="2026-12-05")
    assert not result.ok and result.error == "not_found"
    assert "Saturday, December 5" in result.message
    assert "Monday, December 7 at 8 AM" in result.message
    assert _starts(result)[0] == "2026-12-07T08:00:00-06:00"


def test_the_past_is_never_offered(engine: Engine) -> None:
    late = context(engine, now=datetime(2026, 11, 30, 16, 1, tzinfo=CHICAGO))
    result = scheduling.find_slots(late, appointment_type="cleaning", limit=1)
    assert _starts(result) == ["2026-12-01T08:00:00-06:00"]
    gone = scheduling.find_slots(context(engine), appointment_type="cleaning", day="2026-11-27")
    assert not gone.ok and gone.error == "invalid"


def test_after_and_before_narrow_the_day(engine: Engine) -> None:
    result = scheduling.find_slots(
        context(engine),
        appointment_type="checkup",
        provider="doctor Patel",
        day=TUESDAY,
        after="14:00",
        before="15:00",
        limit=10,
    )
    assert [s["starts_at"][11:16] for s in result.data["slots"]] == ["14:00", "14:30"]


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [("Dr. Chen", "Dr. Sarah Chen"), ("chen", "Dr. Sarah Chen"), ("Dr Chan", "Dr. Sarah Chen"),
     ("doctor Patel", "Dr. Omar Patel"), ("Omar", "Dr. Omar Patel")],
)  # fmt: skip
def test_providers_are_found_by_how_callers_say_them(
    engine: Engine, spoken: str, expected: str
) -> None:
    result = scheduling.find_slots(context(engine), appointment_type="a cleaning", provider=spoken)
    assert {slot["provider"] for slot in result.data["slots"]} == {expected}


def test_an_unknown_provider_or_type_names_the_choices(engine: Engine) -> None:
    who = scheduling.find_slots(context(engine), appointment_type="cleaning", provider="Dr. Smith")
    assert who.error == "not_found"
    assert "Dr. Omar Patel" in who.message and "Dr. Sarah Chen" in who.message
    what = scheduling.find_slots(context(engine), appointment_type="root canal")
    assert what.error == "not_found" and "checkup, cleaning and filling" in what.message


def test_booking_stores_the_appointment_and_takes_the_slot(engine: Engine) -> None:
    james = _person_id(engine, "+15551230002")
    result = scheduling.book(
        context(engine, call_id="c1"),
        person_id=james,
        appointment_type="checkup",
        provider="Dr. Patel",
        starts_at="2026-12-01T08:00:00-06:00",
    )
    assert result.ok, result.message
    assert result.data["spoken"] == "Tuesday, December 1 at 8 AM"
    expected = (james, datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
                datetime(2026, 12, 1, 14, 30, tzinfo=UTC), "booked")  # fmt: skip
    assert expected in _appointments(engine)
    again = scheduling.find_slots(
        context(engine), appointment_type="checkup", provider="Patel", day=TUESDAY, limit=1
    )
    assert _starts(again) == ["2026-12-01T08:30:00-06:00"]


def test_double_booking_a_provider_is_refused(engine: Engine) -> None:
    james = _person_id(engine, "+15551230002")
    for start in (MARIA_TUESDAY_CLEANING, "2026-12-01T10:30:00-06:00", "2026-12-01T09:30:00-06:00"):
        result = scheduling.book(
            context(engine), james, "cleaning", starts_at=start, provider="Dr. Sarah Chen"
        )
        assert not result.ok and result.error == "conflict", start
        assert "Dr. Sarah Chen is already booked" in result.message
        assert result.data["slots"], "the refusal offers other times that day"
    assert len(_appointments(engine)) == 1


def test_a_retried_booking_returns_the_same_appointment(engine: Engine) -> None:
    james = _person_id(engine, "+15551230002")
    params = dict(person_id=james, appointment_type="filling", provider="Patel",
                  starts_at="2026-12-02T13:00:00-06:00")  # fmt: skip
    first = scheduling.book(context(engine), **params)
    second = scheduling.book(context(engine), **params)
    assert first.ok and second.ok
    assert second.data["appointment_id"] == first.data["appointment_id"]
    assert second.data["already_booked"] is True
    assert len(_appointments(engine)) == 2


def test_concurrent_bookings_of_one_slot_give_it_to_one_caller(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        business = business_for(session, "dental")
        people = [
            create_person(session, business, first_name="Caller", last_name=str(i),
                          created_at=NOW).id
            for i in range(6)
        ]  # fmt: skip

    def attempt(person_id: int):
        return scheduling.book(
            context(engine), person_id, "cleaning", "2026-12-03T09:00:00-06:00", "Dr. Patel"
        )

    with ThreadPoolExecutor(len(people)) as pool:
        results = list(pool.map(attempt, people))
    assert sorted(r.ok for r in results) == [False] * 5 + [True]
    assert {r.error for r in results if not r.ok} == {"conflict"}
    assert len(_appointments(engine)) == 2


@pytest.mark.parametrize(
    ("starts_at", "error"),
    [("2026-12-05T10:00:00-06:00", "not_allowed"),  # Saturday
     ("2026-12-01T07:00:00-06:00", "not_allowed"),  # before opening
     ("2026-12-01T16:30:00-06:00", "not_allowed"),  # would end after 17:00
     ("2026-11-30T08:00:00-06:00", "invalid"),  # an hour ago
     ("next Tuesday", "invalid")],
)  # fmt: skip
def test_booking_outside_hours_or_in_the_past_is_refused(
    engine: Engine, starts_at: str, error: str
) -> None:
    james = _person_id(engine, "+15551230002")
    result = scheduling.book(context(engine), james, "cleaning", starts_at, "Dr. Chen")
    assert (result.ok, result.error) == (False, error)
    assert result.message
    assert len(_appointments(engine)) == 1


def test_a_time_without_offset_is_business_time(engine: Engine) -> None:
    james = _person_id(engine, "+15551230002")
    result = scheduling.book(context(engine), james, "checkup", "2026-12-01T15:00", "Chen")
    assert result.data["starts_at"] == "2026-12-01T15:00:00-06:00"


def test_appointments_lists_what_is_coming(engine: Engine) -> None:
    maria = _person_id(engine, "+15551230001")
    result = scheduling.appointments(context(engine), person_id=maria)
    assert result.ok
    assert result.data["count"] == 1
    assert result.data["spoken"] == "Tuesday, December 1 at 10 AM"
    assert (result.data["provider"], result.data["appointment_type"]) == (
        "Dr. Sarah Chen",
        "cleaning",
    )
    after_it = context(engine, now=datetime(2026, 12, 1, 10, 30, tzinfo=CHICAGO))
    assert scheduling.appointments(after_it, person_id=maria).error == "not_found"
    james = _person_id(engine, "+15551230002")
    none = scheduling.appointments(context(engine), person_id=james)
    assert none.error == "not_found" and none.data["appointments"] == []


def test_rescheduling_moves_the_appointment(engine: Engine) -> None:
    maria = _person_id(engine, "+15551230001")
    booked = scheduling.appointments(context(engine), maria).data["appointment_id"]
    result = scheduling.reschedule(
        context(engine), booked, "2026-12-03T14:00:00-06:00", person_id=maria
    )
    assert result.ok, result.message
    assert result.data["previous_spoken"] == "Tuesday, December 1 at 10 AM"
    assert result.data["spoken"] == "Thursday, December 3 at 2 PM"
    assert _appointments(engine) == [
        (maria, datetime(2026, 12, 3, 20, 0, tzinfo=UTC),
         datetime(2026, 12, 3, 21, 0, tzinfo=UTC), "booked")
    ]  # fmt: skip
    freed = scheduling.find_slots(
        context(engine), appointment_type="cleaning", provider="Chen", day=TUESDAY, limit=50
    )
    assert "2026-12-01T10:00:00-06:00" in _starts(freed)


def test_rescheduling_into_a_taken_slot_or_to_another_provider(engine: Engine) -> None:
    maria, james = _person_id(engine, "+15551230001"), _person_id(engine, "+15551230002")
    taken = scheduling.book(context(engine), james, "checkup", "2026-12-02T09:00", "Chen")
    booked = scheduling.appointments(context(engine), maria).data["appointment_id"]
    refused = scheduling.reschedule(context(engine), booked, "2026-12-02T08:30")
    assert refused.error == "conflict"
    moved = scheduling.reschedule(context(engine), booked, "2026-12-02T08:30", provider="Patel")
    assert moved.ok and moved.data["provider"] == "Dr. Omar Patel"
    assert taken.ok
    wrong_owner = scheduling.reschedule(
        context(engine), booked, "2026-12-04T08:00", person_id=james
    )
    assert wrong_owner.error == "not_found"


def test_cancelling_frees_the_slot_and_is_idempotent(engine: Engine) -> None:
    maria = _person_id(engine, "+15551230001")
    booked = scheduling.appointments(context(engine), maria).data["appointment_id"]
    result = scheduling.cancel(context(engine), booked, person_id=maria)
    assert result.ok and result.data["already_cancelled"] is False
    assert _appointments(engine)[0][3] == "cancelled"
    assert scheduling.cancel(context(engine), booked).data["already_cancelled"] is True
    assert scheduling.appointments(context(engine), maria).error == "not_found"
    assert scheduling.reschedule(context(engine), booked, "2026-12-04T08:00").error == (
        "not_allowed"
    )
    james = _person_id(engine, "+15551230002")
    rebooked = scheduling.book(context(engine), james, "cleaning", MARIA_TUESDAY_CLEANING, "Chen")
    assert rebooked.ok


async def test_actions_run_through_the_registry(engine: Engine) -> None:
    registry = ActionRegistry()
    scheduling.register(registry)
    assert registry.names() == [
        "scheduling.appointments",
        "scheduling.book",
        "scheduling.cancel",
        "scheduling.find_slots",
        "scheduling.reschedule",
    ]
    result = await registry.run(
        "scheduling.find_slots", {"appointment_type": "checkup", "limit": 2}, context(engine)
    )
    assert result.ok and len(result.data["slots"]) == 2
    later = context(engine, now=NOW + timedelta(days=30))
    missing = await registry.run("scheduling.book", {"person_id": 1}, later)
    assert missing.error == "invalid"
