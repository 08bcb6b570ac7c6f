"""Per-agent KPIs: how calls end, for support (containment, resolution) and sales (leads).

Support agents are judged on containment (the caller's need met without a human) and
resolution (a task carried out in the business's systems); sales agents on the leads
they qualify and hand to a rep. Both are computed from the calls' recorded dialogue
state and, for leads, from the CRM records of the agent's business.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.agent.dialogue.handoff import MESSAGE_TASK
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Lead
from callwright.store.calls import CallRepository
from callwright.store.records import CallRecord


class LeadKpis(BaseModel):
    leads: int
    qualified: int
    handed_to_rep: int
    dispositions: dict[str, int]


class AgentKpis(BaseModel):
    agent: str
    calls: int
    resolved: int
    """Calls in which at least one task ran to its end (booked, returned, refilled...)."""
    contained: int
    """Calls that ended without a hand-off to a human."""
    escalated: int
    """Calls handed to a person: transferred, or a message taken for a callback."""
    transferred: int
    """Calls that ended connected to a person."""
    messages: int
    """Calls in which a message was taken for a callback (a ticket)."""
    resolution_rate: float | None
    containment_rate: float | None
    escalation_rate: float | None
    escalation_reasons: dict[str, int]
    """Why callers were handed off: asked_for_human, frustration, not_understood, ..."""
    outcomes: dict[str, int]
    """How calls ended: completed, caller_hung_up, no_input, not understood, error."""
    tasks_completed: dict[str, int]
    tasks_failed: dict[str, int]
    leads: LeadKpis | None


def agent_kpis(agent: str, calls: list[CallRecord], leads: LeadKpis | None) -> AgentKpis:
    completed: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    resolved = escalated = messages = 0
    for call in calls:
        task = call.dialogue_state.get("task") or {}
        completed.update(task.get("completed", []))
        failed.update(task.get("failed", []))
        resolved += bool(set(task.get("completed", [])) - {MESSAGE_TASK})
        handoffs = call.dialogue_state.get("handoffs") or []
        escalated += bool(handoffs)
        messages += MESSAGE_TASK in task.get("completed", [])
        reasons.update({entry.get("reason", "unknown") for entry in handoffs})
    total = len(calls)
    return AgentKpis(
        agent=agent,
        calls=total,
        resolved=resolved,
        contained=total - escalated,
        escalated=escalated,
        transferred=sum(call.outcome == "transferred" for call in calls),
        messages=messages,
        resolution_rate=round(resolved / total, 3) if total else None,
        containment_rate=round((total - escalated) / total, 3) if total else None,
        escalation_rate=round(escalated / total, 3) if total else None,
        escalation_reasons=dict(reasons),
        outcomes=dict(Counter(call.outcome or "unknown" for call in calls)),
        tasks_completed=dict(completed),
        tasks_failed=dict(failed),
        leads=leads,
    )


def lead_kpis(engine: Engine, business: str) -> LeadKpis | None:
    with Session(engine) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == business))
        if business_id is None:
            return None
        leads = session.scalars(select(Lead).where(Lead.business_id == business_id)).all()
    if not leads:
        return None
    dispositions = Counter(lead.disposition or "none" for lead in leads)
    return LeadKpis(
        leads=len(leads),
        qualified=sum(bool(lead.qualified) for lead in leads),
        handed_to_rep=dispositions.get("handed_to_rep", 0),
        dispositions=dict(dispositions),
    )


def kpis_router(repository: CallRepository, engine: Engine | None) -> APIRouter:
    router = APIRouter()

    @router.get("/api/agents/{agent}/kpis", response_model=AgentKpis)
    def kpis(agent: str) -> AgentKpis:
        """Containment, resolution, outcomes and (for sales) leads of one agent's calls."""
        leads = lead_kpis(engine, agent) if engine is not None else None
        return agent_kpis(agent, repository.calls_of_agent(agent), leads)

    return router
