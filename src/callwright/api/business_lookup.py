"""Finding the business a route's path names, and running an action for it: an unknown
business is a 404 in every business router."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callwright.actions.crm import UnknownBusiness, business_for
from callwright.actions.registry import ActionContext, ActionResult
from callwright.store.business.businesses import Business


def require_business(session: Session, slug: str, *, detail: str | None = None) -> Business:
    """The business with this slug; 404 with `detail` (default: the lookup's sentence) if none."""
    try:
        return business_for(session, slug)
    except UnknownBusiness as error:
        raise HTTPException(status_code=404, detail=detail or str(error)) from error


def seeded_business(session: Session, slug: str) -> Business:
    """The business with this slug; 404 telling to seed it if none (orders, pharmacy, cards)."""
    return require_business(
        session, slug, detail=f"no business {slug!r}; seed it with `callwright seed`"
    )


def act_for(
    engine: Engine,
    slug: str,
    now: datetime,
    action: Callable[..., ActionResult],
    *args: Any,
    **params: Any,
) -> ActionResult:
    """The action's result as it is (failures included); an unknown business is a 404."""
    context = ActionContext(engine=engine, business=slug, now=now)
    try:
        return action(context, *args, **params)
    except UnknownBusiness as error:
        raise HTTPException(status_code=404, detail=f"no business {slug!r}") from error
