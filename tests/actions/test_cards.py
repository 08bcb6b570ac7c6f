"""Card actions of the fraud-alert callback, on a fresh SQLite file and a fresh PostgreSQL
database: identity verification, alerts, confirmations, disputes and card locks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from callwright.actions import cards
from callwright.actions.crm import create_person
from callwright.actions.registry import ActionContext, ActionRegistry
from callwright.store.business.businesses import Business
from callwright.store.business.cards import Card, CardTransaction, DisputeCase, FraudAlert
from callwright.store.models import Base

BANK_ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=BANK_ZONE)
CALL_ID = "b" * 32

DEMO = {
    "cards": [
        {
            "person": "+15551230003",
            "last_four": "4821",
            "transactions": [
                {
                    "amount": "54.20",
                    "merchant": "Green Grocer",
                    "occurred_at": "2026-11-22T18:10:00-05:00",
                    "status": "confirmed",
                }
            ],
            "alerts": [
                {
                    "created_at": "2026-11-24T07:55:00-05:00",
                    "transactions": [
                        {
                            "amount": "1249.99",
                            "merchant": "ElectroMart Online",
                            "occurred_at": "2026-11-24T07:42:00-05:00",
                        },
                        {
                            "amount": "3.50",
                            "merchant": "Coffee Corner",
                            "occurred_at": "2026-11-24T07:50:00-05:00",
                        },
                    ],
                }
            ],
        },
        {"person": "Lena Park", "last_four": "1234"},
    ]
}
GROCER, ELECTROMART, COFFEE = 1, 2, 3
KIM_CARD, PARK_CARD = 1, 2


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        business = Business(slug="bank", name="Harbor Bank", timezone=BANK_ZONE.key)
        session.add(business)
        session.flush()
        for first, last, born, phone in (
            ("Daniel", "Kim", "1990-07-21", "+15551230003"),
            ("Lena", "Park", "1990-07-21", "+15551230009"),
        ):
            create_person(
                session,
                business,
                first_name=first,
                last_name=last,
                birth_date=born,
                phone=phone,
                created_at=NOW,
            )
        cards.seed_cards(session, business, DEMO, NOW.date())
        session.commit()
    yield engine
    engine.dispose()


def _context(engine: Engine, now: datetime = NOW) -> ActionContext:
    return ActionContext(engine=engine, business="bank", now=now, call_id=CALL_ID)


def _card(engine: Engine, card_id: int = KIM_CARD) -> Card:
    with Session(engine) as session:
        return session.get(Card, card_id)


def _alert(engine: Engine) -> FraudAlert:
    with Session(engine) as session:
        return session.scalar(select(FraudAlert))


def _cases(engine: Engine) -> list[DisputeCase]:
    with Session(engine) as session:
        return list(session.scalars(select(DisputeCase)))


def test_identity_is_verified_by_last_four_and_birth_date(engine: Engine) -> None:
    result = cards.verify_identity(_context(engine), "4 8 2 1", "1990-07-21")
    assert result.ok
    assert (result.data["first_name"], result.data["last_name"]) == ("Daniel", "Kim")
    assert result.data["card_id"] == KIM_CARD
    assert result.data["card_status"] == "active"


def test_a_failed_verification_does_not_say_which_part_was_wrong(engine: Engine) -> None:
    wrong_card = cards.verify_identity(_context(engine), "4822", "1990-07-21")
    wrong_birth = cards.verify_identity(_context(engine), "4821", "1990-07-22")
    # Lena Park's card with Daniel Kim's birth date is a real card and a real birth date.
    someone_else = cards.verify_identity(_context(engine), "1234", "1985-03-14")
    assert wrong_card.error == "not_verified"
    assert wrong_card == wrong_birth == someone_else
    assert wrong_card.data == {}
    assert "4821" not in wrong_card.message and "birth" not in wrong_card.message


def test_unusable_verification_input_asks_again(engine: Engine) -> None:
    assert cards.verify_identity(_context(engine), "48", "1990-07-21").error == "invalid"
    assert cards.verify_identity(_context(engine), "4821", "July").error == "invalid"


def test_open_alerts_list_the_flagged_transactions(engine: Engine) -> None:
    result = cards.open_alerts(_context(engine), KIM_CARD)
    assert result.ok
    flagged = [
        (t["transaction_id"], t["amount"], t["merchant"], t["status"])
        for t in result.data["transactions"]
    ]
    assert flagged == [
        (ELECTROMART, "1249.99", "ElectroMart Online", "pending"),
        (COFFEE, "3.50", "Coffee Corner", "pending"),
    ]
    assert result.data["transactions"][0]["occurred_at"] == "2026-11-24T07:42:00-05:00"
    assert result.data["pending_count"] == 2
    assert cards.open_alerts(_context(engine), PARK_CARD).data["transactions"] == []
    assert cards.open_alerts(_context(engine), 99).error == "not_found"


def test_a_dispute_locks_the_card_and_opens_a_case(engine: Engine) -> None:
    result = cards.dispute_transaction(_context(engine), COFFEE)
    assert result.ok
    assert result.data["created"] is True
    assert result.data["card_status"] == "locked"
    assert result.data["amount"] == "3.50"
    assert result.data["needs_specialist"] is False
    assert result.data["case_status"] == "open"
    assert result.data["case_number"] == "700001"
    card = _card(engine)
    assert card.status == "locked"
    assert card.locked_at == NOW
    [case] = _cases(engine)
    assert (case.number, case.card_id, case.call_id) == ("700001", KIM_CARD, CALL_ID)
    with Session(engine) as session:
        assert session.get(CardTransaction, COFFEE).dispute_case_id == case.id


def test_a_dispute_above_1000_goes_to_a_specialist(engine: Engine) -> None:
    result = cards.dispute_transaction(_context(engine), ELECTROMART)
    assert result.data["needs_specialist"] is True
    assert result.data["case_status"] == "escalated"
    assert _cases(engine)[0].needs_specialist is True


def test_the_specialist_limit_is_a_parameter(engine: Engine) -> None:
    result = cards.dispute_transaction(_context(engine), ELECTROMART, specialist_limit="5000")
    assert result.data["needs_specialist"] is False
    assert cards.dispute_transaction(_context(engine), COFFEE, specialist_limit="x").error == (
        "invalid"
    )


def test_a_second_dispute_extends_the_cards_case(engine: Engine) -> None:
    first = cards.dispute_transaction(_context(engine), COFFEE)
    second = cards.dispute_transaction(_context(engine), ELECTROMART)
    assert second.data["case_number"] == first.data["case_number"]
    assert second.data["amount"] == "1253.49"
    assert second.data["needs_specialist"] is True
    [case] = _cases(engine)
    assert case.amount == Decimal("1253.49")
    assert case.status == "escalated"


def test_disputing_twice_returns_the_same_case(engine: Engine) -> None:
    first = cards.dispute_transaction(_context(engine), COFFEE)
    again = cards.dispute_transaction(_context(engine), COFFEE)
    assert again.ok and again.data["created"] is False
    assert again.data["case_number"] == first.data["case_number"]
    assert again.data["amount"] == "3.50"
    assert len(_cases(engine)) == 1


def test_cases_of_different_cards_get_new_numbers(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            CardTransaction(
                business_id=1,
                card_id=PARK_CARD,
                amount=Decimal("20.00"),
                merchant="Book Nook",
                occurred_at=NOW - timedelta(hours=1),
                status="pending",
            )
        )
        session.commit()
    cards.dispute_transaction(_context(engine), COFFEE)
    other = cards.dispute_transaction(_context(engine), 4)
    assert other.data["case_number"] == "700002"
    assert _card(engine, PARK_CARD).status == "locked"


def test_the_alert_is_resolved_when_every_transaction_is_answered(engine: Engine) -> None:
    confirmed = cards.confirm_transaction(_context(engine), COFFEE, card_id=KIM_CARD)
    assert confirmed.ok
    assert confirmed.data["status"] == "confirmed"
    assert confirmed.data["alert_resolved"] is False
    assert _alert(engine).status == "open"
    assert _card(engine).status == "active"
    disputed = cards.dispute_transaction(_context(engine), ELECTROMART, card_id=KIM_CARD)
    assert disputed.data["alert_resolved"] is True
    alert = _alert(engine)
    assert (alert.status, alert.resolved_at) == ("resolved", NOW)
    assert cards.open_alerts(_context(engine), KIM_CARD).data["transactions"] == []


def test_confirming_every_transaction_resolves_the_alert_without_a_lock(engine: Engine) -> None:
    cards.confirm_transaction(_context(engine), ELECTROMART)
    assert cards.confirm_transaction(_context(engine), COFFEE).data["alert_resolved"] is True
    assert _card(engine).status == "active"
    assert _cases(engine) == []


def test_a_disputed_transaction_cannot_be_confirmed_by_phone(engine: Engine) -> None:
    case_number = cards.dispute_transaction(_context(engine), COFFEE).data["case_number"]
    result = cards.confirm_transaction(_context(engine), COFFEE)
    assert result.error == "not_allowed"
    assert result.data["case_number"] == case_number


def test_a_confirmed_transaction_can_still_be_disputed(engine: Engine) -> None:
    cards.confirm_transaction(_context(engine), COFFEE)
    assert cards.dispute_transaction(_context(engine), COFFEE).data["amount"] == "3.50"


def test_a_transaction_of_another_card_is_not_found(engine: Engine) -> None:
    assert cards.confirm_transaction(_context(engine), COFFEE, card_id=PARK_CARD).error == (
        "not_found"
    )
    assert cards.dispute_transaction(_context(engine), 999).error == "not_found"
    assert _card(engine).status == "active"


def test_lock_card_is_idempotent(engine: Engine) -> None:
    first = cards.lock_card(_context(engine), KIM_CARD)
    assert (first.data["card_status"], first.data["already_locked"]) == ("locked", False)
    later = cards.lock_card(_context(engine, NOW + timedelta(hours=1)), str(KIM_CARD))
    assert later.data["already_locked"] is True
    assert _card(engine).locked_at == NOW
    assert cards.lock_card(_context(engine), "card").error == "not_found"


async def test_registered_actions_run_through_the_registry(engine: Engine) -> None:
    registry = ActionRegistry()
    cards.register(registry)
    assert registry.names() == [
        "cards.confirm_transaction",
        "cards.dispute_transaction",
        "cards.lock_card",
        "cards.open_alerts",
        "cards.verify_identity",
    ]
    result = await registry.run(
        "cards.dispute_transaction", {"transaction_id": str(ELECTROMART)}, _context(engine)
    )
    assert result.ok and result.data["needs_specialist"] is True
