"""Card actions for a fraud-alert callback: verify the cardholder, read the flagged
transactions, confirm or dispute each, lock the card; and the seeder.

A dispute locks the card and joins the card's open dispute case (a new one if it has none).
The case needs a human specialist when its total is above `specialist_limit`
(DEFAULT_SPECIALIST_LIMIT unless the agent passes one). A fraud alert is resolved once none of
its transactions is pending.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callwright.actions.crm import as_int, business_for, parse_date, person_by_reference, zone_of
from callwright.actions.records import local_iso, parse_moment
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.store.business.businesses import Business
from callwright.store.business.cards import (
    CARD_STATUSES,
    OPEN_DISPUTE_STATUSES,
    Card,
    CardTransaction,
    DisputeCase,
    FraudAlert,
)
from callwright.store.business.crm import Person

DEFAULT_SPECIALIST_LIMIT = Decimal("1000")
FIRST_CASE_NUMBER = 700001  # case numbers are this many digits, counting up per business
LAST_FOUR_DIGITS = 4
SEEDED_TRANSACTION_STATUSES = ("pending", "confirmed")
NOT_VERIFIED_MESSAGE = "I'm sorry, I couldn't verify your identity with those details."


def register(registry: ActionRegistry) -> None:
    registry.register("cards.verify_identity", verify_identity, retry_safe=True, reads_only=True)
    registry.register("cards.open_alerts", open_alerts, retry_safe=True, reads_only=True)
    # Confirming, disputing and locking are idempotent: a retry finds the work done.
    registry.register("cards.confirm_transaction", confirm_transaction, retry_safe=True)
    registry.register("cards.dispute_transaction", dispute_transaction, retry_safe=True)
    registry.register("cards.lock_card", lock_card, retry_safe=True)


def verify_identity(
    context: ActionContext, last_four: str | int, birth_date: str | date
) -> ActionResult:
    """The cardholder and card when both the card's last four digits and the birth date match.

    A mismatch fails with "not_verified" and the same sentence whichever part was wrong.
    """
    digits = "".join(ch for ch in str(last_four) if ch.isdigit())
    if len(digits) != LAST_FOUR_DIGITS:
        return ActionResult.failure("invalid", "Please tell me the last four digits of your card.")
    try:
        born = parse_date(birth_date)
    except ValueError:
        return ActionResult.failure(
            "invalid", "I didn't catch your date of birth. Could you say it again?"
        )
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        matches = session.execute(
            select(Card, Person)
            .join(Person, Card.person_id == Person.id)
            .where(
                Card.business_id == business.id,
                Card.last_four == digits,
                Person.birth_date == born,
            )
            .order_by(Card.status, Card.id)  # "active" before "locked"
        ).all()
        if len({person.id for _, person in matches}) != 1:
            return ActionResult.failure("not_verified", NOT_VERIFIED_MESSAGE)
        card, person = matches[0]
        return ActionResult.success(
            first_name=person.first_name,
            last_name=person.last_name,
            **card_data(card, zone_of(business)),
        )


def open_alerts(context: ActionContext, card_id: int | str) -> ActionResult:
    """The transactions under the card's open fraud alerts, oldest first."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        card = _card(session, business, card_id)
        if card is None:
            return _card_not_found()
        flagged = session.scalars(
            select(CardTransaction)
            .join(FraudAlert, CardTransaction.alert_id == FraudAlert.id)
            .where(FraudAlert.card_id == card.id, FraudAlert.status == "open")
            .order_by(CardTransaction.occurred_at, CardTransaction.id)
        ).all()
        zone = zone_of(business)
        return ActionResult.success(
            card_id=card.id,
            last_four=card.last_four,
            transactions=[transaction_data(t, zone) for t in flagged],
            pending=[transaction_data(t, zone) for t in flagged if t.status == "pending"],
            pending_count=sum(t.status == "pending" for t in flagged),
        )


