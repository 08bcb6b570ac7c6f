"""REST routes for a business's CRM: people with their notes, and sales leads.

Also the pieces the other business routers share: running an action with its failures turned
into HTTP errors (finding the business of a path is in `business_lookup`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.actions import crm
from callwright.actions.registry import ActionContext, ActionResult
from callwright.api.business_lookup import require_business
from callwright.store.business.crm import Lead, Note, Person

BUSINESS_PREFIX = "/api/businesses/{slug}"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
FAILURE_STATUS = {"not_found": 404, "invalid": 422, "not_allowed": 422, "conflict": 409,
                  "ambiguous": 409}  # fmt: skip

Clock = Callable[[], datetime]
Disposition = Literal["handed_to_rep", "follow_up", "not_interested", "nurture"]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Offset = Annotated[int, Query(ge=0)]


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_action(
    action: Callable[..., ActionResult], engine: Engine, slug: str, now: datetime, **params: Any
) -> dict[str, Any]:
    """The action's data; its failure as an HTTP error (see `raise_failure`)."""
    with Session(engine) as session:
        require_business(session, slug)
    result = action(ActionContext(engine=engine, business=slug, now=now), **params)
    if not result.ok:
        raise_failure(result)
    return result.data


def raise_failure(result: ActionResult) -> NoReturn:
    """404 not found, 409 conflict or ambiguous, 422 invalid or not allowed; the detail is the
    action's error code and the sentence the agent would say."""
    status = FAILURE_STATUS.get(result.error or "", 500)
    raise HTTPException(status_code=status, detail=f"{result.error}: {result.message}")


class PersonIn(BaseModel):
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    birth_date: date | None = None
    phone: str | None = Field(None, description="Any format; stored as E.164.")
    email: str | None = None


class PersonOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    birth_date: date | None
    phone: str | None
    email: str | None
    created_at: datetime

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(
            id=person.id,
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=person.birth_date,
            phone=person.phone,
            email=person.email,
            created_at=person.created_at,
        )


class NoteIn(BaseModel):
    text: str = Field(min_length=1)


class NoteOut(BaseModel):
    id: int
    text: str
    created_at: datetime
    call_id: str | None


class PersonDetailOut(PersonOut):
    notes: list[NoteOut]


class LeadIn(BaseModel):
    """Lead fields; on PATCH only those sent change. `qualified` is computed, never sent."""

    person_id: int | None = None
    name: str | None = None
    company: str | None = None
    phone: str | None = None
    team_size: int | None = Field(None, ge=0)
    budget: str | None = None
    authority: bool | None = None
    need: str | None = None
    timeline_months: int | None = Field(None, ge=0)
    disposition: Disposition | None = None
    plan_recommended: str | None = None


class LeadOut(BaseModel):
    id: int
    person_id: int | None
    name: str | None
    company: str | None
    phone: str | None
    team_size: int | None
    budget: str | None
    authority: bool | None
    need: str | None
    timeline_months: int | None
    qualified: bool
    disposition: str | None
    plan_recommended: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, lead: Lead) -> LeadOut:
        return cls(id=lead.id, created_at=lead.created_at, updated_at=lead.updated_at,
                   **{k: v for k, v in crm.lead_data(lead).items() if k != "lead_id"})  # fmt: skip


def crm_router(engine: Engine, *, clock: Clock = utc_now) -> APIRouter:
    """Routes under /api/businesses/{slug}/people and /leads."""
    router = APIRouter(prefix=BUSINESS_PREFIX, tags=["crm"])

    @router.get("/people", response_model=list[PersonOut])
    def list_people(
        slug: str, phone: str | None = None, limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
    ) -> list[PersonOut]:
        """People by last then first name; `phone` (any format) narrows to that number."""
        with Session(engine) as session:
            business = require_business(session, slug)
            query = select(Person).where(Person.business_id == business.id)
            if phone is not None:
                query = query.where(Person.phone == crm.normalize_phone(phone))
            query = query.order_by(Person.last_name, Person.first_name, Person.id)
            return [PersonOut.of(p) for p in session.scalars(query.limit(limit).offset(offset))]

    @router.post("/people", response_model=PersonOut, status_code=201)
    def add_person(slug: str, body: PersonIn) -> PersonOut:
        with Session(engine) as session, session.begin():
            business = require_business(session, slug)
            try:
                person = crm.create_person(
                    session, business, **body.model_dump(), created_at=clock()
                )
            except ValueError as error:
                raise HTTPException(status_code=422, detail=str(error)) from error
            return PersonOut.of(person)

    @router.get("/people/{person_id}", response_model=PersonDetailOut)
    def show_person(slug: str, person_id: int) -> PersonDetailOut:
        with Session(engine) as session:
            person = _person(session, slug, person_id)
            notes = session.scalars(
                select(Note).where(Note.person_id == person.id).order_by(Note.created_at, Note.id)
            )
            return PersonDetailOut(
                **PersonOut.of(person).model_dump(),
                notes=[NoteOut(id=n.id, text=n.text, created_at=n.created_at, call_id=n.call_id)
                       for n in notes],
            )  # fmt: skip

    @router.post("/people/{person_id}/notes", response_model=NoteOut, status_code=201)
    def add_note(slug: str, person_id: int, body: NoteIn) -> NoteOut:
        data = run_action(crm.add_note, engine, slug, clock(), person_id=person_id, text=body.text)
        with Session(engine) as session:
            note = session.get_one(Note, data["note_id"])
            return NoteOut(
                id=note.id, text=note.text, created_at=note.created_at, call_id=note.call_id
            )

    @router.get("/leads", response_model=list[LeadOut])
    def list_leads(
        slug: str,
        qualified: bool | None = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> list[LeadOut]:
        """Leads, newest first; `qualified` narrows to qualified or unqualified ones."""
        with Session(engine) as session:
            business = require_business(session, slug)
            query = select(Lead).where(Lead.business_id == business.id)
            if qualified is not None:
                query = query.where(Lead.qualified == qualified)
            query = query.order_by(Lead.created_at.desc(), Lead.id.desc())
            return [LeadOut.of(lead) for lead in session.scalars(query.limit(limit).offset(offset))]

    @router.post("/leads", response_model=LeadOut, status_code=201)
    def add_lead(slug: str, body: LeadIn) -> LeadOut:
        data = run_action(crm.save_lead, engine, slug, clock(), **body.model_dump())
        return _lead(data["lead_id"])

    @router.patch("/leads/{lead_id}", response_model=LeadOut)
    def change_lead(slug: str, lead_id: int, body: LeadIn) -> LeadOut:
        fields = body.model_dump(exclude_unset=True)
        data = run_action(crm.save_lead, engine, slug, clock(), lead_id=lead_id, **fields)
        return _lead(data["lead_id"])

    def _lead(lead_id: int) -> LeadOut:
        with Session(engine) as session:
            return LeadOut.of(session.get_one(Lead, lead_id))

    return router


def _person(session: Session, slug: str, person_id: int) -> Person:
    business = require_business(session, slug)
    person = crm.person_in(session, business, person_id)
    if person is None:
        raise HTTPException(status_code=404, detail=f"no person {person_id} in {slug!r}")
    return person
