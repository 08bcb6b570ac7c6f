"""Never a dead end: every example agent hands the caller to a person, or takes a message.

Text conversations on real backends and a pinned clock (Monday 9 AM in Chicago): the agent's
Transfer carries the reason, the target from the agent file's environment variable and the
context; without people (unset target, outside hours, a failed transfer) the caller leaves a
message that becomes a ticket with the summary.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import scheduling
from callwright.store.business.crm import Lead
from callwright.store.business.tickets import Ticket

PEOPLE = {
    "demo": ("DEMO_FRONT_DESK", "sip:frontdesk@127.0.0.1:5091", "warm"),
    "dental": ("DENTAL_FRONT_DESK", "sip:desk@127.0.0.1:5092", "warm"),
    "pharmacy": ("PHARMACY_PHARMACIST", "sip:pharmacist@127.0.0.1:5093", "warm"),
    "bank": ("BANK_FRAUD_TEAM", "sip:fraud@127.0.0.1:5094", "blind"),
    "retail": ("RETAIL_CUSTOMER_CARE", "sip:care@127.0.0.1:5095", "blind"),
    "sales": ("SALES_REPS", "sip:reps@127.0.0.1:5096", "warm"),
}

# (caller id, what the caller says, step by step through the agent's main task)
SCRIPTS = {
    "demo": ("", ["what are your hours", "where are you located"]),
    "dental": ("", ["I'd like to book a checkup please", "James Wilson",
                    "November second nineteen seventy two", "next Wednesday", "2 pm please"]),
    "pharmacy": ("+15551230001", ["Hi, I need a refill on prescription four four one seven"]),
    "bank": ("", ["four eight two one", "July twenty first, nineteen ninety"]),
    "retail": ("", ["I want to return order one zero zero five eight seven",
                    "it arrived damaged"]),
    "sales": ("", ["I'd like to learn about Acme for my team", "Pat Doe", "Initech",
                   "live sales dashboards", "about twenty five people", "within two months",
                   "around two thousand dollars a month", "yes, I decide"]),
}
ASKING_FOR_A_PERSON = [
    "can I talk to a real person",
    "representative",
    "let me speak to someone please",
    "operator",
    "I want a human",
    "get me an agent please",
]
STEPS = [(agent, step) for agent, (_, lines) in SCRIPTS.items() for step in range(len(lines) + 1)]


@pytest.fixture
def people(monkeypatch) -> None:
    for variable, target, _ in PEOPLE.values():
        monkeypatch.setenv(variable, target)


def tickets(engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def no_repeats(replies: list[str]) -> bool:
    return all(a != b for a, b in zip(replies, replies[1:], strict=False))


@pytest.mark.parametrize(("agent", "step"), STEPS)
async def test_asking_for_a_person_at_any_step_is_a_transfer(call, people, agent, step):
    caller_id, lines = SCRIPTS[agent]
    caller = call(agent, caller_id)
    await caller.start()
    for line in lines[:step]:
        await caller.says(line)
    assert not caller.transfers
    await caller.says(ASKING_FOR_A_PERSON[step % len(ASKING_FOR_A_PERSON)])
    _, target, mode = PEOPLE[agent]
    assert [(t.reason, t.target, t.mode) for t in caller.transfers] == [
        ("asked_for_human", target, mode)
    ]


@pytest.mark.parametrize("agent", ["demo", "dental", "pharmacy", "retail", "sales"])
async def test_pressing_zero_is_a_transfer(call, people, agent):
    caller = call(agent)
    await caller.start()
    await caller.keys("0")
    assert [t.reason for t in caller.transfers] == ["asked_for_human"]


async def test_the_context_travels_with_the_transfer(call, people):
    caller = call("dental", caller_id="sip:+15551230001@127.0.0.1")  # Maria, by caller id
    await caller.start()
    await caller.says("I need to reschedule my appointment")
    await caller.says("Friday")
    reply = await caller.says("actually can I just talk to somebody at the front desk")
    assert "connect you" in reply and "hold" in reply.lower()
    transfer = caller.transfers[-1]
    context = transfer.context
    assert context["caller"] == {"name": "Maria Lopez", "phone": "+15551230001", "verified": True}
    assert context["wanted"] == "reschedule"
    assert context["reason"] == "asked_for_human"
    assert "day" in context["slots"]
    assert "Maria Lopez" in transfer.summary and "reschedule" in transfer.summary
    assert "asked for a person" in transfer.summary
    assert "Bright Smile Dental" in transfer.briefing and transfer.summary in transfer.briefing
    state = caller.conversation.state
    assert state.handoffs[-1]["reason"] == "asked_for_human"
    assert state.handoffs[-1]["result"] == "pending"


async def test_not_understood_rephrases_then_offers_choices_then_hands_off(call, people):
    caller = call("demo")
    await caller.start()
    replies = [await caller.says("flibber the wozzle") for _ in range(3)]
    assert "I can help with" in replies[0]
    assert "press" in replies[1]  # the keypad choices
    assert no_repeats(replies)
    assert [t.reason for t in caller.transfers] == ["not_understood"]
    assert "trouble understanding" in replies[2]


async def test_a_question_missed_twice_is_explained_then_handed_off(call, people):
    caller = call("dental", caller_id="sip:+15551230001@127.0.0.1")
    await caller.start()
    await caller.says("I'd like to book an appointment")
    replies = [await caller.says("purple elephants") for _ in range(3)]
    assert "cleaning" in replies[0]  # asked again
    assert replies[1] == "You can say cleaning, checkup, or filling."  # how to answer
    assert no_repeats(replies)
    assert [t.reason for t in caller.transfers] == ["not_understood"]
    assert caller.transfers[0].context["wanted"] == "book"


async def test_anger_gets_one_apology_and_a_person(call, people):
    caller = call("retail")
    await caller.start()
    reply = await caller.says("this is ridiculous you're useless")
    assert "sorry this has been frustrating" in reply.lower()
    assert [t.reason for t in caller.transfers] == ["frustration"]
    failed = await caller.transfer_fails()
    assert "couldn't reach anyone" in failed
    again = await caller.says("oh for god's sake")
    assert "frustrating" not in again.lower()  # apologized once


async def test_an_angry_request_for_a_person_gets_the_apology_too(call, people):
    caller = call("demo")
    await caller.start()
    reply = await caller.says("this is useless, get me a human")
    assert reply.startswith("I'm sorry this has been frustrating.")
    assert [t.reason for t in caller.transfers] == ["asked_for_human"]


async def test_saying_no_again_and_again_is_frustration(call, people):
    caller = call("dental", caller_id="sip:+15551230001@127.0.0.1")
    await caller.start()
    await caller.says("I'd like to book a cleaning next Wednesday")
    await caller.says("the first one")  # confirm is read back
    for _ in range(3):
        await caller.says("no")
    assert [t.reason for t in caller.transfers] == ["frustration"]


async def test_an_emergency_gets_guidance_first_then_a_person(call, people):
    caller = call("demo")
    await caller.start()
    reply = await caller.says("my husband collapsed and he's not breathing")
    assert reply.index("nine one one") < reply.index("stylists")
    assert [t.reason for t in caller.transfers] == ["emergency"]


async def test_a_medication_question_goes_to_the_pharmacist(call, people):
    caller = call("pharmacy")
    await caller.start()
    reply = await caller.says("is it safe to double my dose")
    assert "can't give medical advice" in reply and "pharmacist on duty" in reply
    assert [t.reason for t in caller.transfers] == ["pharmacist"]


async def test_a_dispute_over_the_limit_goes_to_a_fraud_specialist(call, people):
    caller = call("bank")
    await caller.start()
    await caller.says("four eight two one")
    await caller.says("July twenty first, nineteen ninety")
    reply = await caller.says("No, that wasn't me")
    assert "locked your card" in reply and "transferring you to a fraud specialist" in reply
    transfer = caller.transfers[-1]
    assert (transfer.reason, transfer.mode) == ("specialist", "blind")
    assert transfer.context["caller"]["verified"] is True


async def test_a_qualified_lead_goes_to_a_rep(call, people, engine):
    caller = call("sales")
    await caller.start()
    for line in SCRIPTS["sales"][1]:
        await caller.says(line)
    reply = await caller.says("five five five one two three nine nine nine nine")
    assert "account executives now" in reply
    assert [t.reason for t in caller.transfers] == ["qualified_lead"]
    assert "Initech" in caller.transfers[0].summary
    with Session(engine) as session:
        assert session.scalars(select(Lead.disposition)).all() == ["handed_to_rep"]


async def test_a_failing_backend_is_said_and_handed_off_with_what_was_collected(
    monkeypatch, agent_named, people
):
    def broken(*args, **kwargs):
        raise ConnectionError("scheduling database is down")

    monkeypatch.setattr(scheduling, "find_slots", broken)
    from tests.agents.conftest import Caller

    caller = Caller(agent_named("dental").start_conversation("sip:+15551230001@127.0.0.1"))
    await caller.start()
    reply = await caller.says("can I book a cleaning next Wednesday morning")
    assert "went wrong" in reply.lower()  # said plainly, never a made-up success
    transfer = caller.transfers[-1]
    assert transfer.reason == "backend_failure"
    assert transfer.context["slots"]["appointment_type"] == "cleaning"
    assert caller.conversation.tasks.failed == ["book"]


async def test_a_failed_transfer_comes_back_with_a_callback_that_becomes_a_ticket(
    call, people, engine
):
    caller = call("retail", caller_id="sip:+15553334444@127.0.0.1")
    await caller.start()
    await caller.says("I need to speak to a representative")
    back = await caller.transfer_fails()
    assert "couldn't reach anyone" in back and "call you back" in back
    assert "What would you like me to pass on" in back  # the caller id is the callback number
    confirm = await caller.says("my parcel never arrived and I'd like a refund")
    assert "5 5 5, 3 3 3, 4 4 4 4" in confirm
    done = await caller.says("yes")
    assert "ticket" in done
    [ticket] = tickets(engine)
    assert "parcel never arrived" in ticket.description
    assert "asked for a person" in ticket.description  # the summary travels into the ticket
    assert "5553334444" in ticket.description
    assert caller.conversation.state.handoffs[-1]["result"] == "failed"
    again = await caller.says("can I talk to someone")
    assert "your message will reach our team" in again
    assert len(caller.transfers) == 1  # no second try, no loop


async def test_without_a_target_the_agent_takes_a_message(call, engine, monkeypatch):
    monkeypatch.delenv("DEMO_FRONT_DESK", raising=False)
    caller = call("demo")
    await caller.start()
    reply = await caller.says("can I talk to a real person")
    assert "isn't available right now" in reply and "phone number" in reply
    assert not caller.transfers
    ask = await caller.says("five five five, two one two, three four five six")
    assert "What would you like me to pass on" in ask
    confirm = await caller.says("please call me about a wedding booking")
    assert "5 5 5, 2 1 2, 3 4 5 6" in confirm
    await caller.says("no")  # a wrong number is corrected before anything is sent
    confirm = await caller.says("five five five two one two nine nine nine nine")
    assert "5 5 5, 2 1 2, 9 9 9 9" in confirm
    await caller.says("yes that's right")
    [ticket] = tickets(engine)
    assert "wedding booking" in ticket.description and "5552129999" in ticket.description
    assert caller.conversation.state.handoffs[-1]["result"] == "message"


async def test_outside_office_hours_the_dental_agent_takes_a_message(agent_named, people):
    from tests.agents.conftest import Caller

    agent = agent_named("dental")
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=ZoneInfo("America/Chicago"))
    agent.now = lambda: saturday
    caller = Caller(agent.start_conversation("sip:+15551230001@127.0.0.1"))
    await caller.start()
    reply = await caller.says("let me talk to a person")
    assert "isn't available right now" in reply
    assert "available Monday to Friday, from 8 AM to 5 PM" in reply
    assert not caller.transfers


async def test_caller_asking_to_be_called_back_leaves_a_message(call, people, engine):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    reply = await caller.says("can someone call me back")
    assert "call you back" in reply and not caller.transfers
    await caller.says("it's about my insurance card")
    await caller.says("yes")
    [ticket] = tickets(engine)
    assert "insurance card" in ticket.description
    assert caller.conversation.state.handoffs[-1]["reason"] == "callback"



async def test_asking_again_after_the_message_is_taken_never_gets_the_same_words(
    call, people, engine
):
    caller = call("pharmacy", caller_id="+15551230001")
    await caller.start()
    await caller.says("can someone call me back")
    await caller.says("it's about my insurance card")
    await caller.says("yes")
    again = await caller.says("please have someone call me back")
    once_more = await caller.says("please have someone call me back")
    assert "message" in again and "message" in once_more and again != once_more
    assert len(tickets(engine)) == 1  # still the one message


async def test_an_agent_can_hand_a_silent_caller_to_a_person(tmp_path, people):
    from callwright.agent.spec.loader import load_agent
    from tests.agents.conftest import AGENTS, Caller

    text = (AGENTS / "demo.yaml").read_text()
    path = tmp_path / "demo.yaml"
    path.write_text(text.replace("no_input:\n", "no_input:\n  then: handoff\n", 1))
    caller = Caller(load_agent(path).start_conversation())
    await caller.start()
    replies = [await caller.silent() for _ in range(3)]
    assert no_repeats(replies)
    assert [t.reason for t in caller.transfers] == ["no_input"]
    assert caller.ended is None  # handed over, not hung up on