def confirm_transaction(
    context: ActionContext, transaction_id: int | str, card_id: int | str | None = None
) -> ActionResult:
    """Record that the cardholder made this transaction; with `card_id`, only on that card."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        transaction = _transaction(session, business, transaction_id, card_id)
        if transaction is None:
            return _transaction_not_found()
        if transaction.status == "disputed":
            case = session.get(DisputeCase, transaction.dispute_case_id)
            return ActionResult.failure(
                "not_allowed",
                "That charge is already disputed, so a specialist would need to withdraw "
                "the dispute.",
                case_number=None if case is None else case.number,
            )
        transaction.status = "confirmed"
        alert_resolved = _resolve_alert_when_done(session, transaction, context.now)
        session.commit()
        return ActionResult.success(
            **transaction_data(transaction, zone_of(business)),
            alert_resolved=alert_resolved,
        )


def dispute_transaction(
    context: ActionContext,
    transaction_id: int | str,
    card_id: int | str | None = None,
    specialist_limit: str | int | float = DEFAULT_SPECIALIST_LIMIT,
) -> ActionResult:
    """Dispute a transaction: lock the card and open or extend its dispute case.

    The answer carries `case_number`, the case's total `amount`, and `needs_specialist`
    (the total is above `specialist_limit`). Disputing it again returns the same case.
    """
    try:
        limit = Decimal(str(specialist_limit))
    except InvalidOperation:
        return ActionResult.failure("invalid", "The dispute limit of this agent is not a number.")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        transaction = _transaction(session, business, transaction_id, card_id)
        if transaction is None:
            return _transaction_not_found()
        if transaction.status == "disputed":
            case = session.get(DisputeCase, transaction.dispute_case_id)
            card = session.get(Card, transaction.card_id)
            return ActionResult.success(
                **dispute_data(case, card, transaction, zone), created=False, alert_resolved=False
            )
        card = session.get(Card, transaction.card_id)
        _lock(card, context.now)
        case = _open_case(session, business, card, context)
        case.amount += transaction.amount
        case.needs_specialist = case.amount > limit
        case.status = "escalated" if case.needs_specialist else "open"
        transaction.status = "disputed"
        transaction.dispute_case_id = case.id
        alert_resolved = _resolve_alert_when_done(session, transaction, context.now)
        session.commit()
        return ActionResult.success(
            **dispute_data(case, card, transaction, zone),
            created=True,
            alert_resolved=alert_resolved,
        )


def lock_card(context: ActionContext, card_id: int | str) -> ActionResult:
    """Lock the card; locking a locked card changes nothing."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        card = _card(session, business, card_id)
        if card is None:
            return _card_not_found()
        was_locked = card.status == "locked"
        _lock(card, context.now)
        session.commit()
        return ActionResult.success(**card_data(card, zone_of(business)), already_locked=was_locked)


def card_data(card: Card, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "card_id": card.id,
        "person_id": card.person_id,
        "last_four": card.last_four,
        "card_status": card.status,
        "locked_at": local_iso(card.locked_at, zone),
    }


def transaction_data(transaction: CardTransaction, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "transaction_id": transaction.id,
        "card_id": transaction.card_id,
        "amount": str(transaction.amount),
        "merchant": transaction.merchant,
        "occurred_at": local_iso(transaction.occurred_at, zone),
        "status": transaction.status,
        "alert_id": transaction.alert_id,
        "dispute_case_id": transaction.dispute_case_id,
    }


def dispute_data(
    case: DisputeCase, card: Card, transaction: CardTransaction, zone: ZoneInfo
) -> dict[str, Any]:
    return {
        "case_number": case.number,
        "case_status": case.status,
        "amount": str(case.amount),
        "needs_specialist": case.needs_specialist,
        "card_status": card.status,
        "transaction": transaction_data(transaction, zone),
    }


def _lock(card: Card, now: datetime) -> None:
    if card.status != "locked":
        card.status = "locked"
        card.locked_at = now


def _open_case(
    session: Session, business: Business, card: Card, context: ActionContext
) -> DisputeCase:
    case = session.scalar(
        select(DisputeCase)
        .where(DisputeCase.card_id == card.id, DisputeCase.status.in_(OPEN_DISPUTE_STATUSES))
        .order_by(DisputeCase.id.desc())
        .limit(1)
    )
    if case is not None:
        return case
    # Same-width numbers sort as text, so the greatest is the newest; a number taken by a
    # concurrent dispute fails the unique constraint and the registry's retry takes the next.
    newest = session.scalar(
        select(func.max(DisputeCase.number)).where(DisputeCase.business_id == business.id)
    )
    case = DisputeCase(
        business_id=business.id,
        number=str(FIRST_CASE_NUMBER if newest is None else int(newest) + 1),
        card_id=card.id,
        amount=Decimal("0"),
        status="open",
        needs_specialist=False,
        created_at=context.now,
        call_id=context.call_id,
    )
    session.add(case)
    session.flush()
    return case


