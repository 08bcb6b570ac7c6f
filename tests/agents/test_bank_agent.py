"""Harbor Bank fraud callback: verify first, then confirm or dispute each flagged charge."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.store.business.cards import Card, CardTransaction, DisputeCase


def card_state(engine):
    with Session(engine) as session:
        card = session.scalars(select(Card).where(Card.last_four == "4821")).one()
        statuses = {t.merchant: t.status for t in session.scalars(select(CardTransaction))}
        cases = [(c.amount, c.needs_specialist) for c in session.scalars(select(DisputeCase))]
        return card.status, statuses, cases


async def test_verified_caller_confirms_one_charge_and_disputes_the_other(call, engine):
    caller = call("bank")
    opening = await caller.start()
    assert "last four digits" in opening  # identity before any account detail
    assert "ElectroMart" not in opening
    await caller.says("four eight two one")
    question = await caller.says("July twenty first, nineteen ninety")
    assert "1,249 dollars and 99 cents at ElectroMart Online" in question
    confirmed = await caller.says("yes, that one was me")
    assert "3 dollars and 50 cents at Coffee Corner" in confirmed  # the next charge
    disputed = await caller.says("No, that wasn't me")
    assert "locked your card" in disputed and "specialist" not in disputed  # under $1,000
    status, statuses, cases = card_state(engine)
    assert status == "locked"
    assert statuses["ElectroMart Online"] == "confirmed"
    assert statuses["Coffee Corner"] == "disputed"
    assert len(cases) == 1 and cases[0][1] is False


async def test_a_dispute_over_the_limit_is_left_to_a_specialist(call, engine, monkeypatch):
    monkeypatch.delenv("BANK_FRAUD_TEAM", raising=False)  # no one to transfer to: a callback
    caller = call("bank")
    await caller.start()
    await caller.says("four eight two one")
    await caller.says("July twenty first, nineteen ninety")
    disputed = await caller.says("No, that wasn't me")
    assert "locked your card" in disputed and "fraud specialist" in disputed
    assert "call you back" in disputed  # the specialist calls back with the whole case
    status, statuses, cases = card_state(engine)
    assert status == "locked" and statuses["ElectroMart Online"] == "disputed"
    assert statuses["Coffee Corner"] == "pending"  # left to the specialist
    assert len(cases) == 1 and cases[0][1] is True


async def test_identity_keyed_on_the_keypad(call, engine):
    caller = call("bank")
    await caller.start()
    assert await caller.keys("482") == ""
    assert "date of birth" in (await caller.keys("1")).lower()
    question = await caller.keys("07211990")
    assert "ElectroMart Online" in question


async def test_wrong_details_never_reveal_the_account(call, engine):
    caller = call("bank")
    await caller.start()
    await caller.says("one two three four")
    reply = await caller.says("July twenty first nineteen ninety")
    assert "don't match" in reply and "ElectroMart" not in reply
    await caller.says("four eight two one")
    reply = await caller.says("January first two thousand")
    assert "can't verify" in reply and "ElectroMart" not in reply
    assert card_state(engine)[0] == "active"


async def test_a_vague_opening_about_the_card_stays_on_the_alert_not_a_card_lock(call, engine):
    caller = call("bank")
    await caller.start()
    reply = await caller.says("Hi, you guys left me a voicemail about some activity on my card.")
    assert "last four digits" in reply and "lock" not in reply.lower()
    await caller.says("four eight two one")
    question = await caller.says("July twenty first, nineteen ninety")
    assert "ElectroMart Online" in question


async def test_a_rounded_amount_and_a_second_no_are_one_answer_about_the_charge(call, engine):
    caller = call("bank")
    await caller.start()
    await caller.says("four eight two one")
    await caller.says("July twenty first, nineteen ninety")
    reply = await caller.says("No! I did not buy anything for twelve hundred bucks. That's not me.")
    assert "disputed the ElectroMart Online charge" in reply
    assert "one at a time" not in reply
    assert card_state(engine)[1]["ElectroMart Online"] == "disputed"


async def test_a_sentence_with_a_number_in_it_is_not_taken_for_digits(call, engine):
    caller = call("bank")
    await caller.start()
    reply = await caller.says("The little coffee one is mine, but that other thing is not.")
    assert reply  # never silence while the agent waits for more digits that are not coming
    assert "last four digits" in reply


async def test_answers_given_before_verification_are_kept_for_their_charges(call, engine):
    caller = call("bank")
    await caller.start()
    await caller.says("The little coffee one is mine, but that ElectroMart thing is definitely not")
    await caller.says("four eight two one")
    done = await caller.says("July twenty first, nineteen ninety")
    assert "Did you make" not in done  # not asked again
    assert "disputed the ElectroMart Online charge" in done
    _, statuses, _ = card_state(engine)
    assert statuses["ElectroMart Online"] == "disputed"
    assert statuses["Coffee Corner"] == "confirmed"


async def test_a_charge_answered_with_the_one_going_to_a_specialist_is_marked_first(
    call, engine, monkeypatch
):
    monkeypatch.delenv("BANK_FRAUD_TEAM", raising=False)
    caller = call("bank")
    await caller.start()
    await caller.says("four eight two one")
    await caller.says("July twenty first, nineteen ninety")
    reply = await caller.says("No, the Electro Mart one isn't mine. The coffee is.")
    assert "fraud specialist" in reply and "marked the Coffee Corner purchase as yours" in reply
    _, statuses, _ = card_state(engine)
    assert statuses["ElectroMart Online"] == "disputed"
    assert statuses["Coffee Corner"] == "confirmed"
