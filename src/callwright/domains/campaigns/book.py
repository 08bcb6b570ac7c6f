"""The campaign records: campaigns and their contacts, claims of the next attempt, results,
and the do-not-call list. Every change is one transaction, so a restart finds each contact
either waiting, done, or with one attempt marked under way (see `recover`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from callwright.domains.campaigns.models import (
    Campaign,
    CampaignAttempt,
    CampaignContact,
    DoNotCall,
)
from callwright.domains.campaigns.settings import CampaignSettings, checked_zone
from callwright.store.models import Call

FINAL_RESULTS = ("person", "voicemail_left", "refused", "opted_out", "do_not_call", "interrupted")
"""An attempt with one of these ends the contact: nobody is called again after it."""
RETRY_RESULTS = ("no_answer", "busy", "failed", "machine_no_message")
"""Worth another attempt, while the campaign's max_attempts allows."""
ATTEMPT_RESULTS = FINAL_RESULTS + RETRY_RESULTS
STATUS_CHANGES = {  # action -> (statuses it applies to, the status after)
    "start": (("draft",), "running"),
    "pause": (("running",), "paused"),
    "resume": (("paused",), "running"),
    "cancel": (("draft", "running", "paused"), "cancelled"),
}


class CampaignError(ValueError):
    """A request the campaign records refuse; the message says why and what to do."""


class CampaignNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no campaign named {name!r}; `callwright campaigns list` shows them")


