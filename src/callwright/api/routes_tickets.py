"""REST routes for a business's support tickets: list, open, show with history, update."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.actions import tickets
from callwright.api.business_lookup import require_business
from callwright.api.routes_crm import (
    BUSINESS_PREFIX,
    DEFAULT_PAGE_SIZE,
    Clock,
    Limit,
    Offset,
    run_action,
    utc_now,
)
from callwright.store.business.tickets import Ticket

Status = Literal["open", "in_progress", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]


class TicketIn(BaseModel):
    subject: str = Field(min_length=1)
    description: str = ""
    person_id: int | None = None
    priority: Priority = "normal"


class TicketPatch(BaseModel):
    status: Status | None = None
    note: str | None = Field(None, description="Added to the ticket's history.")


class TicketOut(BaseModel):
    number: int
    spoken_number: str
    person_id: int | None
    subject: str
    description: str
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime


class TicketUpdateOut(BaseModel):
    status: str | None
    note: str | None
    created_at: datetime


class TicketDetailOut(TicketOut):
    updates: list[TicketUpdateOut]


def tickets_router(engine: Engine, *, clock: Clock = utc_now) -> APIRouter:
    """Routes under /api/businesses/{slug}/tickets."""
    router = APIRouter(prefix=BUSINESS_PREFIX, tags=["tickets"])

    @router.get("/tickets", response_model=list[TicketOut])
    def list_tickets(
        slug: str,
        status: Status | None = None,
        person_id: int | None = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> list[TicketOut]:
        """Tickets, most recently updated first."""
        with Session(engine) as session:
            business = require_business(session, slug)
            query = select(Ticket).where(Ticket.business_id == business.id)
            if status is not None:
                query = query.where(Ticket.status == status)
            if person_id is not None:
                query = query.where(Ticket.person_id == person_id)
            query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            return [
                TicketOut(**tickets.ticket_data(t, business))
                for t in session.scalars(query.limit(limit).offset(offset))
            ]

    @router.post("/tickets", response_model=TicketOut, status_code=201)
    def open_ticket(slug: str, body: TicketIn) -> TicketOut:
        return TicketOut(**run_action(tickets.create, engine, slug, clock(), **body.model_dump()))

    @router.get("/tickets/{number}", response_model=TicketDetailOut)
    def show_ticket(slug: str, number: int) -> TicketDetailOut:
        return TicketDetailOut(**run_action(tickets.get, engine, slug, clock(), number=number))

    @router.patch("/tickets/{number}", response_model=TicketOut)
    def change_ticket(slug: str, number: int, body: TicketPatch) -> TicketOut:
        if body.status is None and not body.note:
            raise HTTPException(status_code=422, detail="send a new status, a note, or both")
        data = run_action(
            tickets.update, engine, slug, clock(), number=number, status=body.status,
            note=body.note,
        )  # fmt: skip
        return TicketOut(**data)

    return router
