"""REST routes for a bank's cards, transactions and dispute cases, under /api/businesses/{slug}.

Locking, confirming and disputing go through the `cards.*` actions, so a dispute made here
locks the card and joins its case exactly as one made on the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session

from callwright.actions import cards as card_actions
from callwright.actions.registry import ActionResult
from callwright.api.business_lookup import act_for, seeded_business
from callwright.store.business.cards import Card, CardTransaction, DisputeCase, FraudAlert

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class CardOut(BaseModel):
    id: int
    person_id: int
    last_four: str
    status: str
    locked_at: datetime | None

    @classmethod
    def of(cls, card: Card) -> CardOut:
        return cls(
            id=card.id,
            person_id=card.person_id,
            last_four=card.last_four,
            status=card.status,
            locked_at=card.locked_at,
        )


class AlertOut(BaseModel):
    id: int
    status: str
    created_at: datetime
    resolved_at: datetime | None
    transaction_ids: list[int]


class CardDetailOut(CardOut):
    alerts: list[AlertOut]  # newest first


class TransactionOut(BaseModel):
    id: int
    card_id: int
    amount: Decimal  # a string in JSON, e.g. "1249.99"
    merchant: str
    occurred_at: datetime
    status: str
    alert_id: int | None
    dispute_case_id: int | None

    @classmethod
    def of(cls, transaction: CardTransaction) -> TransactionOut:
        return cls(
            id=transaction.id,
            card_id=transaction.card_id,
            amount=transaction.amount,
            merchant=transaction.merchant,
            occurred_at=transaction.occurred_at,
            status=transaction.status,
            alert_id=transaction.alert_id,
            dispute_case_id=transaction.dispute_case_id,
        )


class DisputeOut(BaseModel):
    number: str
    card_id: int
    amount: Decimal  # the total of its disputed transactions
    status: str
    needs_specialist: bool
    created_at: datetime
    call_id: str | None
    transaction_ids: list[int]


def cards_router(engine: Engine, *, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """Routes for cards, transactions and disputes; `clock` stamps locks (UTC default)."""
    router = APIRouter(prefix="/api/businesses/{slug}", tags=["cards"])
    now = clock or (lambda: datetime.now(UTC))

    def act(slug: str, action: Callable[..., ActionResult], **params: object) -> ActionResult:
        result = act_for(engine, slug, now(), action, **params)
        if result.error == "not_found":
            raise HTTPException(404, _not_found_detail(slug, params))
        if not result.ok:
            raise HTTPException(409 if result.error == "conflict" else 422, result.message)
        return result

    @router.get("/cards", response_model=list[CardOut])
    def list_cards(
        slug: str,
        person_id: int | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[CardOut]:
        with Session(engine) as session:
            query = select(Card).where(Card.business_id == seeded_business(session, slug).id)
            if person_id is not None:
                query = query.where(Card.person_id == person_id)
            query = query.order_by(Card.id).limit(limit).offset(offset)
            return [CardOut.of(card) for card in session.scalars(query)]

    @router.get("/cards/{card_id}", response_model=CardDetailOut)
    def show_card(slug: str, card_id: int) -> CardDetailOut:
        """A card with its fraud alerts."""
        with Session(engine) as session:
            card = _card(session, slug, card_id)
            alerts = session.scalars(
                select(FraudAlert)
                .where(FraudAlert.card_id == card.id)
                .order_by(FraudAlert.created_at.desc(), FraudAlert.id.desc())
            )
            return CardDetailOut(
                **CardOut.of(card).model_dump(),
                alerts=[
                    AlertOut(
                        id=alert.id,
                        status=alert.status,
                        created_at=alert.created_at,
                        resolved_at=alert.resolved_at,
                        transaction_ids=_ids(session, CardTransaction.alert_id == alert.id),
                    )
                    for alert in alerts
                ],
            )

    @router.post("/cards/{card_id}/lock", response_model=CardOut)
    def lock_card(slug: str, card_id: int) -> CardOut:
        act(slug, card_actions.lock_card, card_id=card_id)
        with Session(engine) as session:
            return CardOut.of(session.get(Card, card_id))

    @router.get("/cards/{card_id}/transactions", response_model=list[TransactionOut])
    def list_transactions(
        slug: str,
        card_id: int,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[TransactionOut]:
        """The card's transactions, newest first."""
        with Session(engine) as session:
            card = _card(session, slug, card_id)
            transactions = session.scalars(
                select(CardTransaction)
                .where(CardTransaction.card_id == card.id)
                .order_by(CardTransaction.occurred_at.desc(), CardTransaction.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [TransactionOut.of(t) for t in transactions]

    @router.post("/transactions/{transaction_id}/confirm", response_model=TransactionOut)
    def confirm_transaction(slug: str, transaction_id: int) -> TransactionOut:
        """Confirm the cardholder made it; 422 if it is already disputed."""
        act(slug, card_actions.confirm_transaction, transaction_id=transaction_id)
        with Session(engine) as session:
            return TransactionOut.of(session.get(CardTransaction, transaction_id))

    @router.post("/transactions/{transaction_id}/dispute", response_model=DisputeOut)
    def dispute_transaction(
        slug: str,
        transaction_id: int,
        specialist_limit: Annotated[Decimal, Query(ge=0)] = card_actions.DEFAULT_SPECIALIST_LIMIT,
    ) -> DisputeOut:
        """Dispute it: the card is locked and the card's open case (or a new one) covers it."""
        act(
            slug,
            card_actions.dispute_transaction,
            transaction_id=transaction_id,
            specialist_limit=specialist_limit,
        )
        with Session(engine) as session:
            transaction = session.get(CardTransaction, transaction_id)
            return _dispute_out(session, session.get(DisputeCase, transaction.dispute_case_id))

    @router.get("/disputes", response_model=list[DisputeOut])
    def list_disputes(
        slug: str,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[DisputeOut]:
        """Dispute cases, newest first."""
        with Session(engine) as session:
            cases = session.scalars(
                select(DisputeCase)
                .where(DisputeCase.business_id == seeded_business(session, slug).id)
                .order_by(DisputeCase.created_at.desc(), DisputeCase.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_dispute_out(session, case) for case in cases]

    return router


def _dispute_out(session: Session, case: DisputeCase) -> DisputeOut:
    return DisputeOut(
        number=case.number,
        card_id=case.card_id,
        amount=case.amount,
        status=case.status,
        needs_specialist=case.needs_specialist,
        created_at=case.created_at,
        call_id=case.call_id,
        transaction_ids=_ids(session, CardTransaction.dispute_case_id == case.id),
    )


def _ids(session: Session, condition: ColumnElement[bool]) -> list[int]:
    query = select(CardTransaction.id).where(condition).order_by(CardTransaction.id)
    return list(session.scalars(query))


def _card(session: Session, slug: str, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None or card.business_id != seeded_business(session, slug).id:
        raise HTTPException(404, f"no card {card_id} in business {slug!r}")
    return card


def _not_found_detail(slug: str, params: dict[str, object]) -> str:
    if "transaction_id" in params:
        return f"no transaction {params['transaction_id']} in business {slug!r}"
    return f"no card {params.get('card_id')} in business {slug!r}"
