"""Cards, transactions and disputes over HTTP, on a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from callwright.actions.cards import seed_cards
from callwright.actions.crm import create_person
from callwright.api.routes_cards import cards_router
from callwright.store.business.businesses import Business
from callwright.store.models import Base

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
BASE = "/api/businesses/bank"
GROCER, ELECTROMART, COFFEE = 1, 2, 3


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cards.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        business = Business(slug="bank", name="Harbor Bank", timezone=ZONE.key)
        session.add(business)
        session.flush()
        for first, last, phone in (("Daniel", "Kim", "+15551230003"), ("Lena", "Park", None)):
            create_person(
                session,
                business,
                first_name=first,
                last_name=last,
                birth_date="1990-07-21",
                phone=phone,
                created_at=NOW,
            )
        seed_cards(
            session,
            business,
            {
                "cards": [
                    {
                        "person": "Daniel Kim",
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
            },
            NOW.date(),
        )
        session.commit()
    app = FastAPI()
    app.include_router(cards_router(engine, clock=lambda: NOW))
    with TestClient(app) as client:
        yield client
    engine.dispose()


def test_cards_and_their_alerts(client: TestClient) -> None:
    listed = client.get(f"{BASE}/cards").json()
    assert [(c["id"], c["last_four"], c["status"]) for c in listed] == [
        (1, "4821", "active"),
        (2, "1234", "active"),
    ]
    assert [c["id"] for c in client.get(f"{BASE}/cards", params={"person_id": 2}).json()] == [2]
    card = client.get(f"{BASE}/cards/1").json()
    assert [(a["status"], a["transaction_ids"]) for a in card["alerts"]] == [
        ("open", [ELECTROMART, COFFEE])
    ]


def test_transactions_are_newest_first_with_string_amounts(client: TestClient) -> None:
    transactions = client.get(f"{BASE}/cards/1/transactions").json()
    assert [(t["merchant"], t["amount"], t["status"]) for t in transactions] == [
        ("Coffee Corner", "3.50", "pending"),
        ("ElectroMart Online", "1249.99", "pending"),
        ("Green Grocer", "54.20", "confirmed"),
    ]


def test_confirm_and_dispute_round_trip(client: TestClient) -> None:
    confirmed = client.post(f"{BASE}/transactions/{COFFEE}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    disputed = client.post(f"{BASE}/transactions/{ELECTROMART}/dispute")
    assert disputed.status_code == 200, disputed.text
    case = disputed.json()
    assert case["amount"] == "1249.99"
    assert case["needs_specialist"] is True
    assert case["status"] == "escalated"
    assert case["transaction_ids"] == [ELECTROMART]
    card = client.get(f"{BASE}/cards/1").json()
    assert card["status"] == "locked"
    assert datetime.fromisoformat(card["locked_at"]) == NOW
    assert card["alerts"][0]["status"] == "resolved"
    assert [d["number"] for d in client.get(f"{BASE}/disputes").json()] == [case["number"]]
    refused = client.post(f"{BASE}/transactions/{ELECTROMART}/confirm")
    assert refused.status_code == 422
    assert "disputed" in refused.json()["detail"]


def test_dispute_below_a_raised_limit_stays_open(client: TestClient) -> None:
    response = client.post(
        f"{BASE}/transactions/{ELECTROMART}/dispute", params={"specialist_limit": "5000"}
    )
    assert (response.json()["status"], response.json()["needs_specialist"]) == ("open", False)


def test_lock_a_card(client: TestClient) -> None:
    locked = client.post(f"{BASE}/cards/2/lock")
    assert locked.status_code == 200
    assert locked.json()["status"] == "locked"
    assert client.get(f"{BASE}/cards/1").json()["status"] == "active"


def test_unknown_records_are_404_with_detail(client: TestClient) -> None:
    assert client.get(f"{BASE}/cards/9").json()["detail"] == "no card 9 in business 'bank'"
    assert client.post(f"{BASE}/cards/9/lock").status_code == 404
    missing = client.post(f"{BASE}/transactions/99/dispute")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no transaction 99 in business 'bank'",
    )
    assert client.get("/api/businesses/nowhere/disputes").status_code == 404
    assert client.post("/api/businesses/nowhere/cards/1/lock").status_code == 404
