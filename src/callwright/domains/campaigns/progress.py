"""A campaign's progress and rates, from its contacts and attempts."""

from __future__ import annotations

from collections import Counter

from callwright.domains.campaigns.models import CampaignAttempt, CampaignContact

REACHED = ("person", "opted_out")
"""Results where a person answered (an interrupted attempt was answered, but by whom is
not known: it is not counted)."""


def progress(rows: list[tuple[CampaignContact, list[CampaignAttempt]]]) -> dict:
    """Counts by contact state, by final outcome, by attempt result and task outcome, and:
    contact_rate (contacts a person answered / contacts called), completion_rate (contacts
    whose task reached an outcome / contacts called), opt_out_rate (opted out / reached)."""
    contacts = [contact for contact, _ in rows]
    called = [contact for contact, attempts in rows if attempts]
    reached = [c for c, attempts in rows if any(a.result in REACHED for a in attempts)]
    completed = [contact for contact in called if contact.task_outcome]
    opted_out = [c for c, attempts in rows if any(a.result == "opted_out" for a in attempts)]
    return {
        "contacts": len(contacts),
        "by_state": dict(Counter(contact.state for contact in contacts)),
        "outcomes": dict(Counter(c.outcome for c in contacts if c.state == "done")),
        "task_outcomes": dict(Counter(c.task_outcome for c in contacts if c.task_outcome)),
        "attempts": dict(Counter(a.result or "under_way" for _, att in rows for a in att)),
        "contact_rate": _rate(len(reached), len(called)),
        "completion_rate": _rate(len(completed), len(called)),
        "opt_out_rate": _rate(len(opted_out), len(reached)),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
