"""`callwright people` and `callwright leads`: a business's CRM records from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import crm
from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import (
    MISSING,
    BusinessSlug,
    act,
    business_or_exit,
    fail,
    local,
    open_engine,
)
from callwright.store.business.crm import Lead, Note, Person

people_app = typer.Typer(
    help="People (patients, customers): list, show, add, note.", no_args_is_help=True
)
leads_app = typer.Typer(help="Sales leads and their qualification.", no_args_is_help=True)


@people_app.command("list")
def list_people(
    business: BusinessSlug,
    phone: Annotated[str | None, typer.Option(help="Only this number (any format).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List people by name."""
    with Session(open_engine(database_url)) as session:
        found = business_or_exit(session, business)
        query = select(Person).where(Person.business_id == found.id)
        if phone:
            query = query.where(Person.phone == crm.normalize_phone(phone))
        people = session.scalars(query.order_by(Person.last_name, Person.first_name)).all()
    if not people:
        Console().print(f"No people in {business!r}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("ID", "Name", "Born", "Phone", "Email"):
        table.add_column(heading)
    for p in people:
        table.add_row(
            str(p.id),
            f"{p.first_name} {p.last_name}",
            _day(p.birth_date),
            p.phone or MISSING,
            p.email or MISSING,
        )
    Console().print(table)


@people_app.command("show")
def show_person(
    person_id: Annotated[int, typer.Argument(metavar="ID")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Show one person and their notes."""
    with Session(open_engine(database_url)) as session:
        person = crm.person_in(session, business_or_exit(session, business), person_id)
        if person is None:
            fail(f"No person {person_id} in {business!r}; see `callwright people list`.")
        notes = session.scalars(select(Note).where(Note.person_id == person.id).order_by(Note.id))
        console = Console()
        console.print(f"[bold]{person.first_name} {person.last_name}[/bold]  (id {person.id})")
        console.print(f"Born  {_day(person.birth_date)}\nPhone {person.phone or MISSING}")
        console.print(f"Email {person.email or MISSING}\n[bold]Notes[/bold]")
        for note in notes:
            console.print(f"  {local(note.created_at)}  {note.text}", markup=False)


@people_app.command("add")
def add_person(
    business: BusinessSlug,
    first_name: Annotated[str, typer.Option()],
    last_name: Annotated[str, typer.Option()],
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a person; prints their id."""
    with Session(open_engine(database_url)) as session, session.begin():
        found = business_or_exit(session, business)
        try:
            person = crm.create_person(
                session,
                found,
                first_name=first_name,
                last_name=last_name,
                birth_date=birth_date,
                phone=phone,
                email=email,
                created_at=datetime.now(UTC),
            )
        except ValueError as error:
            fail(f"Cannot add this person: {error}.")
        Console().print(f"Added person {person.id}: {person.first_name} {person.last_name}")


@people_app.command("note")
def add_note(
    person_id: Annotated[int, typer.Argument(metavar="ID")],
    text: Annotated[str, typer.Argument(metavar="TEXT")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a note to a person."""
    data = act(crm.add_note, database_url, business, person_id=person_id, text=text)
    Console().print(f"Added note {data['note_id']} to person {person_id}.")


@leads_app.command("list")
def list_leads(
    business: BusinessSlug,
    qualified: Annotated[bool, typer.Option("--qualified", help="Only qualified leads.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List leads, newest first."""
    with Session(open_engine(database_url)) as session:
        found = business_or_exit(session, business)
        query = select(Lead).where(Lead.business_id == found.id)
        if qualified:
            query = query.where(Lead.qualified.is_(True))
        leads = session.scalars(query.order_by(Lead.created_at.desc(), Lead.id.desc())).all()
    if not leads:
        Console().print(f"No leads in {business!r}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in (
        "ID",
        "Name",
        "Company",
        "Team",
        "Budget",
        "Months",
        "Qualified",
        "Disposition",
        "Plan",
    ):
        table.add_column(heading)
    for lead in leads:
        table.add_row(
            str(lead.id),
            lead.name or MISSING,
            lead.company or MISSING,
            _number(lead.team_size),
            lead.budget or MISSING,
            _number(lead.timeline_months),
            "yes" if lead.qualified else "no",
            lead.disposition or MISSING,
            lead.plan_recommended or MISSING,
        )
    Console().print(table)


def _day(value: date | None) -> str:
    return value.isoformat() if value else MISSING


def _number(value: int | None) -> str:
    return MISSING if value is None else str(value)