@dataclass(frozen=True, slots=True)
class ContactIn:
    phone: str
    timezone: str | None = None
    fields: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One attempt, claimed: the contact is `calling` until `finish` records the result."""

    attempt_id: int
    number: int
    contact_id: int
    campaign_id: int
    phone: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class AttemptResult:
    result: str  # one of ATTEMPT_RESULTS
    task_outcome: str | None = None
    call_id: str | None = None
    sip_status: int | None = None
    detail: str | None = None
    decision_ms: float | None = None


def now_utc() -> datetime:
    return datetime.now(UTC)


def normalized_phone(phone: str) -> str:
    """The number as compared for do-not-call: digits and a leading +, or a SIP URI as is."""
    phone = phone.strip()
    if phone.lower().startswith("sip:"):
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        raise CampaignError(f"{phone!r} is not a phone number or SIP URI")
    return ("+" if phone.startswith("+") else "") + digits


class CampaignBook:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ---- campaigns ----

    def create(self, settings: CampaignSettings, now: datetime | None = None) -> Campaign:
        campaign = Campaign(
            name=settings.name, agent=settings.agent, status="draft",
            settings=settings.model_dump(mode="json"), created_at=now or now_utc(),
        )
        with self._sessions.begin() as session:
            if session.scalar(select(Campaign.id).where(Campaign.name == settings.name)):
                raise CampaignError(f"a campaign named {settings.name!r} exists already")
            session.add(campaign)
        return campaign

    def get(self, name: str) -> Campaign:
        with self._sessions() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == name))
        if campaign is None:
            raise CampaignNotFound(name)
        return campaign

    def all(self) -> list[Campaign]:
        with self._sessions() as session:
            return list(session.scalars(select(Campaign).order_by(Campaign.id)))

    def running(self) -> list[Campaign]:
        with self._sessions() as session:
            return list(session.scalars(select(Campaign).where(Campaign.status == "running")))

    def change_status(self, name: str, action: str) -> Campaign:
        """Start, pause, resume or cancel; CampaignError when the status does not allow it."""
        if action not in STATUS_CHANGES:
            raise CampaignError(f"unknown action {action!r}; one of {', '.join(STATUS_CHANGES)}")
        allowed, after = STATUS_CHANGES[action]
        with self._sessions.begin() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                raise CampaignNotFound(name)
            if campaign.status not in allowed:
                raise CampaignError(f"cannot {action} campaign {name!r}: it is {campaign.status}")
            campaign.status = after
        return campaign

    # ---- contacts ----

    def add_contacts(
        self, name: str, contacts: Iterable[ContactIn], now: datetime | None = None
    ) -> tuple[int, int]:
        """Add contacts to a campaign not yet over; returns (added, already there)."""
        campaign = self.get(name)
        if campaign.status in ("cancelled", "completed"):
            raise CampaignError(f"campaign {name!r} is {campaign.status}: it takes no contacts")
        default_zone = campaign.settings["timezone"]
        added = skipped = 0
        with self._sessions.begin() as session:
            known = set(session.scalars(
                select(CampaignContact.phone).where(CampaignContact.campaign_id == campaign.id)
            ))
            for contact in contacts:
                phone = normalized_phone(contact.phone)
                if phone in known:
                    skipped += 1
                    continue
                known.add(phone)
                try:
                    zone = checked_zone(contact.timezone or default_zone)
                except ValueError as error:
                    raise CampaignError(f"contact {contact.phone}: {error}") from None
                session.add(CampaignContact(
                    campaign_id=campaign.id, phone=phone, timezone=zone,
                    fields=dict(contact.fields or {}), state="pending", attempts=0,
                    next_attempt_at=now or now_utc(),
                ))
                added += 1
        return added, skipped

    def contacts(self, name: str) -> list[tuple[CampaignContact, list[CampaignAttempt]]]:
        """Every contact of the campaign with its attempts, in the order they were added."""
        campaign = self.get(name)
        with self._sessions() as session:
            contacts = list(session.scalars(
                select(CampaignContact).where(CampaignContact.campaign_id == campaign.id)
                .order_by(CampaignContact.id)
            ))
            attempts = list(session.scalars(
                select(CampaignAttempt)
                .where(CampaignAttempt.contact_id.in_([c.id for c in contacts]))
                .order_by(CampaignAttempt.id)
            ))
        by_contact: dict[int, list[CampaignAttempt]] = {c.id: [] for c in contacts}
        for attempt in attempts:
            by_contact[attempt.contact_id].append(attempt)
        return [(contact, by_contact[contact.id]) for contact in contacts]

    def due(self, campaign_id: int, now: datetime, limit: int) -> list[CampaignContact]:
        """Pending contacts whose next attempt is due, oldest first."""
        with self._sessions() as session:
            return list(session.scalars(
                select(CampaignContact)
                .where(CampaignContact.campaign_id == campaign_id,
                       CampaignContact.state == "pending",
                       CampaignContact.next_attempt_at <= now)
                .order_by(CampaignContact.next_attempt_at, CampaignContact.id).limit(limit)
            ))

    def postpone(self, contact_id: int, until: datetime) -> None:
        """Leave a contact waiting until its calling window opens."""
        with self._sessions.begin() as session:
            session.execute(update(CampaignContact).where(CampaignContact.id == contact_id)
                            .values(next_attempt_at=until))

    def suppress(self, contact_id: int) -> None:
        """End a contact found on the do-not-call list: no call, outcome "do_not_call"."""
        with self._sessions.begin() as session:
            contact = session.get_one(CampaignContact, contact_id)
            contact.state, contact.outcome = "done", "do_not_call"
            self._complete_when_done(session, session.get_one(Campaign, contact.campaign_id))

    # ---- attempts ----

    def claim(self, contact_id: int, now: datetime) -> Claim | None:
        """Mark the contact `calling` and record attempt n+1 as under way; None when another
        worker claimed it first."""
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(CampaignContact)
                .where(CampaignContact.id == contact_id, CampaignContact.state == "pending")
                .values(state="calling", attempts=CampaignContact.attempts + 1)
            ).rowcount
            if claimed != 1:
                return None
            contact = session.get_one(CampaignContact, contact_id)
            attempt = CampaignAttempt(contact_id=contact_id, number=contact.attempts,
                                      started_at=now)
            session.add(attempt)
            session.flush()
            return Claim(attempt.id, attempt.number, contact.id, contact.campaign_id,
                         contact.phone, dict(contact.fields))

    def note_call_id(self, attempt_id: int, call_id: str) -> None:
        with self._sessions.begin() as session:
            session.get_one(CampaignAttempt, attempt_id).call_id = call_id

    def finish(self, attempt_id: int, outcome: AttemptResult, now: datetime) -> None:
        """Record how the attempt ended and when the contact is due again, if ever."""
        if outcome.result not in ATTEMPT_RESULTS:
            raise CampaignError(f"unknown attempt result {outcome.result!r}")
        with self._sessions.begin() as session:
            attempt = session.get_one(CampaignAttempt, attempt_id)
            contact = session.get_one(CampaignContact, attempt.contact_id)
            campaign = session.get_one(Campaign, contact.campaign_id)
            settings = CampaignSettings.model_validate(campaign.settings)
            attempt.ended_at = now
            attempt.result = outcome.result
            attempt.task_outcome = outcome.task_outcome
            attempt.call_id = outcome.call_id or attempt.call_id
            attempt.sip_status = outcome.sip_status
            attempt.detail = outcome.detail
            attempt.decision_ms = outcome.decision_ms
            contact.outcome = outcome.result
            contact.task_outcome = outcome.task_outcome or contact.task_outcome
            retry = outcome.result in RETRY_RESULTS and contact.attempts < settings.max_attempts
            contact.state = "pending" if retry else "done"
            if retry:
                backoff = settings.retry_after_s * 2 ** (contact.attempts - 1)
                contact.next_attempt_at = now + timedelta(seconds=backoff)
            if outcome.result == "opted_out":
                scope = None if settings.opt_out_scope == "business" else campaign.id
                self._add_do_not_call(session, contact.phone, scope, "opted_out", now)
            self._complete_when_done(session, campaign)

    def recover(self, now: datetime | None = None) -> int:
        """After a restart: end the attempts left under way. One that was answered (its call
        was recorded) ends the contact as "interrupted", so nobody is called twice; one that
        was still ringing counts as failed and waits for its retry. Returns how many."""
        with self._sessions() as session:
            stale = list(session.scalars(
                select(CampaignAttempt).where(CampaignAttempt.ended_at.is_(None))
            ))
            answered = set(session.scalars(select(Call.id).where(
                Call.id.in_([a.call_id for a in stale if a.call_id])
            )))
        for attempt in stale:
            result = "interrupted" if attempt.call_id in answered else "failed"
            self.finish(attempt.id, AttemptResult(
                result, call_id=attempt.call_id, detail="the server stopped during the attempt"
            ), now or now_utc())
        return len(stale)

    def _complete_when_done(self, session: Session, campaign: Campaign) -> None:
        session.flush()
        open_contacts = session.scalar(
            select(CampaignContact.id).where(CampaignContact.campaign_id == campaign.id,
                                             CampaignContact.state != "done").limit(1)
        )
        if open_contacts is None and campaign.status == "running":
            campaign.status = "completed"

    def complete_if_done(self, campaign_id: int) -> None:
        with self._sessions.begin() as session:
            self._complete_when_done(session, session.get_one(Campaign, campaign_id))

    # ---- do not call ----

    def add_do_not_call(self, phone: str, campaign: str | None = None,
                        reason: str = "added", now: datetime | None = None) -> None:
        campaign_id = self.get(campaign).id if campaign else None
        with self._sessions.begin() as session:
            self._add_do_not_call(session, normalized_phone(phone), campaign_id, reason,
                                  now or now_utc())

    def _add_do_not_call(self, session: Session, phone: str, campaign_id: int | None,
                         reason: str, now: datetime) -> None:
        listed = session.scalar(select(DoNotCall.id).where(
            DoNotCall.phone == phone,
            DoNotCall.campaign_id.is_(None) if campaign_id is None
            else DoNotCall.campaign_id == campaign_id,
        ))
        if listed is None:
            try:
                with session.begin_nested():
                    session.add(DoNotCall(phone=phone, campaign_id=campaign_id, reason=reason,
                                          added_at=now))
            except IntegrityError:
                pass  # listed meanwhile by another worker

    def remove_do_not_call(self, phone: str, campaign: str | None = None) -> bool:
        campaign_id = self.get(campaign).id if campaign else None
        with self._sessions.begin() as session:
            entry = session.scalar(select(DoNotCall).where(
                DoNotCall.phone == normalized_phone(phone),
                DoNotCall.campaign_id.is_(None) if campaign_id is None
                else DoNotCall.campaign_id == campaign_id,
            ))
            if entry is None:
                return False
            session.delete(entry)
            return True

    def do_not_call_list(self) -> list[tuple[DoNotCall, str | None]]:
        """Every entry with its campaign's name (None: all campaigns)."""
        with self._sessions() as session:
            rows = session.execute(
                select(DoNotCall, Campaign.name)
                .join(Campaign, Campaign.id == DoNotCall.campaign_id, isouter=True)
                .order_by(DoNotCall.id)
            )
            return [(entry, name) for entry, name in rows]

    def is_suppressed(self, phone: str, campaign_id: int) -> bool:
        with self._sessions() as session:
            return session.scalar(select(DoNotCall.id).where(
                DoNotCall.phone == normalized_phone(phone),
                or_(DoNotCall.campaign_id.is_(None), DoNotCall.campaign_id == campaign_id),
            ).limit(1)) is not None
