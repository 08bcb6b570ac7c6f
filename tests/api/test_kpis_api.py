"""Per-agent KPIs from recorded calls and the business's leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from callwright.api.app import create_app
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Lead
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord

START = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def finished_call(repository, number: int, agent: str, outcome: str, task: dict) -> None:
    record = CallRecord(f"call{number}", agent, "sip:x@y", agent, "sip", START)
    repository.start_call(record)
    repository.finish_call(record.id, outcome=outcome, ended_at=START + timedelta(minutes=2),
                           recording_path=None, dialogue_state={"task": task})


def test_support_and_sales_kpis(tmp_path: Path):
    engine = open_database(f"sqlite:///{tmp_path / 'kpi.db'}")
    repository = CallRepository(engine)
    finished_call(repository, 1, "dental", "completed", {"completed": ["book"], "failed": []})
    finished_call(repository, 2, "dental", "caller_hung_up", {"completed": [], "failed": ["book"]})
    finished_call(repository, 3, "dental", "completed", {"completed": ["cancel", "book"]})
    finished_call(repository, 4, "dental", "no_input", {})
    repository.start_call(CallRecord("live", "dental", "sip:x@y", "dental", "sip", START))
    with Session(engine) as session, session.begin():
        sales = Business(slug="sales", name="Acme", timezone="UTC")
        session.add(sales)
        session.flush()
        for name, qualified, disposition in (("A", True, "handed_to_rep"), ("B", False,
                                             "follow_up"), ("C", False, "follow_up")):
            session.add(Lead(business_id=sales.id, name=name, qualified=qualified,
                             disposition=disposition, created_at=START, updated_at=START))
    client = TestClient(create_app(repository, tmp_path, engine, open_without_keys=True))

    dental = client.get("/api/agents/dental/kpis").json()
    assert dental["calls"] == 4  # the call still in progress is not counted
    assert dental["resolved"] == 2 and dental["resolution_rate"] == 0.5
    assert dental["containment_rate"] == 1.0
    assert dental["tasks_completed"] == {"book": 2, "cancel": 1}
    assert dental["tasks_failed"] == {"book": 1}
    assert dental["outcomes"] == {"completed": 2, "caller_hung_up": 1, "no_input": 1}
    assert dental["leads"] is None

    leads = client.get("/api/agents/sales/kpis").json()["leads"]
    assert leads == {"leads": 3, "qualified": 1, "handed_to_rep": 1,
                     "dispositions": {"handed_to_rep": 1, "follow_up": 2}}


def test_escalation_rate_and_reasons(tmp_path: Path):
    engine = open_database(f"sqlite:///{tmp_path / 'kpi.db'}")
    repository = CallRepository(engine)

    def call(number: int, outcome: str, handoffs: list[dict], completed: list[str]) -> None:
        record = CallRecord(f"call{number}", "retail", "sip:x@y", "retail", "sip", START)
        repository.start_call(record)
        state = {"task": {"completed": completed, "failed": []}, "handoffs": handoffs}
        repository.finish_call(record.id, outcome=outcome, ended_at=START, recording_path=None,
                               dialogue_state=state)

    call(1, "transferred", [{"reason": "asked_for_human", "result": "transferred"}], [])
    call(2, "completed", [{"reason": "frustration", "result": "failed"},
                          {"reason": "frustration", "result": "message"}], ["take-message"])
    call(3, "completed", [], ["return"])
    call(4, "caller_hung_up", [{"reason": "not_understood", "result": "pending"}], [])
    kpis = TestClient(create_app(repository, tmp_path, engine, open_without_keys=True)).get(
        "/api/agents/retail/kpis").json()
    assert kpis["escalated"] == 3 and kpis["escalation_rate"] == 0.75
    assert kpis["contained"] == 1 and kpis["containment_rate"] == 0.25
    assert kpis["transferred"] == 1 and kpis["messages"] == 1
    assert kpis["resolved"] == 1  # a message taken is not the caller's task done
    assert kpis["escalation_reasons"] == {"asked_for_human": 1, "frustration": 1,
                                          "not_understood": 1}
