"""Prescriptions and refills over HTTP, on a temporary SQLite database."""

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
from callwright.domains.pharmacy.routes import pharmacy_router
from callwright.domains.pharmacy.seed import seed_pharmacy
from callwright.store.business.businesses import Business
from callwright.store.models import Base

ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)
BASE = "/api/businesses/pharmacy"


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    engine = create_engine(f"sqlite:///{tmp_path / 'pharmacy.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        business = Business(slug="pharmacy", name="Northside Pharmacy", timezone=ZONE.key)
        session.add(business)
        session.flush()
        for first, last, phone in (("Maria", "Lopez", "+15551230001"), ("Ed", "Cho", None)):
            create_person(
                session,
                business,
                first_name=first,
                last_name=last,
                birth_date="1985-03-14",
                phone=phone,
                created_at=NOW,
            )
        seed_pharmacy(
            session,
            business,
            {
                "prescriptions": [
                    {
                        "number": number,
                        "person": person,
                        "drug": drug,
                        "strength": strength,
                        "refills_left": refills,
                        "prescriber": "Dr. Alan Reyes",
                    }
                    for number, person, drug, strength, refills in (
                        ("4417", "Maria Lopez", "lisinopril", "10 mg", 2),
                        ("5521", "+15551230001", "atorvastatin", "20 mg", 0),
                        ("7000", "Ed Cho", "amoxicillin", "500 mg", 1),
                    )
                ]
            },
            NOW.date(),
        )
        session.commit()
    app = FastAPI()
    app.include_router(pharmacy_router(engine, clock=clock))
    with TestClient(app) as client:
        yield client
    engine.dispose()


def test_prescriptions_are_listed_per_person(client: TestClient) -> None:
    everyone = client.get(f"{BASE}/prescriptions").json()
    assert [p["number"] for p in everyone] == ["4417", "5521", "7000"]
    marias = client.get(f"{BASE}/prescriptions", params={"person_id": 1}).json()
    assert [(p["drug"], p["strength"], p["refills_left"]) for p in marias] == [
        ("lisinopril", "10 mg", 2),
        ("atorvastatin", "20 mg", 0),
    ]


def test_a_refill_round_trip(client: TestClient, clock: Clock) -> None:
    requested = client.post(f"{BASE}/prescriptions/4417/refills")
    assert requested.status_code == 201, requested.text
    refill = requested.json()
    assert refill["status"] == "requested"
    assert datetime.fromisoformat(refill["ready_at"]) == NOW + timedelta(hours=4)
    again = client.post(f"{BASE}/prescriptions/4417/refills")
    assert (again.status_code, again.json()["id"]) == (200, refill["id"])
    detail = client.get(f"{BASE}/prescriptions/4417").json()
    assert detail["refills_left"] == 1
    assert [r["id"] for r in detail["refill_requests"]] == [refill["id"]]
    assert client.get(f"{BASE}/refill-requests", params={"status": "ready"}).json() == []
    clock.now = NOW + timedelta(hours=5)
    ready = client.get(f"{BASE}/refill-requests", params={"status": "ready"}).json()
    assert [(r["prescription_number"], r["status"]) for r in ready] == [("4417", "ready")]
    assert client.get(f"{BASE}/refill-requests", params={"status": "requested"}).json() == []


def test_a_refill_without_refills_waits_for_the_doctor(client: TestClient) -> None:
    response = client.post(f"{BASE}/prescriptions/5521/refills")
    assert response.status_code == 201
    assert response.json()["status"] == "needs_authorization"
    assert response.json()["ready_at"] is None
    waiting = client.get(f"{BASE}/refill-requests", params={"status": "needs_authorization"})
    assert [r["prescription_number"] for r in waiting.json()] == ["5521"]
    assert client.get(f"{BASE}/prescriptions/5521").json()["refills_left"] == 0


def test_unknown_prescription_is_404(client: TestClient) -> None:
    assert client.get(f"{BASE}/prescriptions/1").status_code == 404
    missing = client.post(f"{BASE}/prescriptions/1/refills")
    assert missing.status_code == 404
    assert "'1'" in missing.json()["detail"]
    assert client.get("/api/businesses/nowhere/prescriptions").status_code == 404
    assert client.get(f"{BASE}/refill-requests", params={"status": "lost"}).status_code == 422
