"""Ticketing actions: open, look up by number, update with history, list a person's tickets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from callwright.actions import crm, tickets
from callwright.store.business.tickets import Ticket, TicketUpdate
from callwright.store.models import Base
from tests.actions.dental_demo import NOW, SEEDED_TICKET, context, seed_dental


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'business.db'}")
    Base.metadata.create_all(engine)
    seed_dental(engine)
    yield engine
    engine.dispose()


def _james(engine: Engine) -> int:
    return crm.find_person(context(engine), phone="+15551230002").data["person_id"]


def test_a_new_ticket_gets_a_five_digit_number_and_is_stored(engine: Engine) -> None:
    james = _james(engine)
    result = tickets.create(
        context(engine, call_id="call-1"), "Crown feels loose", "Since Friday", person_id=james
    )
    assert result.ok
    number = result.data["number"]
    assert 10000 <= number <= 99999
    assert result.data["spoken_number"] == " ".join(str(number))
    with Session(engine) as session:
        stored = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert (stored.person_id, stored.status, stored.priority, stored.call_id) == (
            james, "open", "normal", "call-1",
        )  # fmt: skip


def test_a_retried_create_in_the_same_call_opens_no_duplicate(engine: Engine) -> None:
    first = tickets.create(context(engine, call_id="c9"), "Broken link", "Portal login fails")
    again = tickets.create(context(engine, call_id="c9"), "Broken link", "Portal login fails")
    assert again.data["number"] == first.data["number"] and again.data["already_open"]
    other_call = tickets.create(context(engine, call_id="c10"), "Broken link", "Portal login fails")
    assert other_call.data["number"] != first.data["number"]


def test_the_lifecycle_is_recorded_in_the_history(engine: Engine) -> None:
    number = tickets.create(context(engine), "Refund", "Paid twice").data["number"]
    later = context(engine, now=NOW + timedelta(hours=2))
    assert tickets.update(later, f"T-{number}", status="in_progress", note="Checking").ok
    assert tickets.update(later, str(number), note="Refund sent").ok
    done = tickets.update(later, number, status="resolved")
    assert done.data["status"] == "resolved" and done.data["spoken_status"] == "resolved"
    shown = tickets.get(context(engine), number)
    assert shown.data["status"] == "resolved"
    assert shown.data["updated_at"] == "2026-11-30T11:00:00-06:00"
    assert [(u["status"], u["note"]) for u in shown.data["updates"]] == [
        ("in_progress", "Checking"),
        (None, "Refund sent"),
        ("resolved", None),
    ]


def test_bad_updates_and_unknown_numbers_are_refused(engine: Engine) -> None:
    assert tickets.update(context(engine), SEEDED_TICKET, status="lost").error == "invalid"
    assert tickets.update(context(engine), SEEDED_TICKET).error == "invalid"
    assert tickets.get(context(engine), 12345).error == "not_found"
    assert tickets.get(context(engine), "no number").error == "not_found"
    assert tickets.create(context(engine), "  ", "x").error == "invalid"
    assert tickets.create(context(engine), "x", "y", priority="asap").error == "invalid"
    with Session(engine) as session:
        assert session.scalars(select(TicketUpdate)).all()[0].note == "Asked billing to check"
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_a_persons_tickets_newest_first(engine: Engine) -> None:
    maria = crm.find_person(context(engine), phone="+15551230001").data["person_id"]
    newer = tickets.create(
        context(engine, now=NOW + timedelta(days=1)), "Sensitivity", "Cold drinks", maria
    )
    listed = tickets.list_for(context(engine), maria)
    assert [t["number"] for t in listed.data["tickets"]] == [newer.data["number"], SEEDED_TICKET]
    assert listed.data["tickets"][1]["priority"] == "high"
    assert tickets.list_for(context(engine), _james(engine)).error == "not_found"
