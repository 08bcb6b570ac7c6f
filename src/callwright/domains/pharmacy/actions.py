"""Pharmacy actions: a patient's prescriptions, refill requests and their status.

A refill on a prescription with refills left uses one of them and is promised for pickup
REFILL_READY_DELAY after the request (the pharmacy's work queue and opening hours are not
modelled). Without refills left, the request is recorded as "needs_authorization": it stands
for asking the prescriber, so an agent offers that first and calls `pharmacy.request_refill`
once the caller agrees. While a request is under way (requested, waiting for the doctor, or
ready and not picked up), asking again returns that request instead of using another refill.

A prescription is named by its number or, for a verified person (`person_id`), by a misheard
number or the drug's name as heard: a number one digit off (misheard, added or dropped) or a
drug name close in spelling and sound ("listen april") is taken only when it names exactly
one of that person's prescriptions; `matched_exactly` in the answer is then false, so the
agent reads back what it found.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions.crm import business_for, person_in, zone_of
from callwright.actions.likeness import digits_of, match_phrase, one_digit_off
from callwright.actions.records import clean_number, local_iso
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.domains.pharmacy.models import (
    OPEN_REFILL_STATUSES,
    Prescription,
    RefillRequest,
)
from callwright.store.business.businesses import Business

REFILL_READY_DELAY = timedelta(hours=4)
DRUG_MATCH_SCORE = 80.0
"""`likeness` (0-100) of a heard drug name to a prescription's: "listen april" and "lisa no
pril" reach lisinopril (84, 90); "lovastatin" does not reach atorvastatin (77)."""


def register(registry: ActionRegistry) -> None:
    registry.register("pharmacy.prescriptions", prescriptions, retry_safe=True, reads_only=True)
    registry.register("pharmacy.prescription", prescription, retry_safe=True, reads_only=True)
    # Idempotent: a second attempt finds the request under way.
    registry.register("pharmacy.request_refill", request_refill, retry_safe=True)
    registry.register("pharmacy.refill_status", refill_status, retry_safe=True, reads_only=True)


def prescriptions(
    context: ActionContext, person_id: int | str, number: str | int | None = None
) -> ActionResult:
    """The person's prescriptions, by number; only the one numbered `number`, if given (a
    reminder's: none when it is not theirs)."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        person = person_in(session, business, person_id)
        if person is None:
            return ActionResult.failure("not_found", "I couldn't find your record.")
        found = session.scalars(
            select(Prescription)
            .where(Prescription.business_id == business.id, Prescription.person_id == person.id)
            .order_by(Prescription.number)
        )
        wanted = clean_number(number) if number not in (None, "") else None
        listed = [p for p in found if wanted is None or clean_number(p.number) == wanted]
        return ActionResult.success(prescriptions=[prescription_data(p) for p in listed])


def prescription(
    context: ActionContext,
    number: str | int | None = None,
    person_id: int | str | None = None,
    drug: str | None = None,
) -> ActionResult:
    """One prescription by number or drug; with `person_id`, only if it is that person's."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        found, exact = _prescription(session, business, number, person_id, drug)
        if found is None:
            return _prescription_not_found(number)
        return ActionResult.success(**prescription_data(found), matched_exactly=exact)


