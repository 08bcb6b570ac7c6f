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


async def test_a_reply_that_only_looked_things_up_is_taken_back(call):
    caller = call("dental")
    await caller.start()
    await caller.says("I need to cancel my appointment")
    await caller.says("Maria Lopez")
    before = caller.conversation.checkpoint()
    await caller.says("March fourteenth nineteen eighty-five")  # verification looks her up
    assert caller.conversation.tasks.verified
    assert caller.conversation.restore(before)
    assert not caller.conversation.tasks.verified


async def test_a_reply_that_changed_records_is_not_taken_back(call, engine):
    caller = call("dental", "+15551230001")  # Maria, known by her number
    await caller.start()
    await caller.says("I need to cancel my appointment")
    before = caller.conversation.checkpoint()
    await caller.says("yes")  # the cancellation is written
    assert appointments_of(engine, "Maria")[0][0] == "cancelled"
    assert not caller.conversation.restore(before)
    assert "scheduling.cancel" in caller.conversation.tasks.done_actions  # nothing changed


async def test_after_going_back_a_hand_off_is_still_recorded_on_the_call(call):
    caller = call("dental")
    await caller.start()
    before = caller.conversation.checkpoint()
    await caller.says("I'd like to book a checkup")
    assert caller.conversation.restore(before)
    await caller.says("can I talk to a real person please")
    handoffs = caller.conversation.state.handoffs
    assert [entry["reason"] for entry in handoffs] == ["asked_for_human"]
