"""`callwright people|leads|appointments|tickets` against a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from callwright.cli_crm import leads_app, people_app
from callwright.cli_scheduling import appointments_app
from callwright.cli_tickets import tickets_app
from callwright.store.business.scheduling import Appointment
from callwright.store.business.tickets import Ticket
from callwright.store.database import open_database
from callwright.store.models import Base
from tests.actions.dental_demo import CHICAGO, SEEDED_TICKET, seed_dental

WIDE_TERMINAL = {"COLUMNS": "200"}

app = typer.Typer()
app.add_typer(people_app, name="people")
app.add_typer(leads_app, name="leads")
app.add_typer(appointments_app, name="appointments")
app.add_typer(tickets_app, name="tickets")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'callwright.db'}"
    engine = open_database(url)
    Base.metadata.create_all(engine)
    seed_dental(engine)
    engine.dispose()
    return url


def _run(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, [*args, "--business", "dental", "--database-url", database_url], env=WIDE_TERMINAL
    )
    return result.exit_code, result.output


def _next_week_monday_at(hour: int) -> str:
    """A Monday at least a week ahead of the real clock, in Chicago: always bookable."""
    today = datetime.now(UTC).astimezone(CHICAGO).date()
    monday = today + timedelta(days=7 + (7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=CHICAGO).isoformat()


def test_people_list_show_add_and_note(database_url: str) -> None:
    code, output = _run(database_url, "people", "list")
    assert code == 0
    assert output.index("Maria Lopez") < output.index("James Wilson")
    assert "+15551230002" in output and "1972-11-02" in output
    code, output = _run(database_url, "people", "add", "--first-name", "Ana",
                        "--last-name", "Ruiz", "--phone", "(555) 123-7777")  # fmt: skip
    assert code == 0 and "Added person 3" in output
    assert _run(database_url, "people", "note", "3", "Needs a wheelchair ramp")[0] == 0
    code, output = _run(database_url, "people", "show", "3")
    assert "+15551237777" in output and "Needs a wheelchair ramp" in output
    code, output = _run(database_url, "people", "show", "42")
    assert code == 1 and "No person 42" in output


def test_leads_list_shows_qualification(database_url: str) -> None:
    code, output = _run(database_url, "leads", "list", "--qualified")
    assert code == 0 and "Pat Doe" in output and "handed_to_rep" in output


def test_book_list_reschedule_and_cancel(database_url: str) -> None:
    at = _next_week_monday_at(9)
    code, output = _run(database_url, "appointments", "book", "--person", "2",
                        "--type", "checkup", "--provider", "Dr. Patel", "--at", at)  # fmt: skip
    assert code == 0, output
    assert "Booked appointment 2: checkup with Dr. Omar Patel" in output and "at 9 AM" in output
    code, output = _run(database_url, "appointments", "list", "--person", "2")
    assert "James Wilson" in output and at[:10] in output and "09:00" in output
    later = _next_week_monday_at(14)
    code, output = _run(database_url, "appointments", "reschedule", "2", "--at", later)
    assert code == 0 and "at 2 PM with Dr. Omar Patel" in output
    assert _run(database_url, "appointments", "cancel", "2")[0] == 0
    engine = open_database(database_url)
    with Session(engine) as session:
        stored = session.get_one(Appointment, 2)
        assert (stored.status, stored.starts_at) == (
            "cancelled", datetime.fromisoformat(later).astimezone(UTC),
        )  # fmt: skip
    engine.dispose()


def test_a_refused_booking_exits_with_the_reason(database_url: str) -> None:
    saturday = (datetime.fromisoformat(_next_week_monday_at(10)) - timedelta(days=2)).isoformat()
    code, output = _run(database_url, "appointments", "book", "--person", "2",
                        "--type", "cleaning", "--provider", "Chen", "--at", saturday)  # fmt: skip
    assert code == 1 and "outside the working hours of Dr. Sarah Chen" in output
    code, output = _run(database_url, "appointments", "slots", "--type", "cleaning",
                        "--provider", "Chen", "--day", saturday[:10])  # fmt: skip
    assert code == 1 and "no open times" in output


def test_tickets_create_update_show_list(database_url: str) -> None:
    code, output = _run(database_url, "tickets", "create", "--subject", "Chipped tooth",
                        "--description", "Happened at dinner", "--person", "2",
                        "--priority", "urgent")  # fmt: skip
    assert code == 0, output
    engine = open_database(database_url)
    with Session(engine) as session:
        number = session.scalar(select(Ticket.number).where(Ticket.subject == "Chipped tooth"))
    engine.dispose()
    assert f"Opened ticket {number}." in output
    code, output = _run(database_url, "tickets", "update", str(number), "--status",
                        "in_progress", "--note", "Called back")  # fmt: skip
    assert code == 0 and "is in_progress" in output
    code, output = _run(database_url, "tickets", "show", str(number))
    assert "Chipped tooth" in output and "-> in_progress  Called back" in output
    code, output = _run(database_url, "tickets", "list", "--status", "in_progress")
    assert str(number) in output and str(SEEDED_TICKET) not in output
    code, output = _run(database_url, "tickets", "show", "99999")
    assert code == 1 and "couldn't find a ticket" in output
