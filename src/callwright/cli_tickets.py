"""`callwright tickets`: list, show, create and update support tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import tickets
from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import BusinessSlug, act, business_or_exit, local, open_engine
from callwright.store.business.tickets import Ticket

tickets_app = typer.Typer(help="Support tickets: list, show, create, update.", no_args_is_help=True)
TicketNumber = Annotated[int, typer.Argument(metavar="NUMBER", help="The 5-digit number.")]


@tickets_app.command("list")
def list_tickets(
    business: BusinessSlug,
    status: Annotated[
        str | None, typer.Option(help=f"One of {', '.join(tickets.STATUSES)}.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List tickets, most recently updated first."""
    with Session(open_engine(database_url)) as session:
        found = business_or_exit(session, business)
        query = select(Ticket).where(Ticket.business_id == found.id)
        if status:
            query = query.where(Ticket.status == status)
        rows = [
            tickets.ticket_data(t, found)
            for t in session.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()))
        ]
    if not rows:
        Console().print(f"No tickets in {business!r}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Number", "Status", "Priority", "Subject", "Person", "Updated"):
        table.add_column(heading, no_wrap=heading == "Updated")
    for t in rows:
        table.add_row(
            str(t["number"]),
            t["status"],
            t["priority"],
            t["subject"],
            str(t["person_id"] or "—"),
            local(t["updated_at"]),
        )
    Console().print(table)


@tickets_app.command("show")
def show_ticket(
    number: TicketNumber, business: BusinessSlug, database_url: DatabaseUrl = None
) -> None:
    """Show a ticket and its history."""
    data = act(tickets.get, database_url, business, number=number)
    console = Console()
    console.print(f"[bold]Ticket {data['number']}[/bold]: {data['subject']}")
    for label in ("status", "priority", "person_id"):
        console.print(f"{label:<10}{data[label] if data[label] is not None else '—'}")
    console.print(f"{'opened':<10}{local(data['created_at'])}")
    console.print(data["description"], markup=False)
    for update in data["updates"]:
        change = f"-> {update['status']}  " if update["status"] else ""
        console.print(
            f"  {local(update['created_at'])}  {change}{update['note'] or ''}", markup=False
        )


@tickets_app.command("create")
def create_ticket(
    business: BusinessSlug,
    subject: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()] = "",
    person: Annotated[int | None, typer.Option(help="Person id.")] = None,
    priority: Annotated[str, typer.Option(help=f"One of {', '.join(tickets.PRIORITIES)}.")] = (
        "normal"
    ),
    database_url: DatabaseUrl = None,
) -> None:
    """Open a ticket; prints its number."""
    data = act(
        tickets.create,
        database_url,
        business,
        subject=subject,
        description=description,
        person_id=person,
        priority=priority,
    )
    Console().print(f"Opened ticket {data['number']}.")


@tickets_app.command("update")
def update_ticket(
    number: TicketNumber,
    business: BusinessSlug,
    status: Annotated[
        str | None, typer.Option(help=f"One of {', '.join(tickets.STATUSES)}.")
    ] = None,
    note: Annotated[str | None, typer.Option()] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a ticket's status and/or add a note."""
    data = act(tickets.update, database_url, business, number=number, status=status, note=note)
    Console().print(f"Ticket {data['number']} is {data['status']}.")