def _resolve_alert_when_done(session: Session, transaction: CardTransaction, now: datetime) -> bool:
    """Resolve the transaction's alert if none of its transactions is pending any more."""
    if transaction.alert_id is None:
        return False
    alert = session.get(FraudAlert, transaction.alert_id)
    if alert is None or alert.status != "open":
        return False
    pending = session.scalar(
        select(func.count())
        .select_from(CardTransaction)
        .where(CardTransaction.alert_id == alert.id, CardTransaction.status == "pending")
    )
    if pending:
        return False
    alert.status = "resolved"
    alert.resolved_at = now
    return True


def _card(session: Session, business: Business, card_id: int | str) -> Card | None:
    card = session.get(Card, _id(card_id))
    return card if card is not None and card.business_id == business.id else None


def _transaction(
    session: Session, business: Business, transaction_id: int | str, card_id: int | str | None
) -> CardTransaction | None:
    transaction = session.get(CardTransaction, _id(transaction_id))
    if transaction is None or transaction.business_id != business.id:
        return None
    if card_id is not None and transaction.card_id != _id(card_id):
        return None
    return transaction


def _id(value: int | str) -> int:
    """A record id as an agent slot holds it (12 or "12"); 0, which no record has, if garbled."""
    try:
        return as_int(value)
    except ValueError:
        return 0


def _card_not_found() -> ActionResult:
    return ActionResult.failure("not_found", "I couldn't find that card.")


def _transaction_not_found() -> ActionResult:
    return ActionResult.failure("not_found", "I couldn't find that transaction on your card.")


def seed_cards(session: Session, business: Business, data: dict[str, Any], today: date) -> None:
    """Insert cards with their transactions and fraud alerts; `today` is unused (dates come
    resolved). "person" is the phone number or "First Last" of a person in the CRM section:

        cards:
          - person: "+15551230003"             # or: Daniel Kim
            last_four: "4821"
            status: active                    # optional: active | locked
            transactions:                     # optional: ordinary, not flagged
              - {amount: "54.20", merchant: Green Grocer,
                 occurred_at: "2026-11-22T18:10:00-05:00", status: confirmed}
            alerts:                           # optional: each an open fraud alert
              - created_at: "2026-11-24T07:55:00-05:00"
                transactions:                 # status defaults to pending
                  - {amount: "1249.99", merchant: ElectroMart Online,
                     occurred_at: "2026-11-24T07:42:00-05:00"}
                  - {amount: "3.50", merchant: Coffee Corner,
                     occurred_at: "2026-11-24T07:50:00-05:00"}
    """
    for item in data.get("cards", []):
        status = item.get("status", "active")
        if status not in CARD_STATUSES:
            raise ValueError(f"card {item['last_four']}: status {status!r} not in {CARD_STATUSES}")
        card = Card(
            business_id=business.id,
            person_id=person_by_reference(session, business, item["person"]).id,
            last_four=str(item["last_four"]),
            status=status,
        )
        session.add(card)
        session.flush()
        for transaction in item.get("transactions", []):
            session.add(_seeded_transaction(business, card, transaction, None))
        for alert_item in item.get("alerts", []):
            alert = FraudAlert(
                business_id=business.id,
                card_id=card.id,
                status="open",
                created_at=parse_moment(alert_item["created_at"]),
            )
            session.add(alert)
            session.flush()
            for transaction in alert_item["transactions"]:
                session.add(_seeded_transaction(business, card, transaction, alert))
    session.flush()


def _seeded_transaction(
    business: Business, card: Card, item: dict[str, Any], alert: FraudAlert | None
) -> CardTransaction:
    status = item.get("status", "pending")
    if status not in SEEDED_TRANSACTION_STATUSES:
        raise ValueError(
            f"card {card.last_four}: transaction status {status!r} not in "
            f"{SEEDED_TRANSACTION_STATUSES} (a dispute needs its case: open it with "
            "cards.dispute_transaction)"
        )
    return CardTransaction(
        business_id=business.id,
        card_id=card.id,
        amount=Decimal(str(item["amount"])),
        merchant=item["merchant"],
        occurred_at=parse_moment(item["occurred_at"]),
        status=status,
        alert_id=None if alert is None else alert.id,
    )
