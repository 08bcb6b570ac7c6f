"""Northside Pharmacy: refills with and without refills left, and status checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.domains.pharmacy.models import Prescription, RefillRequest


def prescription(engine, number: str) -> tuple[int, list[str]]:
    with Session(engine) as session:
        rx = session.scalars(select(Prescription).where(Prescription.number == number)).one()
        requests = session.scalars(
            select(RefillRequest.status).where(RefillRequest.prescription_id == rx.id)
        ).all()
        return rx.refills_left, list(requests)


async def test_refill_with_refills_left_then_one_needing_the_doctor(call, engine):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    ask = await caller.says("Hi, I need a refill on prescription four four one seven")
    assert "lisinopril 10 mg, with 2 refills left" in ask  # caller id, number from the request
    done = await caller.says("yes please")
    assert "ready for pickup" in done
    assert prescription(engine, "4417") == (1, ["requested"])

    await caller.says("I also need a refill of five five two one")
    # the number said now wins over the one remembered from the first refill
    reply = caller.heard[-1]
    assert "atorvastatin" in reply and "no refills left" in reply
    done = await caller.says("yes, please ask him")
    assert "sent the request to Dr. Alan Reyes" in done
    assert prescription(engine, "5521") == (0, ["needs_authorization"])


async def test_refill_declined_when_authorization_is_not_wanted(call, engine):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    await caller.says("refill prescription 5521")
    reply = await caller.says("no thanks")
    assert "won't send a request" in reply
    assert prescription(engine, "5521") == (0, [])


async def test_medical_question_is_not_answered_by_the_agent(call):
    caller = call("pharmacy")
    await caller.start()
    reply = await caller.says("is it safe to double my dose")
    assert "can't give medical advice" in reply


async def test_outbound_refill_reminder_refills_on_yes(agent_named, engine):
    from tests.agents.conftest import Caller

    agent = agent_named("pharmacy")
    caller = Caller(agent.start_conversation("sip:+15551230001@127.0.0.1", outbound=True))
    opening = await caller.start()
    assert opening.startswith("Hello, this is Northside Pharmacy with a quick reminder")
    assert "lisinopril" not in opening  # whoever answers the dialled number says who they are
    await caller.says("Maria Lopez")
    offer = await caller.says("March fourteenth nineteen eighty five")
    assert "lisinopril 10 mg is due for a refill" in offer  # no number given: her first one
    done = await caller.says("yes please")
    assert "ready for pickup" in done
    assert prescription(engine, "4417") == (1, ["requested"])


async def test_no_thats_okay_declines_and_a_torn_answer_is_asked_again(call, engine):
    caller = call("pharmacy", "+15551230013")
    await caller.start()
    offer = await caller.says("I need a refill of my amlodipine, number seven oh one two")
    assert "authoriz" in offer
    torn = await caller.says("no wait, yes")
    assert "yes or a no" in torn
    declined = await caller.says("No, that's okay.")
    assert "sent the request" not in declined
    with Session(engine) as session:
        assert list(session.scalars(select(RefillRequest))) == []


async def test_a_prescription_with_no_refill_request_is_said_once_not_asked_again(call):
    caller = call("pharmacy", "+15551230001")
    await caller.start()
    reply = await caller.says("is my prescription ready? it's four four one seven")
    assert "I don't see a refill request" in reply
    assert "prescription number" not in reply  # the number was right: no loop asking it


@pytest.mark.parametrize("said", [
    ["I need both my prescriptions refilled, the numbers are forty-four seventeen and "
     "fifty-five twenty-one"],
    ["I need my refills please", "forty-four seventeen and fifty-five twenty-one"],
], ids=["named-when-asking", "as-the-answer"])
async def test_two_prescriptions_named_together_are_each_done_once(call, engine, said):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    for text in said:
        ask = await caller.says(text)
    assert "lisinopril" in ask and "atorvastatin" not in ask  # one at a time
    done = await caller.says("yes please")
    assert "ready for pickup" in done and "Now the next one." in done
    assert "atorvastatin" in done and "no refills left" in done
    last = await caller.says("yes, ask the doctor")
    assert "Now the next one." not in last  # each number once
    assert prescription(engine, "4417") == (1, ["requested"])
    assert prescription(engine, "5521") == (0, ["needs_authorization"])


async def test_a_question_asked_with_the_yes_to_a_read_back_is_answered_too(call, engine):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    await caller.says("Refill on forty-four seventeen, please.")
    reply = await caller.says("Yes. What time do you close on Saturday?")
    assert reply.startswith("We're open") and "ready for pickup" in reply  # both
    assert prescription(engine, "4417")[1] == ["requested"]
