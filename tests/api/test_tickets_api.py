"""Tickets over HTTP: open, show with history, update, list by status."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.actions.dental_demo import SEEDED_TICKET
from tests.api.business_app import dental_client

BASE = "/api/businesses/dental"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return dental_client(tmp_path)


def test_ticket_lifecycle_round_trip(client: TestClient) -> None:
    created = client.post(
        f"{BASE}/tickets", json={"subject": "Lost retainer", "description": "Left it at the office"}
    )
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["status"] == "open"
    updated = client.patch(
        f"{BASE}/tickets/{number}", json={"status": "resolved", "note": "Found it"}
    )
    assert updated.json()["status"] == "resolved"
    shown = client.get(f"{BASE}/tickets/{number}").json()
    assert shown["updates"] == [
        {"status": "resolved", "note": "Found it", "created_at": "2026-11-30T09:00:00-06:00"}
    ]
    resolved = client.get(f"{BASE}/tickets", params={"status": "resolved"}).json()
    assert [t["number"] for t in resolved] == [number]


def test_seeded_ticket_and_errors(client: TestClient) -> None:
    seeded = client.get(f"{BASE}/tickets/{SEEDED_TICKET}").json()
    assert (seeded["subject"], seeded["priority"]) == ("Billing question", "high")
    assert client.get(f"{BASE}/tickets/11111").status_code == 404
    assert client.patch(f"{BASE}/tickets/{SEEDED_TICKET}", json={}).status_code == 422
    assert (
        client.patch(f"{BASE}/tickets/{SEEDED_TICKET}", json={"status": "lost"}).status_code == 422
    )
    assert client.post(f"{BASE}/tickets", json={"subject": ""}).status_code == 422
