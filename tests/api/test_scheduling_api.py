"""Scheduling over HTTP: providers, types, slots, and booking, moving and cancelling."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.actions.dental_demo import MARIA_TUESDAY_CLEANING
from tests.api.business_app import dental_client

BASE = "/api/businesses/dental"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return dental_client(tmp_path)


def _person_id(client: TestClient, phone: str) -> int:
    return client.get(f"{BASE}/people", params={"phone": phone}).json()[0]["id"]


def test_providers_and_types_are_listed(client: TestClient) -> None:
    providers = client.get(f"{BASE}/providers").json()
    assert [p["name"] for p in providers] == ["Dr. Omar Patel", "Dr. Sarah Chen"]
    assert providers[0]["working_hours"][0] == {
        "weekday": 0,
        "start": "08:00:00",
        "end": "17:00:00",
    }
    assert len(providers[0]["working_hours"]) == 5
    types = {
        t["name"]: t["duration_minutes"] for t in client.get(f"{BASE}/appointment-types").json()
    }
    assert types == {"checkup": 30, "cleaning": 60, "filling": 60}


def test_slots_for_a_day_with_a_provider(client: TestClient) -> None:
    answer = client.get(
        f"{BASE}/slots",
        params={
            "type": "cleaning",
            "provider": "Dr. Chen",
            "day": "2026-12-01",
            "after": "09:00",
            "limit": 3,
        },
    )
    assert answer.status_code == 200
    assert [s["starts_at"] for s in answer.json()["slots"]] == [
        "2026-12-01T09:00:00-06:00",
        "2026-12-01T11:00:00-06:00",
        "2026-12-01T11:30:00-06:00",
    ]
    full = client.get(f"{BASE}/slots", params={"type": "cleaning", "day": "2026-12-06"}).json()
    assert full["slots"] == [] and "Sunday, December 6" in full["message"]
    assert full["next_openings"][0]["starts_at"] == "2026-12-07T08:00:00-06:00"


def test_bad_slot_queries_are_404_or_422(client: TestClient) -> None:
    unknown_type = client.get(f"{BASE}/slots", params={"type": "root canal"})
    assert unknown_type.status_code == 404 and "cleaning" in unknown_type.json()["detail"]
    assert (
        client.get(f"{BASE}/slots", params={"type": "cleaning", "day": "soon"}).status_code == 422
    )
    assert client.get("/api/businesses/nope/slots", params={"type": "x"}).status_code == 404


def test_book_move_and_cancel_round_trip(client: TestClient) -> None:
    james = _person_id(client, "555-123-0002")
    booked = client.post(
        f"{BASE}/appointments",
        json={
            "person_id": james,
            "appointment_type": "checkup",
            "provider": "Patel",
            "starts_at": "2026-12-02T09:00:00-06:00",
        },
    )
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["spoken"] == "Wednesday, December 2 at 9 AM"
    listed = client.get(f"{BASE}/appointments", params={"person_id": james}).json()
    assert [a["id"] for a in listed] == [appointment["id"]]

    moved = client.patch(
        f"{BASE}/appointments/{appointment['id']}", json={"starts_at": "2026-12-02T15:30:00-06:00"}
    )
    assert moved.status_code == 200 and moved.json()["spoken"] == "Wednesday, December 2 at 3:30 PM"
    switched = client.patch(f"{BASE}/appointments/{appointment['id']}", json={"provider": "Chen"})
    assert switched.json()["provider"] == "Dr. Sarah Chen"
    assert switched.json()["starts_at"] == "2026-12-02T15:30:00-06:00"

    cancelled = client.patch(
        f"{BASE}/appointments/{appointment['id']}", json={"status": "cancelled"}
    )
    assert cancelled.json()["status"] == "cancelled"
    still_booked = client.get(f"{BASE}/appointments", params={"status": "booked"}).json()
    assert [a["starts_at"] for a in still_booked] == [MARIA_TUESDAY_CLEANING]


def test_conflicts_hours_and_unknowns_are_clear_errors(client: TestClient) -> None:
    james = _person_id(client, "+15551230002")
    body = {
        "person_id": james,
        "appointment_type": "cleaning",
        "provider": "Chen",
        "starts_at": MARIA_TUESDAY_CLEANING,
    }
    taken = client.post(f"{BASE}/appointments", json=body)
    assert taken.status_code == 409 and "already booked" in taken.json()["detail"]
    saturday = client.post(
        f"{BASE}/appointments", json={**body, "starts_at": "2026-12-05T10:00:00-06:00"}
    )
    assert saturday.status_code == 422 and "working hours" in saturday.json()["detail"]
    nobody = client.post(
        f"{BASE}/appointments", json={**body, "person_id": 999, "starts_at": "2026-12-02T10:00"}
    )
    assert nobody.status_code == 404
    assert client.patch(f"{BASE}/appointments/999", json={"status": "cancelled"}).status_code == 404
    assert client.patch(f"{BASE}/appointments/1", json={}).status_code == 422
