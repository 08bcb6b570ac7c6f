"""`callwright appointments`: list, find free slots, book, reschedule and cancel."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import scheduling
from callwright.actions.crm import zone_of
from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import BusinessSlug, act, business_or_exit, local, open_engine
from callwright.store.business.crm import Person
from callwright.store.business.scheduling import BOOKED, Appointment

appointments_app = typer.Typer(
    help="Appointments: list, free slots, book, reschedule, cancel.", no_args_is_help=True
)
AppointmentId = Annotated[int, typer.Argument(metavar="ID", help="From `appointments list`.")]
StartsAt = Annotated[
    str,
    typer.Option("--at", help="Start, ISO: 2026-12-01T10:00 (business time) or with an offset."),
]


@appointments_app.command("list")
def list_appointments(
    business: BusinessSlug,
    person: Annotated[int | None, typer.Option(help="Only this person's (id).")] = None,
    day: Annotated[str | None, typer.Option(help="Only this day, YYYY-MM-DD.")] = None,
    include_cancelled: Annotated[bool, typer.Option("--all", help="Cancelled too.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List appointments by start time, in the business's time zone."""
    with Session(open_engine(database_url)) as session:
        found = business_or_exit(session, business)
        zone = zone_of(found)
        query = select(Appointment).where(Appointment.business_id == found.id)
        if person is not None:
            query = query.where(Appointment.person_id == person)
        if not include_cancelled:
            query = query.where(Appointment.status == BOOKED)
        if day:
            try:
                start = datetime.combine(date.fromisoformat(day), time(0), tzinfo=zone)
            except ValueError:
                raise typer.BadParameter(f"{day!r} is not a date like 2026-12-01") from None
            query = query.where(
                Appointment.starts_at >= start, Appointment.starts_at < start + timedelta(days=1)
            )
        rows = []
        for a in session.scalars(query.order_by(Appointment.starts_at, Appointment.id)):
            data = scheduling.appointment_data(session, a, zone)
            who = session.get_one(Person, a.person_id)
            rows.append((data, f"{who.first_name} {who.last_name}"))
    if not rows:
        Console().print(f"No appointments in {business!r}.")
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"times in {zone.key}")
    for heading in ("ID", "Starts", "Ends", "Person", "Provider", "Type", "Status"):
        table.add_column(heading, no_wrap=heading in ("Starts", "Ends"))
    for data, name in rows:
        table.add_row(
            str(data["appointment_id"]),
            local(data["starts_at"]),
            local(data["ends_at"])[-5:],
            name,
            data["provider"],
            data["appointment_type"],
            data["status"],
        )
    Console().print(table)


@appointments_app.command("slots")
def find_slots(
    business: BusinessSlug,
    appointment_type: Annotated[str, typer.Option("--type", help="e.g. cleaning")],
    provider: Annotated[str | None, typer.Option(help='e.g. "Dr. Chen"')] = None,
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: the next 14 days")] = None,
    limit: Annotated[int, typer.Option(min=1, max=scheduling.MAX_SLOT_LIMIT)] = 10,
    database_url: DatabaseUrl = None,
) -> None:
    """Show free slots, earliest first."""
    data = act(
        scheduling.find_slots,
        database_url,
        business,
        appointment_type=appointment_type,
        provider=provider,
        day=day,
        limit=limit,
    )
    for slot in data["slots"]:
        Console().print(f"{slot['starts_at']}  {slot['provider']:<20}  {slot['spoken']}")


@appointments_app.command("book")
def book(
    business: BusinessSlug,
    person: Annotated[int, typer.Option(help="Person id, from `people list`.")],
    appointment_type: Annotated[str, typer.Option("--type", help="e.g. cleaning")],
    starts_at: StartsAt,
    provider: Annotated[str | None, typer.Option(help="Default: whoever is free.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Book an appointment; refused when taken, outside working hours or in the past."""
    data = act(
        scheduling.book,
        database_url,
        business,
        person_id=person,
        appointment_type=appointment_type,
        starts_at=starts_at,
        provider=provider,
    )
    Console().print(
        f"Booked appointment {data['appointment_id']}: {data['appointment_type']} with "
        f"{data['provider']} on {data['spoken']}."
    )


@appointments_app.command("reschedule")
def reschedule(
    appointment_id: AppointmentId,
    business: BusinessSlug,
    starts_at: StartsAt,
    provider: Annotated[str | None, typer.Option(help="Default: the same provider.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move an appointment."""
    data = act(
        scheduling.reschedule,
        database_url,
        business,
        appointment_id=appointment_id,
        starts_at=starts_at,
        provider=provider,
    )
    Console().print(
        f"Moved appointment {appointment_id} from {data['previous_starts_at']} to "
        f"{data['spoken']} with {data['provider']}."
    )


@appointments_app.command("cancel")
def cancel(
    appointment_id: AppointmentId, business: BusinessSlug, database_url: DatabaseUrl = None
) -> None:
    """Cancel an appointment."""
    data = act(scheduling.cancel, database_url, business, appointment_id=appointment_id)
    Console().print(f"Cancelled appointment {appointment_id} on {data['spoken']}.")
