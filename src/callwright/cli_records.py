"""What the business record commands (`people`, `leads`, `appointments`, `tickets`, `orders`,
`prescriptions`, `cards`) share: the --business option, opening the database, finding the
business, running an action and reporting its failure, and showing moments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callwright.actions.crm import UnknownBusiness, business_for
from callwright.actions.registry import ActionContext, ActionResult
from callwright.store.business.businesses import Business
from callwright.store.database import DatabaseError, open_database

BusinessSlug = Annotated[
    str, typer.Option("--business", "-b", help="Business (agent) slug, e.g. dental.")
]
TIME_FORMAT = "%a %Y-%m-%d %H:%M"
CLOCK_FORMAT = "%Y-%m-%d %H:%M"
MISSING = "—"


def business_option(example: str) -> Any:
    """A --business option whose help names an example slug (`orders`, `prescriptions`, `cards`)."""
    return Annotated[
        str, typer.Option("--business", "-b", help=f"The business (agent name), e.g. {example}.")
    ]


def fail(message: str) -> NoReturn:
    Console(stderr=True).print(Text(message, style="red"))
    raise typer.Exit(1)


def open_engine(database_url: str | None) -> Engine:
    try:
        return open_database(database_url)
    except DatabaseError as error:
        fail(str(error))


def business_or_exit(session: Session, slug: str, *, unknown: str | None = None) -> Business:
    """The business with this slug; ends the command with `unknown` (default: the lookup's
    sentence) if there is none."""
    try:
        return business_for(session, slug)
    except UnknownBusiness as error:
        fail(unknown or str(error))


def seeded_business_or_exit(session: Session, slug: str) -> Business:
    """The business with this slug; ends the command telling to seed it if there is none."""
    return business_or_exit(
        session, slug, unknown=f"No business {slug!r}; seed the demo data with `callwright seed`."
    )


def act(
    action: Callable[..., ActionResult], database_url: str | None, slug: str, **params: Any
) -> dict[str, Any]:
    """Run an action now; its failure ends the command with the action's sentence."""
    engine = open_engine(database_url)
    with Session(engine) as session:
        business_or_exit(session, slug)
    result = action(ActionContext(engine=engine, business=slug, now=datetime.now(UTC)), **params)
    if not result.ok:
        fail(f"{result.message} ({result.error})")
    return result.data


def run(
    action: Callable[..., ActionResult],
    database_url: str | None,
    slug: str,
    failure: str,
    *args: Any,
    **params: Any,
) -> ActionResult:
    """Run an action now without checking the business first; a lookup error or a failure ends
    the command with the error's or the action's sentence (`failure` when it has none)."""
    context = ActionContext(engine=open_engine(database_url), business=slug, now=datetime.now(UTC))
    try:
        result = action(context, *args, **params)
    except LookupError as error:
        fail(str(error))
    if not result.ok:
        fail(result.message or failure)
    return result


def clock(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment as "2026-12-01 10:00" in the business's zone."""
    return MISSING if moment is None else moment.astimezone(zone).strftime(CLOCK_FORMAT)


def local(moment: str | datetime | None) -> str:
    """An ISO string or datetime as "Tue 2026-12-01 10:00" in the zone it carries."""
    if moment is None:
        return MISSING
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return value.strftime(TIME_FORMAT)
