"""`callwright cards list|show|lock|confirm|dispute` against a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from callwright.actions.cards import seed_cards
from callwright.actions.crm import create_person
from callwright.cli_cards import cards_app
from callwright.store.business.businesses import Business
from callwright.store.database import open_database
from callwright.store.models import Base

WIDE_TERMINAL = {"COLUMNS": "200"}
ELECTROMART, COFFEE = 1, 2


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cards.db'}"
    engine = open_database(url)
    Base.metadata.create_all(engine)  # business tables not yet in a migration are created here
    now = datetime.now(UTC)
    with Session(engine) as session:
        business = Business(slug="bank", name="Harbor Bank", timezone="America/New_York")
        session.add(business)
        session.flush()
        create_person(
            session,
            business,
            first_name="Daniel",
            last_name="Kim",
            birth_date="1990-07-21",
            phone="+15551230003",
            created_at=now,
        )
        alert = {
            "created_at": now - timedelta(minutes=5),
            "transactions": [
                {
                    "amount": "1249.99",
                    "merchant": "ElectroMart Online",
                    "occurred_at": now - timedelta(minutes=20),
                },
                {
                    "amount": "3.50",
                    "merchant": "Coffee Corner",
                    "occurred_at": now - timedelta(minutes=10),
                },
            ],
        }
        cards = [{"person": "+15551230003", "last_four": "4821", "alerts": [alert]}]
        seed_cards(session, business, {"cards": cards}, now.date())
        session.commit()
    engine.dispose()
    return url


def _run(*args: str) -> object:
    return CliRunner().invoke(cards_app, list(args), env=WIDE_TERMINAL)


def test_list_and_show(database_url: str) -> None:
    listed = _run("list", "-b", "bank", "--database-url", database_url)
    assert listed.exit_code == 0, listed.output
    assert "Daniel Kim" in listed.output and "4821" in listed.output
    shown = _run("show", "1", "-b", "bank", "--database-url", database_url)
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if "ElectroMart" in line)
    assert "1249.99" in row and "pending" in row and "1 (open)" in row
    assert "(none)" in shown.output  # no dispute cases yet


def test_confirm_and_dispute_lock_the_card_and_open_a_case(database_url: str) -> None:
    confirmed = _run("confirm", str(COFFEE), "-b", "bank", "--database-url", database_url)
    assert confirmed.exit_code == 0, confirmed.output
    assert "confirmed." in confirmed.output and "resolved" not in confirmed.output
    disputed = _run("dispute", str(ELECTROMART), "-b", "bank", "--database-url", database_url)
    assert disputed.exit_code == 0, disputed.output
    assert "disputed in case 700001 (total 1249.99, for a specialist)" in disputed.output
    assert "the card is locked" in disputed.output
    shown = _run("show", "1", "-b", "bank", "--database-url", database_url)
    assert "locked since" in shown.output
    assert "700001  escalated  1249.99, needs a specialist" in shown.output
    assert "1 (resolved)" in shown.output


def test_lock_is_idempotent(database_url: str) -> None:
    assert "is now locked" in _run("lock", "1", "-b", "bank", "--database-url", database_url).output
    again = _run("lock", "1", "-b", "bank", "--database-url", database_url)
    assert "was already locked" in again.output


def test_failures_exit_1_with_a_sentence(database_url: str) -> None:
    missing = _run("dispute", "99", "-b", "bank", "--database-url", database_url)
    assert missing.exit_code == 1 and "couldn't find that transaction" in missing.output
    limit = _run(
        "dispute", "1", "-b", "bank", "--specialist-limit", "lots", "--database-url", database_url
    )
    assert limit.exit_code == 1 and "not a number" in limit.output
    nowhere = _run("lock", "1", "-b", "nowhere", "--database-url", database_url)
    assert nowhere.exit_code == 1 and "nowhere" in nowhere.output
