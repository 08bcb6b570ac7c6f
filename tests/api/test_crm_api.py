"""CRM over HTTP: people with notes, and leads with computed qualification."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.business_app import dental_client

BASE = "/api/businesses/dental"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return dental_client(tmp_path)


def test_people_are_listed_and_found_by_phone(client: TestClient) -> None:
    people = client.get(f"{BASE}/people").json()
    assert [(p["first_name"], p["last_name"]) for p in people] == [
        ("Maria", "Lopez"),
        ("James", "Wilson"),
    ]
    found = client.get(f"{BASE}/people", params={"phone": "(555) 123-0002"}).json()
    assert [p["birth_date"] for p in found] == ["1972-11-02"]


def test_a_person_is_added_and_read_back_with_notes(client: TestClient) -> None:
    created = client.post(
        f"{BASE}/people",
        json={
            "first_name": "Ana",
            "last_name": "Núñez",
            "birth_date": "1999-01-31",
            "phone": "555 123 4444",
        },
    )
    assert created.status_code == 201
    person = created.json()
    assert person["phone"] == "+15551234444"
    note = client.post(f"{BASE}/people/{person['id']}/notes", json={"text": "Anxious patient"})
    assert note.status_code == 201
    detail = client.get(f"{BASE}/people/{person['id']}").json()
    assert detail["last_name"] == "Núñez"
    assert [n["text"] for n in detail["notes"]] == ["Anxious patient"]


def test_bad_people_requests_are_404_or_422(client: TestClient) -> None:
    assert client.get(f"{BASE}/people/999").status_code == 404
    assert client.post(f"{BASE}/people/999/notes", json={"text": "x"}).status_code == 404
    bad_phone = client.post(
        f"{BASE}/people", json={"first_name": "A", "last_name": "B", "phone": "12"}
    )
    assert bad_phone.status_code == 422 and "+15551230001" in bad_phone.json()["detail"]
    assert client.post(f"{BASE}/people", json={"first_name": "A"}).status_code == 422
    assert client.get("/api/businesses/nope/people").json()["detail"].startswith("no business")


def test_leads_are_created_patched_and_qualified(client: TestClient) -> None:
    created = client.post(
        f"{BASE}/leads", json={"name": "Dana", "company": "Globex", "team_size": 40}
    )
    assert created.status_code == 201 and created.json()["qualified"] is False
    lead_id = created.json()["id"]
    patched = client.patch(
        f"{BASE}/leads/{lead_id}",
        json={"budget": "1500 a month", "timeline_months": 1, "disposition": "handed_to_rep"},
    )
    assert patched.status_code == 200
    assert (patched.json()["qualified"], patched.json()["team_size"]) == (True, 40)
    qualified = client.get(f"{BASE}/leads", params={"qualified": True}).json()
    assert {lead["name"] for lead in qualified} == {"Dana", "Pat Doe"}
    assert client.patch(f"{BASE}/leads/{lead_id}", json={"disposition": "won"}).status_code == 422
    assert client.patch(f"{BASE}/leads/999", json={"name": "x"}).status_code == 404
