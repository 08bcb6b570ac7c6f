"""Cedar and Co: order status, tracking and returns by the return window."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.store.business.orders import Order, OrderReturn


def returns(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(
            select(Order.number).join(OrderReturn, OrderReturn.order_id == Order.id)
        ))


async def test_tracking_then_an_offer_only_after_the_question_is_answered(call):
    caller = call("retail")
    greeting = await caller.start()
    assert "free shipping" not in greeting
    await caller.says("where is my order")
    reply = await caller.says("one zero zero two three four")
    assert "UPS" in reply and "1 Z 9 9 9 A A 1 0 1 2 3 4 5 6 7 8 4" in reply
    assert "free shipping" in reply  # the light offer comes after the answer


async def test_return_inside_the_window_is_started_and_outside_is_refused(call, engine):
    caller = call("retail")
    await caller.start()
    await caller.says("I want to return order 100999")
    await caller.says("it doesn't fit")
    refused = await caller.says("yes")
    assert "outside our 30-day return window" in refused
    assert returns(engine) == []

    await caller.says("Then I'd like to return order one zero zero five eight seven")
    await caller.says("it arrived damaged")
    confirm = caller.heard[-1]
    assert "1 0 0 5 8 7 because it arrived damaged" in confirm
    started = await caller.says("yes please")
    assert "return is started" in started
    assert returns(engine) == ["100587"]


async def test_order_number_keyed_on_the_keypad(call):
    caller = call("retail")
    await caller.start()
    await caller.says("has my order shipped")
    reply = await caller.keys("100234")
    assert "shipped with UPS" in reply


async def test_part_of_a_number_then_silence_asks_for_the_rest(call):
    caller = call("retail")
    await caller.start()
    await caller.says("where is my order")
    await caller.says("one zero zero")
    assert "I have 1 0 0 so far" in await caller.silent()
    assert "shipped with UPS" in await caller.says("two three four")


async def test_the_call_knows_whether_words_give_the_number_asked_for(call):
    caller = call("retail")
    await caller.start()
    assert caller.conversation.hears_awaited("4") is None  # nothing asked for yet
    await caller.says("where is my order")
    assert caller.conversation.hears_awaited("1 0 0") is False  # heard short: listen again
    assert caller.conversation.hears_awaited("one zero zero two three four") is True
    await caller.says("one zero zero")
    assert caller.conversation.hears_awaited("two three four") is True  # the rest of it


async def test_part_of_a_number_then_what_was_that_asks_for_all_of_it(call):
    caller = call("retail")
    await caller.start()
    await caller.says("where is my order")
    assert "1 0 0, okay" in await caller.says("one zero zero")
    again = await caller.says("sorry, what was that?")
    assert "I have 1 0 0 so far" in again and "order number" in again
    assert "shipped with UPS" in await caller.says("one zero zero two three four")


async def test_order_number_said_in_two_groups_with_a_pause(call):
    caller = call("retail")
    await caller.start()
    await caller.says("where is my order")
    # a pause mid-number: what was heard is read back, and the agent waits for the rest
    assert await caller.says("one zero zero") == "1 0 0, okay."
    reply = await caller.says("two three four")
    assert "shipped with UPS" in reply


async def test_two_orders_to_return_and_the_first_refused_the_second_goes_ahead(call, engine):
    caller = call("retail")
    await caller.start()
    await caller.says("I want to send back two things, order 100999 and order 100587")
    await caller.says("they're both broken")
    refused = await caller.says("yes")
    assert "outside our 30-day return window" in refused and "Now the next one." in refused
    confirm = await caller.says("the switch is broken")
    assert "return order 1 0 0 5 8 7" in confirm
    await caller.says("yes please")
    assert returns(engine) == ["100587"]


async def test_a_question_about_another_order_keeps_the_return_on_its_own_order(call, engine):
    caller = call("retail")
    await caller.start()
    await caller.says("I want to return order 100587")
    await caller.says("it doesn't match the room")
    aside = await caller.says("wait, where is my other order? one zero zero two three four")
    assert "UPS" in aside and "return order 1 0 0 5 8 7" in aside  # back to its own order
    called_off = await caller.says("no, don't start the return, I'll keep the lamp")
    assert "won't go ahead" in called_off
    assert returns(engine) == []


async def test_mild_annoyance_at_a_refusal_is_not_a_hand_off(call, engine):
    caller = call("retail")
    await caller.start()
    await caller.says("I want to return order 100999")
    await caller.says("it stopped working")
    await caller.says("yes")
    reply = await caller.says("oh, that's annoying. Then I'd like to return order 100587")
    assert "frustrating" not in reply and not caller.transfers
    assert "reason" in reply
