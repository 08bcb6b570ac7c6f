"""`callwright orders`: a store's orders and returns, read and written from the command line."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import orders as order_actions
from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import (
    MISSING,
    business_option,
    clock,
    fail,
    open_engine,
    run,
    seeded_business_or_exit,
)
from callwright.store.business.crm import Person
from callwright.store.business.orders import Order, OrderReturn

orders_app = typer.Typer(help="A store's orders: list, show, start a return.", no_args_is_help=True)

BusinessSlug = business_option("retail")


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
    engine = open_engine(database_url)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
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
            clock(order.placed_at, zone),
            order.carrier or MISSING,
            order.tracking_number or MISSING,
            clock(order.delivered_at, zone),
        )
    console.print(table)


@orders_app.command("show")
def show_order(
    number: Annotated[str, typer.Argument(help="Order number, e.g. 100234.")],
    business: BusinessSlug,
    database_url: DatabaseUrl = None,
) -> None:
    """Show one order with its return, if one was started."""
    engine = open_engine(database_url)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
        zone = ZoneInfo(found.timezone)
        order = session.scalar(
            select(Order).where(Order.business_id == found.id, Order.number == number)
        )
        if order is None:
            fail(f"No order {number!r} in {business}; see `callwright orders list -b {business}`.")
        person = None if order.person_id is None else session.get(Person, order.person_id)
        order_return = session.scalar(select(OrderReturn).where(OrderReturn.order_id == order.id))
    console = Console()
    rows = [
        ("Order", order.number),
        ("Customer", _name(person)),
        ("Status", order.status),
        ("Total", str(order.total)),
        ("Placed", clock(order.placed_at, zone)),
        ("Shipped", clock(order.shipped_at, zone)),
        ("Delivered", clock(order.delivered_at, zone)),
        ("Carrier", order.carrier or MISSING),
        ("Tracking", order.tracking_number or MISSING),
    ]
    if order_return is not None:
        rows.append(
            (
                "Return",
                f"{order_return.status} since {clock(order_return.created_at, zone)}: "
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
    result = run(
        order_actions.start_return,
        database_url,
        business,
        "The return could not be started.",
        number,
        reason,
    )
    verb = "Started" if result.data["created"] else "Already started:"
    Console().print(f"{verb} return {result.data['return_id']} of order {number}.")


def _name(person: Person | None) -> str:
    return MISSING if person is None else f"{person.first_name} {person.last_name}"
