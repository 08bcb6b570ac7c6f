"""What the business record commands (`people`, `leads`, `appointments`, `tickets`) share:
the --business option, opening the database, running an action and reporting its failure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

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
MISSING = "—"


def fail(message: str) -> NoReturn:
    Console(stderr=True).print(Text(message, style="red"))
    raise typer.Exit(1)


def open_engine(database_url: str | None) -> Engine:
    try:
        return open_database(database_url)
    except DatabaseError as error:
        fail(str(error))


def business_or_exit(session: Session, slug: str) -> Business:
    try:
        return business_for(session, slug)
    except UnknownBusiness as error:
        fail(str(error))


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


def local(moment: str | datetime | None) -> str:
    """An ISO string or datetime as "Tue 2026-12-01 10:00" in the zone it carries."""
    if moment is None:
        return MISSING
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return value.strftime(TIME_FORMAT)
