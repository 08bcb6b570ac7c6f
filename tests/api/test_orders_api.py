"""Orders and returns over HTTP, on a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from callwright.actions.crm import create_person
from callwright.actions.orders import seed_orders
from callwright.api.routes_orders import orders_router
from callwright.store.business.businesses import Business
from callwright.store.models import Base

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
BASE = "/api/businesses/retail"


def _days_ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    engine = create_engine(f"sqlite:///{tmp_path / 'orders.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        business = Business(slug="retail", name="Cedar & Co.", timezone=ZONE.key)
        session.add(business)
        session.flush()
        create_person(
            session,
            business,
            first_name="Ana",
            last_name="Ruiz",
            phone="+15551230004",
            created_at=NOW,
        )
        seed_orders(
            session,
            business,
            {
                "orders": [
                    {
                        "number": "100234",
                        "person": "Ana Ruiz",
                        "status": "shipped",
                        "carrier": "UPS",
                        "tracking_number": "1Z999AA10123456784",
                        "total": "89.90",
                        "placed_at": _days_ago(3),
                        "shipped_at": _days_ago(2),
                    },
                    {
                        "number": "100587",
                        "status": "delivered",
                        "total": "42.00",
                        "placed_at": _days_ago(15),
                        "delivered_at": _days_ago(10),
                    },
                    {
                        "number": "100999",
                        "status": "delivered",
                        "total": "120.50",
                        "placed_at": _days_ago(50),
                        "delivered_at": _days_ago(45),
                    },
                ]
            },
            NOW.date(),
        )
        session.commit()
    app = FastAPI()
    app.include_router(orders_router(engine, clock=lambda: NOW))
    with TestClient(app) as client:
        yield client
    engine.dispose()


def test_orders_are_listed_newest_first_and_filtered(client: TestClient) -> None:
    response = client.get(f"{BASE}/orders")
    assert response.status_code == 200
    assert [o["number"] for o in response.json()] == ["100234", "100587", "100999"]
    delivered = client.get(f"{BASE}/orders", params={"status": "delivered"}).json()
    assert [o["number"] for o in delivered] == ["100587", "100999"]
    assert client.get(f"{BASE}/orders", params={"status": "lost"}).status_code == 422


def test_an_order_shows_tracking_and_a_string_total(client: TestClient) -> None:
    order = client.get(f"{BASE}/orders/100234").json()
    assert order["carrier"] == "UPS"
    assert order["tracking_number"] == "1Z999AA10123456784"
    assert order["total"] == "89.90"
    assert order["person_id"] == 1
    assert datetime.fromisoformat(order["shipped_at"]) == NOW - timedelta(days=2)


def test_unknown_order_and_business_are_404_with_detail(client: TestClient) -> None:
    missing = client.get(f"{BASE}/orders/555")
    assert missing.status_code == 404
    assert "555" in missing.json()["detail"]
    other = client.get("/api/businesses/nowhere/orders")
    assert other.status_code == 404
    assert "nowhere" in other.json()["detail"]


def test_an_order_is_created_once(client: TestClient) -> None:
    body = {
        "number": "200001",
        "person_id": 1,
        "status": "processing",
        "total": "19.99",
        "placed_at": NOW.isoformat(),
    }
    created = client.post(f"{BASE}/orders", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["total"] == "19.99"
    assert client.get(f"{BASE}/orders/200001").json()["status"] == "processing"
    duplicate = client.post(f"{BASE}/orders", json=body)
    assert duplicate.status_code == 409
    assert "200001" in duplicate.json()["detail"]


def test_invalid_orders_are_422(client: TestClient) -> None:
    body = {"number": "200002", "status": "processing", "total": "5.00"}
    naive = client.post(f"{BASE}/orders", json={**body, "placed_at": "2026-11-24T09:00:00"})
    assert naive.status_code == 422
    aware = NOW.isoformat()
    assert (
        client.post(f"{BASE}/orders", json={**body, "placed_at": aware, "person_id": 99}).json()[
            "detail"
        ]
        == "no person 99 in business 'retail'; create it first"
    )
    assert (
        client.post(f"{BASE}/orders", json={**body, "placed_at": aware, "status": "x"}).status_code
        == 422
    )


def test_a_return_round_trip(client: TestClient) -> None:
    started = client.post(f"{BASE}/orders/100587/returns", json={"reason": "wrong size"})
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "started"
    assert started.json()["refund_eligible"] is True
    again = client.post(f"{BASE}/orders/100587/returns", json={"reason": "too big"})
    assert again.status_code == 200
    assert again.json()["id"] == started.json()["id"]
    listed = client.get(f"{BASE}/returns").json()
    assert [(r["order_number"], r["reason"]) for r in listed] == [("100587", "wrong size")]


def test_a_return_outside_the_window_is_422_with_the_reason(client: TestClient) -> None:
    refused = client.post(f"{BASE}/orders/100999/returns", json={"reason": "changed my mind"})
    assert refused.status_code == 422
    assert "45 days" in refused.json()["detail"]
    assert client.get(f"{BASE}/returns").json() == []
    missing = client.post(f"{BASE}/orders/1/returns", json={"reason": "x"})
    assert missing.status_code == 404
    assert client.post(f"{BASE}/orders/100587/returns", json={"reason": ""}).status_code == 422
