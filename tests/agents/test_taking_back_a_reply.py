"""A reply the caller talked over in its first words is taken back, unless it already acted."""

from __future__ import annotations

from tests.agents.test_dental_agent import appointments_of


async def test_going_back_forgets_what_the_first_half_set(call):
    caller = call("dental")
    await caller.start()
    before = caller.conversation.checkpoint()
    await caller.says("I'd like to book a checkup")
    assert caller.conversation.tasks.values.get("appointment_type") == "checkup"
    assert caller.conversation.restore(before)
    assert caller.conversation.tasks.values == {}
    assert [entry.role for entry in caller.conversation.state.history] == ["agent"]
    # the whole sentence, read once from where the agent stood
    reply = await caller.says("I'd like to book a cleaning with Doctor Patel")
    assert "name" in reply.lower()
    values = caller.conversation.tasks.values
    assert values["appointment_type"] == "cleaning" and "Patel" in values["provider"]


async def test_a_reply_that_ran_an_action_is_not_taken_back(call, engine):
    caller = call("dental")
    await caller.start()
    await caller.says("I need to cancel my appointment")
    await caller.says("Maria Lopez")
    before = caller.conversation.checkpoint()
    await caller.says("March fourteenth nineteen eighty-five")  # verification looks her up
    assert caller.conversation.tasks.verified
    assert not caller.conversation.restore(before)
    assert caller.conversation.tasks.verified  # nothing was changed
    assert appointments_of(engine, "Maria")  # and nothing written was lost
