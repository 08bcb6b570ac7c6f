"""Pharmacy actions on a temporary SQLite database: prescriptions and refill requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from callwright.actions.crm import create_person
from callwright.actions.registry import ActionContext, ActionRegistry
from callwright.domains.pharmacy import actions as pharmacy
from callwright.domains.pharmacy.models import Prescription, RefillRequest
from callwright.domains.pharmacy.seed import seed_pharmacy
from callwright.store.business.businesses import Business
from callwright.store.models import Base

PHARMACY_ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=PHARMACY_ZONE)
CALL_ID = "f" * 32

DEMO = {
    "prescriptions": [
        {
            "number": "4417",
            "person": "Maria Lopez",
            "drug": "lisinopril",
            "strength": "10 mg",
            "refills_left": 2,
            "prescriber": "Dr. Alan Reyes",
            "refill_requests": [
                {
                    "status": "picked_up",
                    "requested_at": "2026-10-20T10:00:00-05:00",
                    "ready_at": "2026-10-20T14:00:00-05:00",
                }
            ],
        },
        {
            "number": "5521",
            "person": "+15551230001",
            "drug": "atorvastatin",
            "strength": "20 mg",
            "refills_left": 0,
            "prescriber": "Dr. Alan Reyes",
        },
        {
            "number": "6100",
            "person": "James Wilson",
            "drug": "metformin",
            "strength": "500 mg",
            "refills_left": 3,
            "prescriber": "Dr. Kim Ho",
            "status": "expired",
        },
    ]
}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'pharmacy.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        business = Business(slug="pharmacy", name="Northside Pharmacy", timezone=PHARMACY_ZONE.key)
        session.add(business)
        session.flush()
        for first, last, born, phone in (
            ("Maria", "Lopez", "1985-03-14", "+15551230001"),
            ("James", "Wilson", "1972-11-02", "+15551230002"),
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
        seed_pharmacy(session, business, DEMO, NOW.date())
        session.commit()
    yield engine
    engine.dispose()


MARIA, JAMES = 1, 2


def _context(engine: Engine, now: datetime = NOW) -> ActionContext:
    return ActionContext(engine=engine, business="pharmacy", now=now, call_id=CALL_ID)


def _refills_left(engine: Engine, number: str) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(Prescription.refills_left).where(Prescription.number == number)
        )


def _requests(engine: Engine, number: str) -> list[RefillRequest]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(RefillRequest)
                .join(Prescription)
                .where(Prescription.number == number)
                .order_by(RefillRequest.id)
            )
        )


def test_a_patients_prescriptions_are_listed(engine: Engine) -> None:
    result = pharmacy.prescriptions(_context(engine), MARIA)
    assert result.ok
    assert [
        (p["number"], p["drug"], p["strength"], p["refills_left"])
        for p in result.data["prescriptions"]
    ] == [("4417", "lisinopril", "10 mg", 2), ("5521", "atorvastatin", "20 mg", 0)]
    assert pharmacy.prescriptions(_context(engine), 99).error == "not_found"


def test_a_prescription_is_found_only_for_its_patient(engine: Engine) -> None:
    assert pharmacy.prescription(_context(engine), "4417", person_id=MARIA).data["drug"] == (
        "lisinopril"
    )
    assert pharmacy.prescription(_context(engine), "4417").ok
    other = pharmacy.prescription(_context(engine), "4417", person_id=JAMES)
    assert other.error == "not_found"
    assert pharmacy.prescription(_context(engine), "9999").error == "not_found"


def test_refill_with_refills_left_uses_one_and_is_ready_in_four_hours(engine: Engine) -> None:
    result = pharmacy.request_refill(_context(engine), "# 4417", person_id=MARIA)
    assert result.ok, result.message
    assert result.data["created"] is True
    assert result.data["status"] == "requested"
    assert result.data["needs_authorization"] is False
    assert result.data["refills_left"] == 1
    assert result.data["ready_at"] == (NOW + timedelta(hours=4)).isoformat()
    assert _refills_left(engine, "4417") == 1
    newest = _requests(engine, "4417")[-1]
    assert (newest.status, newest.call_id) == ("requested", CALL_ID)


def test_asking_again_returns_the_request_under_way(engine: Engine) -> None:
    first = pharmacy.request_refill(_context(engine), "4417")
    again = pharmacy.request_refill(_context(engine, NOW + timedelta(minutes=5)), "4417")
    assert again.ok
    assert again.data["created"] is False
    assert again.data["refill_id"] == first.data["refill_id"]
    assert _refills_left(engine, "4417") == 1
    assert len(_requests(engine, "4417")) == 2  # the seeded, picked-up one and the new one


def test_refill_without_refills_asks_the_doctor(engine: Engine) -> None:
    result = pharmacy.request_refill(_context(engine), "5521", person_id=MARIA)
    assert result.ok
    assert result.data["status"] == "needs_authorization"
    assert result.data["needs_authorization"] is True
    assert result.data["prescriber"] == "Dr. Alan Reyes"
    assert result.data["ready_at"] is None
    assert _refills_left(engine, "5521") == 0
    assert [r.status for r in _requests(engine, "5521")] == ["needs_authorization"]


def test_an_expired_prescription_is_not_refilled(engine: Engine) -> None:
    result = pharmacy.request_refill(_context(engine), "6100")
    assert result.error == "not_allowed"
    assert "doctor" in result.message
    assert _refills_left(engine, "6100") == 3
    assert _requests(engine, "6100") == []


def test_refill_status_turns_ready_at_the_promised_time(engine: Engine) -> None:
    pharmacy.request_refill(_context(engine), "4417")
    soon = pharmacy.refill_status(_context(engine, NOW + timedelta(hours=1)), "4417")
    assert soon.data["status"] == "requested"
    later = pharmacy.refill_status(_context(engine, NOW + timedelta(hours=4)), "4417")
    assert later.data["status"] == "ready"
    # A ready refill not yet picked up is still the one under way.
    again = pharmacy.request_refill(_context(engine, NOW + timedelta(hours=5)), "4417")
    assert (again.data["created"], again.data["status"]) == (False, "ready")


def test_refill_status_without_a_request(engine: Engine) -> None:
    assert pharmacy.refill_status(_context(engine), "5521").error == "no_request"
    assert pharmacy.refill_status(_context(engine), "9999").error == "not_found"
    assert pharmacy.refill_status(_context(engine), "4417").data["status"] == "picked_up"


async def test_registered_actions_run_through_the_registry(engine: Engine) -> None:
    registry = ActionRegistry()
    pharmacy.register(registry)
    assert registry.names() == [
        "pharmacy.prescription",
        "pharmacy.prescriptions",
        "pharmacy.refill_status",
        "pharmacy.request_refill",
    ]
    result = await registry.run("pharmacy.request_refill", {"number": "4417"}, _context(engine))
    assert result.ok and result.data["refills_left"] == 1
    count = await registry.run("pharmacy.prescriptions", {"person_id": "1"}, _context(engine))
    assert len(count.data["prescriptions"]) == 2
