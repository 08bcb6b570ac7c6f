"""Speculative replies as deterministic timelines on the virtual line.

A caller who trails off ("tell me about") or gives a yes that decides an action is let
finish; meanwhile the agent answers ahead on a copy of the conversation. These tests show
the three ways a speculation ends (used, discarded, wasted), that the caller only ever
hears what the real conversation says, and that nothing is written ahead of time.
"""

from __future__ import annotations

import pytest

from callwright.agent.conversation import CallerSaid, Say, WouldChangeRecords
from tests.support.virtual_call import EchoAgent, EchoConversation, Phrase, run_call

INCOMPLETE_TURN_S = 1.1  # TurnTakingOptions.incomplete_turn_ms: trailing words are waited on


def speculation(record) -> dict[str, int]:
    return record.dialogue_state["speculation"]


async def test_a_trailing_turn_is_answered_ahead_and_the_prepared_reply_is_used():
    phrases = [Phrase(1.0, 2.0, "tell me about")]
    line, conversation, record = await run_call(phrases, 6.0)
    turn = record.turns[1]
    assert turn.caller_text == "tell me about"
    assert turn.agent_text == "you said tell me about"
    assert turn.marks["end_of_turn"] - turn.marks["speech_end"] == pytest.approx(
        INCOMPLETE_TURN_S, abs=0.03)
    # the copy answered during the pause; the real conversation answered once, at the end
    assert conversation.speculated == [[CallerSaid("tell me about")]]
    assert conversation.inputs == [CallerSaid("tell me about")]
    assert speculation(record) == {"used": 1, "discarded": 0, "wasted": 0}
    assert [e.data["result"] for e in record.events if e.kind == "speculation"] == ["used"]


async def test_a_caller_who_goes_on_discards_the_speculation_and_only_their_turn_is_answered():
    phrases = [Phrase(1.0, 2.0, "tell me about"), Phrase(2.5, 3.0, "the hours")]
    line, conversation, record = await run_call(phrases, 6.0)
    assert [t.caller_text for t in record.turns] == ["", "tell me about the hours"]
    # answered ahead at each pause: the first discarded, the second (the whole turn) used
    assert conversation.speculated == [[CallerSaid("tell me about")],
                                       [CallerSaid("tell me about the hours")]]
    assert conversation.inputs == [CallerSaid("tell me about the hours")]
    assert [e.text for e in conversation.state.history] == [
        "hello there", "tell me about the hours", "you said tell me about the hours"]
    assert speculation(record) == {"used": 1, "discarded": 1, "wasted": 0}


async def test_a_caller_who_goes_on_as_the_prepared_reply_starts_is_one_turn():
    # the turn ended after the long wait, the prepared reply began at once, and the caller
    # went on during its first words: both halves are one turn, answered once
    phrases = [Phrase(1.0, 2.0, "tell me about"), Phrase(3.2, 3.6, "the hours")]
    line, conversation, record = await run_call(phrases, 7.0)
    assert [t.caller_text for t in record.turns] == ["", "tell me about the hours"]
    assert conversation.state.history[-1].text == "you said tell me about the hours"
    assert speculation(record)["used"] == 1  # the first reply did start from prepared audio
    first_reply = [at for at, f in line.sent if f.utterance_id == 2]
    assert first_reply and max(first_reply) <= 3.2 + 0.06 + 0.021


class BookingConversation(EchoConversation):
    """Asks to book; "yes book it" writes a booking to the business's records."""

    def __init__(self, records: list[str]) -> None:
        super().__init__()
        self.records = records

    def decides_action(self) -> bool:
        return True  # the yes or no awaited books or not: the caller is let finish

    async def respond(self, caller_input):
        if isinstance(caller_input, CallerSaid) and caller_input.text == "yes book it":
            self.inputs.append(caller_input)
            if self.speculative:
                raise WouldChangeRecords("book")
            self.records.append("booked")
            yield Say("you are booked")
            return
        async for action in super().respond(caller_input):
            yield action


def booking_agent(records: list[str]) -> EchoAgent:
    agent = EchoAgent()
    agent.conversation = BookingConversation(records)
    return agent


async def test_a_speculation_that_would_write_writes_nothing_and_the_real_turn_writes_once():
    records: list[str] = []
    phrases = [Phrase(1.0, 1.8, "yes book it")]
    line, conversation, record = await run_call(phrases, 5.0, agent=booking_agent(records))
    assert conversation.speculated == [[CallerSaid("yes book it")]]  # tried ahead, stopped
    assert records == ["booked"]  # by the committed turn only
    assert record.turns[1].agent_text == "you are booked"
    assert speculation(record) == {"used": 0, "discarded": 0, "wasted": 1}


async def test_a_discarded_speculation_leaves_the_records_untouched():
    records: list[str] = []
    phrases = [Phrase(1.0, 1.8, "yes book it"), Phrase(2.1, 2.5, "no wait")]
    line, conversation, record = await run_call(phrases, 5.0, agent=booking_agent(records))
    assert [t.caller_text for t in record.turns] == ["", "yes book it no wait"]
    assert records == []
    assert speculation(record)["discarded"] == 1