def request_refill(
    context: ActionContext,
    number: str | int | None = None,
    person_id: int | str | None = None,
    drug: str | None = None,
) -> ActionResult:
    """Request a refill; `needs_authorization` in the answer says the doctor is being asked."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        # Locked until commit, so two requests at once cannot both use the last refill.
        found, exact = _prescription(session, business, number, person_id, drug, for_update=True)
        if found is None:
            return _prescription_not_found(number)
        if found.status != "active":
            return ActionResult.failure(
                "not_allowed",
                "That prescription has expired, so it can't be refilled; "
                "your doctor would need to write a new one.",
                number=found.number,
            )
        under_way = _latest_request(session, found)
        if under_way is not None and under_way.status in OPEN_REFILL_STATUSES:
            data = refill_data(under_way, found, context.now, zone)
            return ActionResult.success(**data, created=False, matched_exactly=exact)
        if found.refills_left > 0:
            found.refills_left -= 1
            status, ready_at = "requested", context.now + REFILL_READY_DELAY
        else:
            status, ready_at = "needs_authorization", None
        request = RefillRequest(
            business_id=business.id,
            prescription_id=found.id,
            status=status,
            requested_at=context.now,
            ready_at=ready_at,
            call_id=context.call_id,
        )
        session.add(request)
        session.commit()
        return ActionResult.success(
            **refill_data(request, found, context.now, zone), created=True, matched_exactly=exact
        )


def refill_status(
    context: ActionContext,
    number: str | int | None = None,
    person_id: int | str | None = None,
    drug: str | None = None,
) -> ActionResult:
    """The newest refill request on a prescription: status and when it is ready."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        found, exact = _prescription(session, business, number, person_id, drug)
        if found is None:
            return _prescription_not_found(number)
        request = _latest_request(session, found)
        if request is None:  # the prescription is right: asking its number again won't help
            return ActionResult.failure(
                "no_request",
                "I don't see a refill request for that prescription yet.",
                number=found.number,
            )
        data = refill_data(request, found, context.now, zone_of(business))
        return ActionResult.success(**data, matched_exactly=exact)


def prescription_data(found: Prescription) -> dict[str, Any]:
    return {
        "number": found.number,
        "person_id": found.person_id,
        "drug": found.drug,
        "strength": found.strength,
        "refills_left": found.refills_left,
        "prescriber": found.prescriber,
        "status": found.status,
    }


def refill_data(
    request: RefillRequest, found: Prescription, now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    status = request.status_at(now)
    return {
        "refill_id": request.id,
        "prescription_number": found.number,
        "drug": found.drug,
        "strength": found.strength,
        "status": status,
        "needs_authorization": status == "needs_authorization",
        "prescriber": found.prescriber,
        "refills_left": found.refills_left,
        "requested_at": local_iso(request.requested_at, zone),
        "ready_at": local_iso(request.ready_at, zone),
    }


def _prescription(
    session: Session,
    business: Business,
    number: str | int | None,
    person_id: int | str | None,
    drug: str | None,
    *,
    for_update: bool = False,
) -> tuple[Prescription | None, bool]:
    """The prescription named, and whether it was named exactly (by its number); a misheard
    number or a drug name only among the prescriptions of `person_id`."""
    query = select(Prescription).where(Prescription.business_id == business.id)
    if person_id is not None:
        person = person_in(session, business, person_id)
        if person is None:
            return None, False
        query = query.where(Prescription.person_id == person.id)
    if for_update:
        query = query.with_for_update()
    if number is not None:
        found = session.scalar(query.where(Prescription.number == clean_number(number)))
        if found is not None:
            return found, True
    if person_id is None:
        return None, False
    theirs = list(session.scalars(query.order_by(Prescription.number)))
    by_drug = None if not drug else match_phrase(drug, [p.drug for p in theirs], DRUG_MATCH_SCORE)
    heard = "" if number is None else digits_of(number)
    near = [p for p in theirs if heard and one_digit_off(heard, p.number)]
    named = {theirs[by_drug].id} if by_drug is not None else set()
    if len(near) == 1:
        named.add(near[0].id)
    if len(named) != 1:  # nothing named, or the number and the drug name disagree
        return None, False
    return next(p for p in theirs if p.id in named), False


def _latest_request(session: Session, found: Prescription) -> RefillRequest | None:
    return session.scalar(
        select(RefillRequest)
        .where(RefillRequest.prescription_id == found.id)
        .order_by(RefillRequest.requested_at.desc(), RefillRequest.id.desc())
        .limit(1)
    )


def _prescription_not_found(number: str | int | None) -> ActionResult:
    if number is None:
        return ActionResult.failure(
            "not_found",
            "I couldn't find that prescription for you. Could you read me the number on the label?",
        )
    return ActionResult.failure(
        "not_found",
        "I couldn't find that prescription number for you. Could you read it to me again?",
        number=clean_number(number),
    )
