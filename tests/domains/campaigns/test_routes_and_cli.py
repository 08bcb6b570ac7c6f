"""The campaigns API and `callwright campaigns` / `callwright do-not-call` on a real database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callwright.domains.campaigns.book import AttemptResult, CampaignBook
from callwright.domains.campaigns.cli import campaigns_app, do_not_call_app
from callwright.domains.campaigns.routes import campaigns_router
from callwright.domains.campaigns.seed import seed_demo_campaigns
from callwright.store.database import open_database

CONTACTS_CSV = (
    "phone,timezone,first_name,prescription_number\n"
    "+15551230001,America/New_York,Maria,4417\n"
    "+15551230013,America/Chicago,Robert,6230\n"
    "+15551230013,America/Chicago,Robert,6230\n"
)
SETTINGS = {"name": "refills", "agent": "pharmacy", "max_concurrent": 3}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'callwright.db'}"


@pytest.fixture
def client(url: str) -> TestClient:
    app = FastAPI()
    app.include_router(campaigns_router(open_database(url), agents={"pharmacy", "bank"}))
    return TestClient(app)


def test_a_campaign_is_created_filled_started_and_followed_over_the_api(client, url):
    assert client.post("/api/campaigns", json=SETTINGS).status_code == 201
    assert client.post("/api/campaigns", json=SETTINGS).status_code == 409
    uploaded = client.post("/api/campaigns/refills/contacts", content=CONTACTS_CSV,
                           headers={"Content-Type": "text/csv"})
    assert uploaded.json() == {"added": 2, "already_there": 1}
    more = client.post("/api/campaigns/refills/contacts", json={"contacts": [
        {"phone": "+15551230099", "fields": {"first_name": "Ann"}}]})
    assert more.json() == {"added": 1, "already_there": 0}
    assert client.post("/api/campaigns/refills/start").json()["status"] == "running"
    refused = client.post("/api/campaigns/refills/resume")
    assert refused.status_code == 409 and "it is running" in refused.json()["detail"]

    book = CampaignBook(open_database(url))  # two attempts, as the scheduler would record
    later = datetime.now(UTC) + timedelta(seconds=1)
    (contact,) = book.due(book.get("refills").id, later, 1)
    claim = book.claim(contact.id, later)
    book.finish(claim.attempt_id, AttemptResult("person", "refill_requested", "c" * 32), later)

    shown = client.get("/api/campaigns/refills").json()
    assert shown["status"] == "running"
    assert shown["progress"]["outcomes"] == {"person": 1}
    assert shown["progress"]["task_outcomes"] == {"refill_requested": 1}
    assert shown["progress"]["contact_rate"] == 1.0
    contacts = client.get("/api/campaigns/refills/contacts").json()
    assert contacts[0]["attempts"][0]["result"] == "person"
    assert contacts[1]["timezone"] == "America/Chicago"
    rows = list(csv.DictReader(io.StringIO(client.get("/api/campaigns/refills/outcomes.csv").text)))
    assert [(r["phone"], r["result"], r["task_outcome"]) for r in rows] == [
        ("+15551230001", "person", "refill_requested"), ("+15551230013", "", ""),
        ("+15551230099", "", ""),
    ]


def test_bad_requests_get_clear_errors_and_change_nothing(client):
    unknown_agent = client.post("/api/campaigns", json=SETTINGS | {"agent": "nobody"})
    assert unknown_agent.status_code == 422 and "no agent named 'nobody'" in unknown_agent.text
    bad_window = client.post("/api/campaigns", json=SETTINGS | {"window_start": "21:00"})
    assert bad_window.status_code == 422 and "must come before" in bad_window.text
    bad_zone = client.post("/api/campaigns", json=SETTINGS | {"timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and "unknown time zone" in bad_zone.text
    assert client.get("/api/campaigns/nope").status_code == 404
    client.post("/api/campaigns", json=SETTINGS)
    no_phone = client.post("/api/campaigns/refills/contacts", content="name\nMaria\n",
                           headers={"Content-Type": "text/csv"})
    assert no_phone.status_code == 422 and "'phone' column" in no_phone.text
    bad_zone_row = client.post("/api/campaigns/refills/contacts",
                               content="phone,timezone\n+15550001,Nowhere/City\n",
                               headers={"Content-Type": "text/csv"})
    assert bad_zone_row.status_code == 422
    assert client.get("/api/campaigns/refills/contacts").json() == []
    assert client.post("/api/campaigns/refills/explode").status_code == 404


def test_the_do_not_call_list_over_the_api(client):
    client.post("/api/campaigns", json=SETTINGS)
    assert client.post("/api/do-not-call", json={"phone": "+1 (555) 123-0001"}).status_code == 201
    assert client.post("/api/do-not-call",
                       json={"phone": "+15551230013", "campaign": "refills"}).status_code == 201
    listed = {(e["phone"], e["campaign"]) for e in client.get("/api/do-not-call").json()}
    assert listed == {("+15551230001", None), ("+15551230013", "refills")}
    assert client.delete("/api/do-not-call/+15551230001").status_code == 204
    assert client.delete("/api/do-not-call/+15551230001").status_code == 404
    garbage = client.delete("/api/do-not-call/not-a-number")
    assert garbage.status_code == 422 and "not a phone number" in garbage.text
    assert client.post("/api/do-not-call", json={"phone": "call me"}).status_code == 422


def test_the_command_line_creates_starts_and_reports_a_campaign(tmp_path, url):
    settings = tmp_path / "refills.yaml"
    settings.write_text("name: refills\nagent: pharmacy\nwindow_start: '10:00'\n")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS_CSV)
    runner = CliRunner()
    created = runner.invoke(campaigns_app, ["create", str(settings), "--contacts", str(contacts),
                                            "--database-url", url])
    assert created.exit_code == 0, created.output
    assert "2 contacts added, 1 already there" in created.output
    started = runner.invoke(campaigns_app, ["start", "refills", "--database-url", url])
    assert started.output.strip() == "refills is running"
    again = runner.invoke(campaigns_app, ["start", "refills", "--database-url", url])
    assert again.exit_code == 1 and "it is running" in again.output
    status = runner.invoke(campaigns_app, ["status", "refills", "--database-url", url])
    assert "2 contacts" in status.output and "pending 2" in status.output
    exported = runner.invoke(campaigns_app, ["export", "refills", "--database-url", url])
    assert exported.output.splitlines()[1].startswith("+15551230001,America/New_York,pending")
    listed = runner.invoke(do_not_call_app, ["add", "+15550000007", "--database-url", url])
    assert listed.exit_code == 0
    shown = runner.invoke(do_not_call_app, ["list", "--database-url", url],
                          env={"COLUMNS": "200"})
    assert "+15550000007" in shown.output and "(all)" in shown.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nagent: pharmacy\nmax_attempts: 0\n")
    refused = runner.invoke(campaigns_app, ["create", str(broken), "--database-url", url])
    assert refused.exit_code == 1 and "max_attempts" in refused.output


def test_the_demo_campaigns_are_created_once_in_draft_with_their_contacts(url):
    engine = open_database(url)
    folder = Path(__file__).resolve().parents[3] / "agents" / "campaigns"
    created = seed_demo_campaigns(engine, folder, {"pharmacy", "bank", "dental"})
    assert created == ["dental-reminders", "fraud-callbacks", "refill-reminders"]
    assert seed_demo_campaigns(engine, folder, {"pharmacy", "bank", "dental"}) == []
    book = CampaignBook(engine)
    assert {c.name: c.status for c in book.all()} == dict.fromkeys(created, "draft")
    refills = book.contacts("refill-reminders")
    assert [(c.phone, c.fields) for c, _ in refills] == [
        ("+15551230001", {"first_name": "Maria", "prescription_number": "4417"}),
        ("+15551230013", {"first_name": "Robert", "prescription_number": "6230"}),
    ]
    assert seed_demo_campaigns(open_database(url), folder, {"sales"}) == []
