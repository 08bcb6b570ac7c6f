"""`callwright prescriptions`: a pharmacy's prescriptions and refills from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.actions import pharmacy as pharmacy_actions
from callwright.actions.registry import ActionContext
from callwright.cli_calls import DatabaseUrl
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Person
from callwright.store.business.pharmacy import Prescription, RefillRequest
from callwright.store.database import DatabaseError, open_database

prescriptions_app = typer.Typer(
    help="A pharmacy's prescriptions: list, show with refills, request a refill.",
    no_args_is_help=True,
)

BusinessSlug = Annotated[
    str, typer.Option("--business", "-b", help="The business (agent name), e.g. pharmacy.")
]
TIME_FORMAT = "%Y-%m-%d %H:%M"
MISSING = "—"


@prescriptions_app.command("list")
def list_prescriptions(
    business: BusinessSlug,
    person_id: Annotated[int | None, typer.Option(help="Only this person's.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List prescriptions by number, with the patient and refills left."""
    engine = _engine(database_url)
    with Session(engine) as session:
        found = _business(session, business)
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
    engine = _engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        found = _business(session, business)
        zone = ZoneInfo(found.timezone)
        prescription = session.scalar(
            select(Prescription).where(
                Prescription.business_id == found.id, Prescription.number == number
            )
        )
        if prescription is None:
            _fail(
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
            f"  {_clock(request.requested_at, zone)}  {request.status_at(now)}"
            f"  ready {_clock(request.ready_at, zone)}"
        )


@prescriptions_app.command("refill")
def request_refill(
    number: Annotated[str, typer.Argument(help="Prescription number, e.g. 4417.")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Request a refill (the doctor is asked when no refills are left)."""
    context = ActionContext(engine=_engine(database_url), business=business, now=datetime.now(UTC))
    try:
        result = pharmacy_actions.request_refill(context, number)
    except LookupError as error:
        _fail(str(error))
    if not result.ok:
        _fail(result.message or "The refill could not be requested.")
    data = result.data
    if data["needs_authorization"]:
        state = f"waiting for {data['prescriber']} to authorize it"
    else:
        ready_at = datetime.fromisoformat(data["ready_at"]).strftime(TIME_FORMAT)
        state = f"{data['status']}, ready {ready_at}"
    verb = "Requested" if data["created"] else "Already requested:"
    Console().print(f"{verb} refill {data['refill_id']} of prescription {number}: {state}.")


def _engine(database_url: str | None) -> Engine:
    try:
        return open_database(database_url)
    except DatabaseError as error:
        _fail(str(error))


def _business(session: Session, slug: str) -> Business:
    business = session.scalar(select(Business).where(Business.slug == slug))
    if business is None:
        _fail(f"No business {slug!r}; seed the demo data with `callwright seed`.")
    return business


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(Text(message, style="red"))
    raise typer.Exit(1)


def _clock(moment: datetime | None, zone: ZoneInfo) -> str:
    return MISSING if moment is None else moment.astimezone(zone).strftime(TIME_FORMAT)
