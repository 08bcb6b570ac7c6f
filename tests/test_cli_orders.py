"""`callwright orders list|show|return` against a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from callwright.actions.crm import create_person
from callwright.actions.orders import seed_orders
from callwright.cli_orders import orders_app
from callwright.store.business.businesses import Business
from callwright.store.database import open_database
from callwright.store.models import Base

WIDE_TERMINAL = {"COLUMNS": "200"}
NOW = datetime.now(UTC)  # `orders return` judges the window by the real clock


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    engine = open_database(url)
    Base.metadata.create_all(engine)  # business tables not yet in a migration are created here
    with Session(engine) as session:
        business = Business(slug="retail", name="Cedar & Co.", timezone="America/New_York")
        session.add(business)
        session.flush()
        create_person(session, business, first_name="Ana", last_name="Ruiz", created_at=NOW)
        orders = [
            # number, status, placed and delivered days ago, carrier, tracking number
            ("100234", "shipped", 3, None, "UPS", "1Z999AA10123456784"),
            ("100587", "delivered", 15, 10, "USPS", None),
            ("100999", "delivered", 50, 45, None, None),
        ]
        seed_orders(
            session,
            business,
            {
                "orders": [
                    {
                        "number": number,
                        "person": "Ana Ruiz",
                        "status": status,
                        "carrier": carrier,
                        "tracking_number": tracking,
                        "total": "42.00",
                        "placed_at": NOW - timedelta(days=placed),
                        "delivered_at": None if delivered is None else NOW - timedelta(delivered),
                    }
                    for number, status, placed, delivered, carrier, tracking in orders
                ]
            },
            NOW.date(),
        )
        session.commit()
    engine.dispose()
    return url


def _run(*args: str) -> object:
    return CliRunner().invoke(orders_app, list(args), env=WIDE_TERMINAL)


def test_list_shows_orders_with_customer_and_tracking(database_url: str) -> None:
    result = _run("list", "-b", "retail", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "100234" in line)
    assert "Ana Ruiz" in row and "shipped" in row and "1Z999AA10123456784" in row
    assert result.output.index("100234") < result.output.index("100999")  # newest first
    delivered = _run(
        "list", "-b", "retail", "--status", "delivered", "--database-url", database_url
    )
    assert "100234" not in delivered.output and "100587" in delivered.output


def test_return_then_show(database_url: str) -> None:
    started = _run(
        "return", "100587", "-b", "retail", "--reason", "wrong size", "--database-url", database_url
    )
    assert started.exit_code == 0, started.output
    assert "Started return" in started.output
    shown = _run("show", "100587", "-b", "retail", "--database-url", database_url)
    assert shown.exit_code == 0, shown.output
    assert "started since" in shown.output and "wrong size" in shown.output


def test_return_outside_the_window_exits_1_with_the_reason(database_url: str) -> None:
    result = _run(
        "return", "100999", "-b", "retail", "--reason", "late", "--database-url", database_url
    )
    assert result.exit_code == 1
    assert "45 days" in result.output


def test_unknown_order_and_business_exit_1(database_url: str) -> None:
    missing = _run("show", "1", "-b", "retail", "--database-url", database_url)
    assert missing.exit_code == 1 and "No order '1'" in missing.output
    nowhere = _run("list", "-b", "nowhere", "--database-url", database_url)
    assert nowhere.exit_code == 1 and "No business 'nowhere'" in nowhere.output
