"""Ticketing actions: open a support ticket, look it up by number, update it, list a person's.

A ticket number is five digits, random per business (10000-99999), so it is short to say and
hard to guess; `spoken_number` ("4 0 2 1 3") is how the agent reads it out, digit by digit.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callwright.actions.crm import (
    as_int,
    business_for,
    person_by_reference,
    person_in,
    start_of_day,
    zone_of,
)
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.store.business.businesses import Business
from callwright.store.business.tickets import Ticket, TicketUpdate

FIRST_NUMBER = 10000
LAST_NUMBER = 99999
NUMBER_ATTEMPTS = 20  # random draws before giving up on a free number
STATUSES = ("open", "in_progress", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
SPOKEN_STATUS = {
    "open": "open",
    "in_progress": "being worked on",
    "resolved": "resolved",
    "closed": "closed",
}


def create(
    context: ActionContext,
    subject: str,
    description: str,
    person_id: int | None = None,
    priority: str = "normal",
    call_id: str | None = None,
) -> ActionResult:
    """Open a ticket; returns its `number`. The same subject and description again during the
    same call returns the ticket already opened, so a retry opens no duplicate."""
    subject, description = str(subject or "").strip(), str(description or "").strip()
    if not subject:
        return ActionResult.failure("invalid", "I need a short summary of the problem first.")
    if priority not in PRIORITIES:
        return ActionResult.failure("invalid", "I can't set that priority.")
    call_id = call_id or context.call_id
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        person = None
        if person_id is not None:
            person = person_in(session, business, person_id)
            if person is None:
                return ActionResult.failure("not_found", "I couldn't find that person's record.")
        if call_id is not None:
            earlier = session.scalar(
                select(Ticket).where(
                    Ticket.business_id == business.id,
                    Ticket.call_id == call_id,
                    Ticket.subject == subject,
                    Ticket.description == description,
                )
            )
            if earlier is not None:
                return ActionResult.success(**ticket_data(earlier, business), already_open=True)
        for _ in range(NUMBER_ATTEMPTS):
            ticket = Ticket(
                business_id=business.id,
                number=FIRST_NUMBER + secrets.randbelow(LAST_NUMBER - FIRST_NUMBER + 1),
                person_id=None if person is None else person.id,
                subject=subject,
                description=description,
                status="open",
                priority=priority,
                created_at=context.now,
                updated_at=context.now,
                call_id=call_id,
            )
            session.add(ticket)
            try:
                session.commit()
            except IntegrityError:  # the number is taken: draw another
                session.rollback()
                continue
            return ActionResult.success(**ticket_data(ticket, business))
    raise RuntimeError(
        f"no free ticket number for {context.business!r} after {NUMBER_ATTEMPTS} tries; "
        "close and archive old tickets"
    )


def get(context: ActionContext, number: int | str) -> ActionResult:
    """A ticket by number ("40213", "T-40213", 40213), with its updates, oldest first."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        ticket = ticket_in(session, business, number)
        if ticket is None:
            return _not_found()
        updates = [
            update_data(u, business)
            for u in session.scalars(
                select(TicketUpdate)
                .where(TicketUpdate.ticket_id == ticket.id)
                .order_by(TicketUpdate.created_at, TicketUpdate.id)
            )
        ]
        return ActionResult.success(**ticket_data(ticket, business), updates=updates)


def update(
    context: ActionContext, number: int | str, status: str | None = None, note: str | None = None
) -> ActionResult:
    """Change a ticket's status, add a note, or both; each update is kept in its history."""
    note = str(note).strip() if note else None
    if status is None and not note:
        return ActionResult.failure("invalid", "What would you like me to change on the ticket?")
    if status is not None and status not in STATUSES:
        return ActionResult.failure(
            "invalid", "A ticket can be open, in progress, resolved or closed."
        )
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        ticket = ticket_in(session, business, number)
        if ticket is None:
            return _not_found()
        if status is not None:
            ticket.status = status
        ticket.updated_at = context.now
        session.add(
            TicketUpdate(
                business_id=business.id,
                ticket_id=ticket.id,
                status=status,
                note=note,
                created_at=context.now,
                call_id=context.call_id,
            )
        )
        session.commit()
        return ActionResult.success(**ticket_data(ticket, business))


