"""`callwright prescriptions list|show|refill` against a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from callwright.actions.crm import create_person
from callwright.domains.pharmacy.cli import prescriptions_app
from callwright.domains.pharmacy.seed import seed_pharmacy
from callwright.store.business.businesses import Business
from callwright.store.database import open_database
from callwright.store.models import Base

WIDE_TERMINAL = {"COLUMNS": "200"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'pharmacy.db'}"
    engine = open_database(url)
    Base.metadata.create_all(engine)  # business tables not yet in a migration are created here
    now = datetime.now(UTC)
    with Session(engine) as session:
        business = Business(slug="pharmacy", name="Northside Pharmacy", timezone="America/Chicago")
        session.add(business)
        session.flush()
        create_person(
            session,
            business,
            first_name="Maria",
            last_name="Lopez",
            birth_date="1985-03-14",
            phone="+15551230001",
            created_at=now,
        )
        prescriptions = [
            ("4417", "lisinopril", "10 mg", 2),
            ("5521", "atorvastatin", "20 mg", 0),
        ]
        seed_pharmacy(
            session,
            business,
            {
                "prescriptions": [
                    {
                        "number": number,
                        "person": "Maria Lopez",
                        "drug": drug,
                        "strength": strength,
                        "refills_left": refills,
                        "prescriber": "Dr. Alan Reyes",
                    }
                    for number, drug, strength, refills in prescriptions
                ]
            },
            now.date(),
        )
        session.commit()
    engine.dispose()
    return url


def _run(*args: str) -> object:
    return CliRunner().invoke(prescriptions_app, list(args), env=WIDE_TERMINAL)


def test_list_shows_patient_drug_and_refills(database_url: str) -> None:
    result = _run("list", "-b", "pharmacy", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "4417" in line)
    assert "Maria Lopez" in row and "lisinopril" in row and "10 mg" in row
    assert row.rstrip().endswith("2")


def test_refill_uses_a_refill_and_shows_in_the_history(database_url: str) -> None:
    requested = _run("refill", "4417", "-b", "pharmacy", "--database-url", database_url)
    assert requested.exit_code == 0, requested.output
    assert "Requested refill 1 of prescription 4417: requested, ready" in requested.output
    again = _run("refill", "4417", "-b", "pharmacy", "--database-url", database_url)
    assert "Already requested: refill 1" in again.output
    shown = _run("show", "4417", "-b", "pharmacy", "--database-url", database_url)
    assert shown.exit_code == 0, shown.output
    assert "1 left" in shown.output
    assert "  requested  ready " in shown.output


def test_refill_without_refills_waits_for_the_doctor(database_url: str) -> None:
    result = _run("refill", "5521", "-b", "pharmacy", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    assert "waiting for Dr. Alan Reyes to authorize it" in result.output


def test_unknown_prescription_exits_1(database_url: str) -> None:
    for command in ("show", "refill"):
        result = _run(command, "9", "-b", "pharmacy", "--database-url", database_url)
        assert result.exit_code == 1, result.output
        assert "prescription" in result.output
