"""Acme Analytics sales: discovery, qualification, hand-off or the right plan."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.store.business.crm import Lead


def leads(engine) -> list[tuple[str, bool, str]]:
    with Session(engine) as session:
        return [(lead.name, lead.qualified, lead.disposition)
                for lead in session.scalars(select(Lead))]


DISCOVERY = ["we need dashboards for our sales team"]
SMALL_TEAM = ["Sam Lee", "Lee Bakery", "track our sales", "three people", "maybe in six months",
              "not sure yet", "yes", "555 123 7777"]  # a lead for a plan, not for a rep


async def test_qualified_lead_is_handed_to_a_rep(call, engine):
    caller = call("sales")
    await caller.start()
    await caller.says("Hi, I'd like to learn about Acme for my team")
    answers = ["Pat Doe", "Initech", "live sales dashboards", "about twenty five people",
               "within two months", "around two thousand dollars a month", "yes, I decide",
               "five five five one two three nine nine nine nine"]
    for answer in answers:
        reply = await caller.says(answer)
    assert "Enterprise" in reply and "account executive" in reply
    assert leads(engine) == [("Pat Doe", True, "handed_to_rep")]


async def test_small_team_gets_a_plan_and_a_follow_up_not_a_rep(call, engine):
    caller = call("sales")
    await caller.start()
    await caller.says("we're looking at Acme")
    for answer in SMALL_TEAM:
        reply = await caller.says(answer)
    assert "Team plan" in reply and "account executive" not in reply
    assert leads(engine) == [("Sam Lee", False, "follow_up")]


async def test_objection_is_answered_without_pressure_and_discovery_resumes(call):
    caller = call("sales")
    await caller.start()
    await caller.says("I want to buy a subscription")
    await caller.says("Pat Doe")
    reply = await caller.says("hmm, isn't it too expensive?")
    assert "free trial" in reply
    assert "company" in reply  # back to the discovery question it was on


async def test_whatever_brings_a_prospect_discovery_starts(call):
    caller = call("sales")
    await caller.start()
    reply = await caller.says("my accountant said I should look into something for tracking sales")
    assert "Who am I speaking with" in reply


async def test_a_question_the_agent_has_nothing_on_gets_an_honest_answer(call):
    caller = call("sales")
    await caller.start()
    reply = await caller.says("can you host our data in Switzerland?")
    assert "I don't have an answer to that" in reply and "didn't" not in reply
    assert caller.conversation.state.asked == ["no_answer"]


async def test_a_prospect_with_no_timeline_is_not_asked_again_and_again(call):
    caller = call("sales")
    await caller.start()
    for said in ("I'd like to learn about Acme for my team", "Grace Whitaker",
                 "Riverside Literacy", "better reports for donors", "three of us"):
        await caller.says(said)
    reply = await caller.says("No real deadline, whenever.")
    assert "budget" in reply and "How soon" not in reply


async def test_a_question_answered_leads_on_to_discovery_and_words_settle_a_lead(call, engine):
    caller = call("sales")
    await caller.start()
    reply = await caller.says("can you tell me about your plans?")
    assert "Starter" in reply and reply.endswith("Who am I speaking with?")  # not a dead end
    answers = ["Aoife Brennan. It's said ee-fa.", "Copperleaf Studio", "client reports",
               "just the two of us", "in a month or so", "maybe fifty a month",
               "I'd need my partner to sign off on it",  # neither yes nor no: left open
               "555 337 2215"]
    for answer in answers:
        reply = await caller.says(answer)
    assert reply.startswith("Thanks, Aoife.")
    assert [name for name, _, _ in leads(engine)] == ["Aoife Brennan"]


async def test_a_prospect_who_would_rather_not_say_is_not_asked_again(call, engine):
    caller = call("sales")
    await caller.start()
    assert (await caller.says("how much are your plans?")).endswith("Who am I speaking with?")
    reply = await caller.says("I'd rather not get into that yet, I'm just comparing prices")
    assert "No problem" in reply and "Who am I speaking with" not in reply
    reply = await caller.says("is there a free trial?")
    assert "free trial" in reply and "Who am I speaking with" not in reply
    assert leads(engine) == []


async def test_weeks_count_as_months_and_the_number_called_from_is_the_phone(call, engine):
    caller = call("sales", caller_id="sip:+15559902174@127.0.0.1")
    await caller.start()
    await caller.says("we need an analytics platform for our finance team")
    answers = ["Helen Marsh", "Trident Insurance", "consolidate our reporting",
               "One fifty, so a hundred fifty seats, roughly.",
               "in the next three, four weeks", "ten thousand a month", "yes, I'm the CFO",
               "use the number I'm calling from, after four please"]
    for answer in answers:
        reply = await caller.says(answer)
    assert "account executive" in reply
    with Session(engine) as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.team_size, lead.timeline_months, lead.phone) == (150, 1, "+15559902174")
    assert lead.qualified


async def test_an_objection_after_the_recommendation_does_not_start_discovery_again(call, engine):
    caller = call("sales")
    await caller.start()
    await caller.says("we're looking at Acme")
    for answer in SMALL_TEAM:
        await caller.says(answer)
    reply = await caller.says("hmm, even that is more than we can swing right now")
    assert "company" not in reply and "speaking with" not in reply
    assert leads(engine) == [("Sam Lee", False, "follow_up")]
