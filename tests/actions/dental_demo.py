"""The dental demo of issue 3 (plus a ticket and a lead) seeded into a fresh database.

Pinned clock: Monday 2026-11-30 09:00 in Chicago (CST, UTC-6); "next Tuesday" is 2026-12-01.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callwright.actions.crm import seed_crm
from callwright.actions.registry import ActionContext
from callwright.actions.scheduling import seed_scheduling
from callwright.actions.tickets import seed_tickets
from callwright.store.business.businesses import Business

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 30)  # a Monday
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=CHICAGO)
MARIA_TUESDAY_CLEANING = "2026-12-01T10:00:00-06:00"
SEEDED_TICKET = 40213

CRM = {
    "people": [
        {"first_name": "Maria", "last_name": "Lopez", "birth_date": "1985-03-14",
         "phone": "+15551230001", "notes": ["Prefers morning appointments"]},
        {"first_name": "James", "last_name": "Wilson", "birth_date": "1972-11-02",
         "phone": "+15551230002"},
    ],
    "leads": [
        {"name": "Pat Doe", "company": "Initech", "phone": "(555) 123-9999", "team_size": 25,
         "budget": "2000 a month", "authority": True, "need": "dashboards",
         "timeline_months": 2, "disposition": "handed_to_rep", "plan_recommended": "Team"},
    ],
}  # fmt: skip
SCHEDULING = {
    "working_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00",
                       "end": "17:00"}],
    "providers": [{"name": "Dr. Sarah Chen"}, {"name": "Dr. Omar Patel"}],
    "appointment_types": [
        {"name": "cleaning", "duration_minutes": 60},
        {"name": "checkup", "duration_minutes": 30},
        {"name": "filling", "duration_minutes": 60},
    ],
    "appointments": [
        {"person": "+15551230001", "provider": "Dr. Sarah Chen", "type": "cleaning",
         "starts_at": MARIA_TUESDAY_CLEANING},
    ],
}  # fmt: skip
TICKETS = {
    "tickets": [
        {"number": SEEDED_TICKET, "subject": "Billing question", "person": "Maria Lopez",
         "description": "Charged twice for the November cleaning", "priority": "high",
         "notes": ["Asked billing to check"]},
    ],
}  # fmt: skip


def seed_dental(engine: Engine, slug: str = "dental") -> None:
    """Create the business and its records (tables must exist)."""
    with Session(engine) as session, session.begin():
        business = Business(slug=slug, name="Bright Smile Dental", timezone=CHICAGO.key)
        session.add(business)
        session.flush()
        seed_crm(session, business, CRM, TODAY)
        seed_scheduling(session, business, SCHEDULING, TODAY)
        seed_tickets(session, business, TICKETS, TODAY)


def context(engine: Engine, now: datetime = NOW, call_id: str | None = None) -> ActionContext:
    return ActionContext(engine=engine, business="dental", now=now, call_id=call_id)
