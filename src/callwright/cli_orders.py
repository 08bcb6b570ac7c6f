"""`callwright orders`: a store's orders and returns, read and written from the command line."""

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

from callwright.actions import orders as order_actions
from callwright.actions.registry import ActionContext
from callwright.cli_calls import DatabaseUrl
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Person
from callwright.store.business.orders import Order, OrderReturn
from callwright.store.database import DatabaseError, open_database

orders_app = typer.Typer(help="A store's orders: list, show, start a return.", no_args_is_help=True)

BusinessSlug = Annotated[
    str, typer.Option("--business", "-b", help="The business (agent name), e.g. retail.")
]
TIME_FORMAT = "%Y-%m-%d %H:%M"
MISSING = "—"


@orders_app.command("list")
def list_orders(
    business: BusinessSlug,
    status: Annotated[
        str | None, typer.Option(help="Only this status: processing, shipped, delivered...")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many orders to show.")] = 50,
    database_url: DatabaseUrl = None,
) -> None:
    """List orders, newest first, with their customer and delivery."""
    engine = _engine(database_url)
    with Session(engine) as session:
        found = _business(session, business)
        zone = ZoneInfo(found.timezone)
        query = (
            select(Order, Person)
            .outerjoin(Person, Order.person_id == Person.id)
            .where(Order.business_id == found.id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(Order.status == status)
        rows = session.execute(query).all()
    console = Console()
    if not rows:
        console.print(f"No orders in {business}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Number", "Customer", "Status", "Total", "Placed", "Carrier", "Tracking"):
        table.add_column(heading, overflow="fold")
    table.add_column("Delivered", no_wrap=True)
    for order, person in rows:
        table.add_row(
            order.number,
            _name(person),
            order.status,
            str(order.total),
            _clock(order.placed_at, zone),
            order.carrier or MISSING,
            order.tracking_number or MISSING,
            _clock(order.delivered_at, zone),
        )
    console.print(table)


@orders_app.command("show")
def show_order(
    number: Annotated[str, typer.Argument(help="Order number, e.g. 100234.")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Show one order with its return, if one was started."""
    engine = _engine(database_url)
    with Session(engine) as session:
        found = _business(session, business)
        zone = ZoneInfo(found.timezone)
        order = session.scalar(
            select(Order).where(Order.business_id == found.id, Order.number == number)
        )
        if order is None:
            _fail(f"No order {number!r} in {business}; see `callwright orders list -b {business}`.")
        person = None if order.person_id is None else session.get(Person, order.person_id)
        order_return = session.scalar(select(OrderReturn).where(OrderReturn.order_id == order.id))
    console = Console()
    rows = [
        ("Order", order.number),
        ("Customer", _name(person)),
        ("Status", order.status),
        ("Total", str(order.total)),
        ("Placed", _clock(order.placed_at, zone)),
        ("Shipped", _clock(order.shipped_at, zone)),
        ("Delivered", _clock(order.delivered_at, zone)),
        ("Carrier", order.carrier or MISSING),
        ("Tracking", order.tracking_number or MISSING),
    ]
    if order_return is not None:
        rows.append(
            (
                "Return",
                f"{order_return.status} since {_clock(order_return.created_at, zone)}: "
                f"{order_return.reason}"
                + (" (refund eligible)" if order_return.refund_eligible else ""),
            )
        )
    for label, value in rows:
        console.print(Text.assemble((f"{label:<10}", "bold"), value))


@orders_app.command("return")
def start_return(
    number: Annotated[str, typer.Argument(help="Order number, e.g. 100587.")],
    business: BusinessSlug,
    reason: Annotated[str, typer.Option(help="Why the customer returns it.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Start a return by the store's return policy (the same rule the phone agent follows)."""
    context = ActionContext(engine=_engine(database_url), business=business, now=datetime.now(UTC))
    try:
        result = order_actions.start_return(context, number, reason)
    except LookupError as error:
        _fail(str(error))
    if not result.ok:
        _fail(result.message or "The return could not be started.")
    verb = "Started" if result.data["created"] else "Already started:"
    Console().print(f"{verb} return {result.data['return_id']} of order {number}.")


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


def _name(person: Person | None) -> str:
    return MISSING if person is None else f"{person.first_name} {person.last_name}"


def _clock(moment: datetime | None, zone: ZoneInfo) -> str:
    return MISSING if moment is None else moment.astimezone(zone).strftime(TIME_FORMAT)