def list_for(context: ActionContext, person_id: int) -> ActionResult:
    """A person's tickets, newest first; none is a "not_found" failure with a sentence to say."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        person = person_in(session, business, person_id)
        if person is None:
            return ActionResult.failure("not_found", "I couldn't find that person's record.")
        found = [
            ticket_data(t, business)
            for t in session.scalars(
                select(Ticket)
                .where(Ticket.business_id == business.id, Ticket.person_id == person.id)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            )
        ]
        if not found:
            return ActionResult.failure("not_found", "I don't see any tickets for you.", tickets=[])
        return ActionResult.success(tickets=found, count=len(found))


def ticket_in(session: Session, business: Business, number: Any) -> Ticket | None:
    try:
        wanted = as_int(number)
    except ValueError:
        return None
    return session.scalar(
        select(Ticket).where(Ticket.business_id == business.id, Ticket.number == wanted)
    )


def ticket_data(ticket: Ticket, business: Business) -> dict[str, Any]:
    zone = zone_of(business)
    return {
        "number": ticket.number,
        "spoken_number": " ".join(str(ticket.number)),
        "person_id": ticket.person_id,
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "spoken_status": SPOKEN_STATUS[ticket.status],
        "priority": ticket.priority,
        "created_at": ticket.created_at.astimezone(zone).isoformat(),
        "updated_at": ticket.updated_at.astimezone(zone).isoformat(),
    }


def update_data(ticket_update: TicketUpdate, business: Business) -> dict[str, Any]:
    return {
        "status": ticket_update.status,
        "note": ticket_update.note,
        "created_at": ticket_update.created_at.astimezone(zone_of(business)).isoformat(),
    }


def _not_found() -> ActionResult:
    return ActionResult.failure(
        "not_found", "I couldn't find a ticket with that number. Could you read it to me again?"
    )


def seed_tickets(session: Session, business: Business, data: dict, today: date) -> None:
    """Insert the tickets of a demo data `tickets:` section.

    Shape::

        tickets:
          - {number: 40213, subject: Billing question, description: "Charged twice in May",
             person: "+15551230001", status: in_progress, priority: normal,
             created_at: "2026-11-20T09:30:00-06:00", notes: ["Refund requested"]}

    Only `number`, `subject` and `description` are required; `person` is a phone number or
    "First Last" from the `crm:` section; `created_at` defaults to midnight of `today` in the
    business's zone, and each note is an update stamped then.
    """
    for entry in data.get("tickets", []):
        status, priority = entry.get("status", "open"), entry.get("priority", "normal")
        if status not in STATUSES or priority not in PRIORITIES:
            raise ValueError(
                f"ticket {entry.get('number')}: status must be one of {STATUSES} and priority "
                f"one of {PRIORITIES}"
            )
        number = int(entry["number"])
        if not FIRST_NUMBER <= number <= LAST_NUMBER:
            raise ValueError(f"ticket number {number} is not between {FIRST_NUMBER}-{LAST_NUMBER}")
        created_at = start_of_day(today, business)
        if entry.get("created_at"):
            created_at = datetime.fromisoformat(str(entry["created_at"]))
            if created_at.tzinfo is None:
                created_at = created_at.replace(tzinfo=zone_of(business))
        reference = entry.get("person")
        ticket = Ticket(
            business_id=business.id,
            number=number,
            person_id=None
            if reference is None
            else person_by_reference(session, business, reference).id,
            subject=entry["subject"],
            description=entry["description"],
            status=status,
            priority=priority,
            created_at=created_at,
            updated_at=created_at,
        )
        session.add(ticket)
        session.flush()
        for note in entry.get("notes", []):
            session.add(
                TicketUpdate(
                    business_id=business.id, ticket_id=ticket.id, note=note, created_at=created_at
                )
            )
    session.flush()


def register(registry: ActionRegistry) -> None:
    registry.register("tickets.create", create)
    registry.register("tickets.get", get, retry_safe=True, reads_only=True)
    registry.register("tickets.update", update)
    registry.register("tickets.list_for", list_for, retry_safe=True, reads_only=True)
