"""`callwright cards`: a bank's cards, transactions, fraud alerts and disputes from the command
line; locking, confirming and disputing follow the same rules as the phone agent."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions import cards as card_actions
from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import (
    MISSING,
    business_option,
    clock,
    fail,
    open_engine,
    run,
    seeded_business_or_exit,
)
from callwright.store.business.cards import Card, CardTransaction, DisputeCase, FraudAlert
from callwright.store.business.crm import Person

cards_app = typer.Typer(
    help="A bank's cards: list, show with transactions, lock, confirm or dispute.",
    no_args_is_help=True,
)

BusinessSlug = business_option("bank")
CardId = Annotated[int, typer.Argument(help="Card id, from `cards list`.")]
TransactionId = Annotated[int, typer.Argument(help="Transaction id, from `cards show`.")]
FAILURE = "That did not work."


@cards_app.command("list")
def list_cards(business: BusinessSlug, database_url: DatabaseUrl = None) -> None:
    """List cards with their holder and status."""
    engine = open_engine(database_url)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
        rows = session.execute(
            select(Card, Person)
            .join(Person, Card.person_id == Person.id)
            .where(Card.business_id == found.id)
            .order_by(Card.id)
        ).all()
    console = Console()
    if not rows:
        console.print(f"No cards in {business}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("ID", "Holder", "Card", "Status"):
        table.add_column(heading, overflow="fold")
    for card, person in rows:
        table.add_row(
            str(card.id), f"{person.first_name} {person.last_name}", _masked(card), card.status
        )
    console.print(table)


@cards_app.command("show")
def show_card(card_id: CardId, business: BusinessSlug, database_url: DatabaseUrl = None) -> None:
    """Show a card: holder, status, transactions (flagged ones marked) and dispute cases."""
    engine = open_engine(database_url)
    with Session(engine) as session:
        found = seeded_business_or_exit(session, business)
        zone = ZoneInfo(found.timezone)
        card = session.get(Card, card_id)
        if card is None or card.business_id != found.id:
            fail(f"No card {card_id} in {business}; see `callwright cards list -b {business}`.")
        person = session.get(Person, card.person_id)
        transactions = session.execute(
            select(CardTransaction, FraudAlert)
            .outerjoin(FraudAlert, CardTransaction.alert_id == FraudAlert.id)
            .where(CardTransaction.card_id == card.id)
            .order_by(CardTransaction.occurred_at.desc(), CardTransaction.id.desc())
        ).all()
        cases = session.scalars(
            select(DisputeCase).where(DisputeCase.card_id == card.id).order_by(DisputeCase.id)
        ).all()
    console = Console()
    for label, value in (
        ("Card", f"{card.id}  {_masked(card)}"),
        ("Holder", f"{person.first_name} {person.last_name}"),
        (
            "Status",
            card.status + (f" since {clock(card.locked_at, zone)}" if card.locked_at else ""),
        ),
    ):
        console.print(Text.assemble((f"{label:<8}", "bold"), value))
    table = Table(box=box.SIMPLE_HEAD, title="Transactions")
    for heading in ("ID", "When", "Merchant", "Amount", "Status", "Alert"):
        table.add_column(heading, overflow="fold")
    for transaction, alert in transactions:
        table.add_row(
            str(transaction.id),
            clock(transaction.occurred_at, zone),
            transaction.merchant,
            str(transaction.amount),
            transaction.status,
            MISSING if alert is None else f"{alert.id} ({alert.status})",
        )
    console.print(table)
    console.print(Text("Dispute cases", style="bold"))
    if not cases:
        console.print("  (none)")
    for case in cases:
        specialist = ", needs a specialist" if case.needs_specialist else ""
        console.print(f"  {case.number}  {case.status}  {case.amount}{specialist}")


@cards_app.command("lock")
def lock_card(card_id: CardId, business: BusinessSlug, database_url: DatabaseUrl = None) -> None:
    """Lock a card."""
    result = run(card_actions.lock_card, database_url, business, FAILURE, card_id=card_id)
    state = "was already locked" if result.data["already_locked"] else "is now locked"
    Console().print(f"Card {card_id} ({result.data['last_four']}) {state}.")


@cards_app.command("confirm")
def confirm_transaction(
    transaction_id: TransactionId, business: BusinessSlug, database_url: DatabaseUrl = None
) -> None:
    """Record that the cardholder made a transaction."""
    result = run(
        card_actions.confirm_transaction,
        database_url,
        business,
        FAILURE,
        transaction_id=transaction_id,
    )
    resolved = " The fraud alert is resolved." if result.data["alert_resolved"] else ""
    Console().print(f"Transaction {transaction_id} confirmed.{resolved}")


@cards_app.command("dispute")
def dispute_transaction(
    transaction_id: TransactionId,
    business: BusinessSlug,
    specialist_limit: Annotated[
        str, typer.Option(help="Cases above this total go to a human specialist.")
    ] = str(card_actions.DEFAULT_SPECIALIST_LIMIT),
    database_url: DatabaseUrl = None,
) -> None:
    """Dispute a transaction: the card is locked and a dispute case opened or extended."""
    result = run(
        card_actions.dispute_transaction,
        database_url,
        business,
        FAILURE,
        transaction_id=transaction_id,
        specialist_limit=specialist_limit,
    )
    data = result.data
    specialist = ", for a specialist" if data["needs_specialist"] else ""
    Console().print(
        f"Transaction {transaction_id} disputed in case {data['case_number']} "
        f"(total {data['amount']}{specialist}); the card is {data['card_status']}."
    )


def _masked(card: Card) -> str:
    return f"•••• {card.last_four}"
