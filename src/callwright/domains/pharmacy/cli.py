"""`callwright prescriptions`: a pharmacy's prescriptions and refills from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import (
    CLOCK_FORMAT,
    business_option,
    clock,
    fail,
    open_engine,
    run,
    seeded_business_or_exit,
)
from callwright.domains.pharmacy import actions as pharmacy_actions
from callwright.domains.pharmacy.models import Prescription, RefillRequest
from callwright.store.business.crm import Person

prescriptions_app = typer.Typer(
    help="A pharmacy's prescriptions: list, show with refills, request a refill.",
    no_args_is_help=True,
)

BusinessSlug = business_option("pharmacy")


@prescriptions_app.command("list")
def list_prescriptions(
    business: BusinessSlug,
    person_id: Annotated[int | None, typer.Option(help="Only this person's.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List prescriptions by number, with the patient and refills left."""
    engine = open_engine(database_url)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
        query = (
            select(Prescription, Person)
            .join(Person, Prescription.person_id == Person.id)
            .where(Prescription.business_id == found.id)
            .order_by(Prescription.number)
        )
        if person_id is not None:
            query = query.where(Prescription.person_id == person_id)
        rows = session.execute(query).all()
    console = Console()
    if not rows:
        console.print(f"No prescriptions in {business}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Number", "Patient", "Drug", "Strength", "Prescriber", "Status"):
        table.add_column(heading, overflow="fold")
    table.add_column("Refills left", justify="right")
    for prescription, person in rows:
        table.add_row(
            prescription.number,
            f"{person.first_name} {person.last_name}",
            prescription.drug,
            prescription.strength,
            prescription.prescriber,
            prescription.status,
            str(prescription.refills_left),
        )
    console.print(table)


@prescriptions_app.command("show")
def show_prescription(
    number: Annotated[str, typer.Argument(help="Prescription number, e.g. 4417.")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Show one prescription with its refill requests, newest first."""
    engine = open_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
        zone = ZoneInfo(found.timezone)
        prescription = session.scalar(
            select(Prescription).where(
                Prescription.business_id == found.id, Prescription.number == number
            )
        )
        if prescription is None:
            fail(
                f"No prescription {number!r} in {business}; "
                f"see `callwright prescriptions list -b {business}`."
            )
        person = session.get(Person, prescription.person_id)
        requests = session.scalars(
            select(RefillRequest)
            .where(RefillRequest.prescription_id == prescription.id)
            .order_by(RefillRequest.requested_at.desc(), RefillRequest.id.desc())
        ).all()
    console = Console()
    for label, value in (
        ("Number", prescription.number),
        ("Patient", f"{person.first_name} {person.last_name}"),
        ("Drug", f"{prescription.drug} {prescription.strength}"),
        ("Prescriber", prescription.prescriber),
        ("Status", prescription.status),
        ("Refills", f"{prescription.refills_left} left"),
    ):
        console.print(Text.assemble((f"{label:<11}", "bold"), value))
    console.print(Text("\nRefill requests", style="bold"))
    if not requests:
        console.print("  (none)")
    for request in requests:
        console.print(
            f"  {clock(request.requested_at, zone)}  {request.status_at(now)}"
            f"  ready {clock(request.ready_at, zone)}"
        )


@prescriptions_app.command("refill")
def request_refill(
    number: Annotated[str, typer.Argument(help="Prescription number, e.g. 4417.")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Request a refill (the doctor is asked when no refills are left)."""
    result = run(
        pharmacy_actions.request_refill,
        database_url,
        business,
        "The refill could not be requested.",
        number,
    )
    data = result.data
    if data["needs_authorization"]:
        state = f"waiting for {data['prescriber']} to authorize it"
    else:
        ready_at = datetime.fromisoformat(data["ready_at"]).strftime(CLOCK_FORMAT)
        state = f"{data['status']}, ready {ready_at}"
    verb = "Requested" if data["created"] else "Already requested:"
    Console().print(f"{verb} refill {data['refill_id']} of prescription {number}: {state}.")
