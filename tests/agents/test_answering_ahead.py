"""A task agent answering ahead of time, on a speculative copy: reads run, writes do not,
and the real conversation is left as it was."""

from __future__ import annotations

import pytest

from callwright.agent.conversation import CallerSaid, Say, WouldChangeRecords
from tests.agents.test_dental_agent import appointments_of


async def says_ahead(conversation, text: str) -> str:
    copy = conversation.speculative_copy()
    return " ".join([a.text async for a in copy.respond(CallerSaid(text)) if isinstance(a, Say)])


async def test_a_copy_answers_with_a_look_up_and_the_real_conversation_is_untouched(call):
    caller = call("dental")
    await caller.start()
    await caller.says("I need to cancel my appointment")
    await caller.says("Maria Lopez")
    history = list(caller.conversation.state.history)
    ahead = await says_ahead(caller.conversation, "March fourteenth nineteen eighty-five")
    assert not caller.conversation.tasks.verified  # the copy verified her, not the call
    assert caller.conversation.state.history == history
    # the real turn says what the copy said ahead: its prepared audio fits
    assert await caller.says("March fourteenth nineteen eighty-five") == ahead
    assert caller.conversation.tasks.verified


async def test_a_copy_stops_before_a_write_and_nothing_is_written(call, engine):
    caller = call("dental", "+15551230001")  # Maria, known by her number
    await caller.start()
    await caller.says("I need to cancel my appointment")
    with pytest.raises(WouldChangeRecords):
        await says_ahead(caller.conversation, "yes")
    assert appointments_of(engine, "Maria")[0][0] != "cancelled"
    await caller.says("yes")  # the real turn writes, once
    assert appointments_of(engine, "Maria")[0][0] == "cancelled"
