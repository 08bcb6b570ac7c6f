"""Outbound openings of the example agents: the contact's fields, verification before any
detail, and each task's outcome in the records and in the state the call stores."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.call.turn_log import state_dict
from callwright.domains.pharmacy.models import Prescription, RefillRequest
from callwright.store.business.cards import Card, CardTransaction
from callwright.store.business.crm import Person
from callwright.store.business.scheduling import Appointment
from tests.examples.conftest import Caller

MARIA = "sip:+15551230001@127.0.0.1"
LINDA = "sip:+15551230014@127.0.0.1"


def dialled(agent_named, name: str, callee: str, **contact: str) -> Caller:
    agent = agent_named(name)
    return Caller(agent.start_conversation(callee, outbound=True, contact=contact))


def refills(engine, number: str) -> tuple[int, list[str]]:
    with Session(engine) as session:
        rx = session.scalars(select(Prescription).where(Prescription.number == number)).one()
        requests = session.scalars(
            select(RefillRequest.status).where(RefillRequest.prescription_id == rx.id)
        ).all()
        return rx.refills_left, list(requests)


def marias_appointments(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.execute(
            select(Appointment.status, Appointment.starts_at)
            .join(Person, Person.id == Appointment.person_id)
            .where(Person.first_name == "Maria")
        ).all()
    return [(status, starts.isoformat()) for status, starts in rows]


async def test_refill_reminder_greets_by_name_verifies_then_refills(agent_named, engine):
    caller = dialled(agent_named, "pharmacy", MARIA, first_name="Maria", prescription_number="4417")
    opening = await caller.start()
    assert opening.startswith("Hello Maria, this is Northside Pharmacy")
    assert "first and last name" in opening and "lisinopril" not in opening  # not before verify
    assert "lisinopril" not in await caller.says("Maria Lopez")
    offer = await caller.says("March fourteenth, nineteen eighty five")
    assert "lisinopril 10 mg is due for a refill" in offer  # the campaign's prescription
    done = await caller.says("yes please")
    assert "ready for pickup" in done
    assert refills(engine, "4417") == (1, ["requested"])
    state = state_dict(caller.conversation)
    assert state["task_outcome"] == "refill_requested" and state["opted_out"] is False


async def test_refill_reminder_for_the_contacts_other_prescription_declined(agent_named, engine):
    caller = dialled(agent_named, "pharmacy", MARIA, first_name="Maria", prescription_number="5521")
    await caller.start()
    await caller.says("It's Maria Lopez")
    offer = await caller.says("3 14 1985")
    assert "atorvastatin" in offer
    declined = await caller.says("not right now, thanks")
    assert "call us any time" in declined
    assert refills(engine, "5521") == (0, [])
    assert caller.conversation.state.task_outcome == "refill_declined"


async def test_a_missing_name_leaves_a_neutral_greeting(agent_named):
    caller = dialled(agent_named, "pharmacy", MARIA)
    opening = await caller.start()
    assert opening.startswith("Hello, this is Northside Pharmacy")


async def test_whoever_answers_the_number_proves_nothing_until_verified(agent_named, engine):
    caller = dialled(agent_named, "pharmacy", MARIA, first_name="Maria", prescription_number="4417")
    await caller.start()
    await caller.says("This is Carlos Lopez")
    reply = await caller.says("January first, nineteen eighty")
    assert "couldn't find" in reply and "lisinopril" not in reply
    assert refills(engine, "4417") == (2, [])


async def test_fraud_callback_confirms_one_charge_and_disputes_another(agent_named, engine):
    caller = dialled(agent_named, "bank", LINDA, first_name="Linda")
    opening = await caller.start()
    assert opening.startswith("Hello Linda, this is Harbor Bank")
    assert "last four digits" in opening and "Shell" not in opening
    assert "Shell" not in await caller.says("seven seven three zero")
    first = await caller.says("June fifth, nineteen seventy nine")
    assert "62 dollars and 10 cents at Shell Gas Station" in first
    second = await caller.says("yes, I filled up my car")
    assert "Apple Store" in second
    disputed = await caller.says("no, that wasn't me")
    assert "locked your card" in disputed
    with Session(engine) as session:
        statuses = {t.merchant: t.status for t in session.scalars(select(CardTransaction))}
        card = session.scalars(select(Card).where(Card.last_four == "7730")).one()
    assert statuses["Shell Gas Station"] == "confirmed"
    assert statuses["Apple Store"] == "disputed" and card.status == "locked"
    state = caller.conversation.state
    assert state.task_outcome == "charge_disputed"
    assert state.task["outcomes"] == ["charge_confirmed", "charge_disputed"]


async def test_fraud_callback_says_nothing_of_the_account_to_the_wrong_person(agent_named):
    caller = dialled(agent_named, "bank", LINDA, first_name="Linda")
    await caller.start()
    await caller.says("one two three four")
    reply = await caller.says("June fifth, nineteen seventy nine")
    assert "don't match" in reply
    assert not any("Shell" in said or "Apple" in said for said in caller.heard)


async def test_appointment_reminder_confirmed(agent_named, engine):
    before = marias_appointments(engine)
    caller = dialled(agent_named, "dental", MARIA, first_name="Maria")
    opening = await caller.start()
    assert opening.startswith("Hello Maria, this is Bright Smile Dental")
    assert "cleaning" not in opening
    await caller.says("Maria Lopez")
    reminder = await caller.says("March 14 1985")
    assert "cleaning with Dr. Sarah Chen on Tuesday, December 1 at 10 AM" in reminder
    confirmed = await caller.says("yes, I'll be there")
    assert "see you then" in confirmed
    assert marias_appointments(engine) == before
    assert caller.conversation.state.task_outcome == "appointment_confirmed"


async def test_appointment_reminder_moved_with_the_reschedule_task(agent_named, engine):
    caller = dialled(agent_named, "dental", MARIA, first_name="Maria")
    await caller.start()
    await caller.says("Maria Lopez")
    await caller.says("March 14 1985")
    offer = await caller.says("no, something came up, can we push it to Thursday?")
    assert "morning or afternoon" in offer  # Thursday taken: on with the reschedule task
    while "Shall" not in offer and "Is that right" not in offer:
        offer = await caller.says("the first one is fine" if "or" in offer else "morning")
    done = await caller.says("yes")
    assert "is now on Thursday" in done and "back to what we were doing" not in done
    assert [status for status, starts in marias_appointments(engine)] == ["booked"]
    assert "2026-12-03" in marias_appointments(engine)[0][1]
    assert caller.conversation.state.task_outcome == "appointment_moved"


async def test_appointment_reminder_cancelled_after_saying_no(agent_named, engine):
    caller = dialled(agent_named, "dental", MARIA, first_name="Maria")
    await caller.start()
    await caller.says("Maria Lopez")
    await caller.says("March 14 1985")
    choice = await caller.says("no I can't make it")
    assert "move it to another day, or cancel it" in choice
    assert caller.conversation.state.task_outcome == "appointment_not_kept"
    check = await caller.says("just cancel it please")
    assert "cancel your cleaning" in check
    await caller.says("yes")
    assert [status for status, _ in marias_appointments(engine)] == ["cancelled"]
    assert caller.conversation.state.task_outcome == "appointment_cancelled"
