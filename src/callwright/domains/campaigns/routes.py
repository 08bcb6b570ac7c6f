"""The campaigns API, under /api/campaigns, and the do-not-call list, under /api/do-not-call.

Creating a campaign takes the settings as JSON (settings.py); contacts come as CSV
(`Content-Type: text/csv`, see contacts_csv.py) or JSON. Start, pause, resume and cancel
change the campaign's status; the scheduler inside `callwright serve` acts on it within a
second."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine

from callwright.domains.campaigns.book import (
    STATUS_CHANGES,
    CampaignBook,
    CampaignError,
    CampaignNotFound,
    ContactIn,
)
from callwright.domains.campaigns.contacts_csv import (
    ContactListError,
    read_contacts,
    write_outcomes,
)
from callwright.domains.campaigns.models import Campaign
from callwright.domains.campaigns.progress import progress
from callwright.domains.campaigns.settings import CampaignSettings

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ContactBody(BaseModel):
    phone: str = Field(min_length=1, max_length=64)
    timezone: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)


class ContactsBody(BaseModel):
    contacts: list[ContactBody]


class DoNotCallBody(BaseModel):
    phone: str = Field(min_length=1, max_length=64)
    campaign: str | None = None
    """None: never call this number in any campaign."""


class CampaignOut(BaseModel):
    name: str
    agent: str
    status: str
    created_at: datetime
    settings: dict

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignOut:
        return cls(name=campaign.name, agent=campaign.agent, status=campaign.status,
                   created_at=campaign.created_at, settings=campaign.settings)


def campaigns_router(engine: Engine, agents: Collection[str] | None = None) -> APIRouter:
    """`agents`: the names a campaign may use (None: any)."""
    book = CampaignBook(engine)
    router = APIRouter()

    def found(name: str) -> Campaign:
        try:
            return book.get(name)
        except CampaignNotFound as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None

    @router.get("/api/campaigns")
    def list_campaigns() -> list[CampaignOut]:
        return [CampaignOut.of(campaign) for campaign in book.all()]

    @router.post("/api/campaigns", status_code=status.HTTP_201_CREATED)
    def create_campaign(settings: CampaignSettings) -> CampaignOut:
        if agents is not None and settings.agent not in agents:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"no agent named {settings.agent!r}; agents: {', '.join(sorted(agents))}",
            )
        try:
            return CampaignOut.of(book.create(settings))
        except CampaignError as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None

    @router.get("/api/campaigns/{name}")
    def show_campaign(name: str) -> dict:
        campaign = found(name)
        return CampaignOut.of(campaign).model_dump(mode="json") | {
            "progress": progress(book.contacts(name))
        }

    @router.post("/api/campaigns/{name}/contacts")
    async def add_contacts(name: str, request: Request) -> dict:
        found(name)
        body = await request.body()
        if len(body) > MAX_UPLOAD_BYTES:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                                f"contact lists up to {MAX_UPLOAD_BYTES} bytes: split it")
        try:
            contacts = _contacts_of(body, request.headers.get("content-type", ""))
            added, known = await asyncio.to_thread(book.add_contacts, name, contacts)
        except (ContactListError, CampaignError, ValidationError, UnicodeDecodeError) as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
        return {"added": added, "already_there": known}

    @router.get("/api/campaigns/{name}/contacts")
    def list_contacts(name: str) -> list[dict]:
        found(name)
        return [
            {"phone": contact.phone, "timezone": contact.timezone, "state": contact.state,
             "outcome": contact.outcome, "task_outcome": contact.task_outcome,
             "next_attempt_at": contact.next_attempt_at,
             "attempts": [
                 {"number": a.number, "started_at": a.started_at, "ended_at": a.ended_at,
                  "result": a.result, "task_outcome": a.task_outcome, "call_id": a.call_id,
                  "sip_status": a.sip_status, "decision_ms": a.decision_ms, "detail": a.detail}
                 for a in attempts
             ]}
            for contact, attempts in book.contacts(name)
        ]

    @router.get("/api/campaigns/{name}/outcomes.csv")
    def export_outcomes(name: str) -> Response:
        found(name)
        return Response(write_outcomes(book.contacts(name)), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

    @router.post("/api/campaigns/{name}/{action}")
    def change_status(name: str, action: str) -> CampaignOut:
        if action not in STATUS_CHANGES:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"no action {action!r}; one of {', '.join(STATUS_CHANGES)}")
        found(name)
        try:
            return CampaignOut.of(book.change_status(name, action))
        except CampaignError as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None

    @router.get("/api/do-not-call")
    def do_not_call_list() -> list[dict]:
        return [{"phone": entry.phone, "campaign": campaign, "reason": entry.reason,
                 "added_at": entry.added_at} for entry, campaign in book.do_not_call_list()]

    @router.post("/api/do-not-call", status_code=status.HTTP_201_CREATED)
    def add_do_not_call(body: DoNotCallBody) -> dict:
        if body.campaign is not None:
            found(body.campaign)
        try:
            book.add_do_not_call(body.phone, body.campaign)
        except CampaignError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
        return {"phone": body.phone, "campaign": body.campaign}

    @router.delete("/api/do-not-call/{phone}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_do_not_call(phone: str, campaign: str | None = None) -> None:
        if campaign is not None:
            found(campaign)
        try:
            removed = book.remove_do_not_call(phone, campaign)
        except CampaignError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
        if not removed:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"{phone} is not on that list")

    return router


def _contacts_of(body: bytes, content_type: str) -> list[ContactIn]:
    if content_type.startswith("application/json"):
        parsed = ContactsBody.model_validate_json(body)
        return [ContactIn(c.phone, c.timezone, c.fields) for c in parsed.contacts]
    return read_contacts(body.decode("utf-8"))
