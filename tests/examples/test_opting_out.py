"""A callee who asks not to be called again, by words or the opt-out key, on outbound calls
only; words that merely look like it keep the call going."""

from __future__ import annotations

import pytest

from callwright.call.turn_log import state_dict
from tests.examples.conftest import Caller

MARIA = "sip:+15551230001@127.0.0.1"
GOODBYE = "Understood, we won't call you again. Goodbye."


def dialled(agent_named, name: str = "pharmacy") -> Caller:
    agent = agent_named(name)
    contact = {"first_name": "Maria", "prescription_number": "4417"}
    return Caller(agent.start_conversation(MARIA, outbound=True, contact=contact))


@pytest.mark.parametrize(
    "words",
    [
        "Stop calling me.",
        "please take me off your list",
        "don't call me again",
        "remove my number",
        "unsubscribe",
        "put me on the do not call list",
        "take me of you're list",  # as a phone line's transcript may write it
        "uh, yeah, no, stop collin me",
    ],
)
async def test_words_opt_out_at_once(agent_named, engine, words):
    caller = dialled(agent_named)
    await caller.start()
    reply = await caller.says(words)
    assert reply == GOODBYE and caller.ended == "opted_out"
    state = state_dict(caller.conversation)
    assert state["opted_out"] is True and state["task"]["task"] is None


async def test_opting_out_in_the_middle_of_a_task(agent_named, engine):
    caller = dialled(agent_named, "dental")
    await caller.start()
    await caller.says("Maria Lopez")
    await caller.says("March 14 1985")
    reply = await caller.says(
        "Actually I'd rather you didn't phone here, just take my number off your calling list"
    )  # not a phrasing the patterns were tuned on
    assert reply == GOODBYE and caller.conversation.state.opted_out


async def test_the_opt_out_key(agent_named, engine):
    caller = dialled(agent_named, "dental")
    await caller.start()  # asks for the name: no digits awaited
    assert await caller.keys("9") == GOODBYE
    assert caller.ended == "opted_out" and caller.conversation.state.opted_out


async def test_the_opt_out_key_is_a_digit_while_digits_are_asked_for(agent_named, engine):
    caller = dialled(agent_named)
    await caller.start()
    await caller.says("Maria Lopez")  # "And your date of birth?", which may be keyed
    for key in "0314198":
        assert await caller.keys(key) == ""
    offer = await caller.keys("5")
    assert "lisinopril" in offer and caller.ended is None
    assert await caller.keys("9") == GOODBYE  # a yes-or-no question: 9 is the opt-out key


@pytest.mark.parametrize(
    "words",
    [
        "stop, I mean Tuesday",
        "can you call me back later",
        "don't call me before noon",
    ],
)
async def test_words_that_only_look_like_opting_out(agent_named, engine, words):
    caller = dialled(agent_named)
    await caller.start()
    await caller.says(words)
    assert caller.ended is None and not caller.conversation.state.opted_out


async def test_an_inbound_caller_is_not_opted_out(call):
    caller = call("pharmacy", "+15551230001")
    await caller.start()
    await caller.says("stop calling me")
    await caller.keys("9")
    assert caller.ended != "opted_out" and not caller.conversation.state.opted_out
