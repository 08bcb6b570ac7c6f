"""The pharmacy's demo data: the `pharmacy` section of an agent's data file (see
`callwright.actions.seed`), loaded after the CRM section whose people it names."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from callwright.actions.crm import person_by_reference
from callwright.actions.records import parse_moment
from callwright.domains.pharmacy.models import (
    PRESCRIPTION_STATUSES,
    REFILL_STATUSES,
    Prescription,
    RefillRequest,
)
from callwright.store.business.businesses import Business


def seed_pharmacy(session: Session, business: Business, data: dict[str, Any], today: date) -> None:
    """Insert prescriptions and their past refill requests; `today` is unused (dates come
    resolved). "person" is the phone number or "First Last" of a person in the CRM section:

        prescriptions:
          - number: "4417"
            person: Maria Lopez                             # or: "+15551230001"
            drug: lisinopril
            strength: 10 mg
            refills_left: 2
            prescriber: Dr. Alan Reyes
            status: active                                  # optional: active | expired
            refill_requests:                                # optional
              - status: picked_up     # requested | needs_authorization | ready | picked_up
                requested_at: "2026-10-20T10:00:00-05:00"
                ready_at: "2026-10-20T14:00:00-05:00"       # optional
    """
    for item in data.get("prescriptions", []):
        status = item.get("status", "active")
        if status not in PRESCRIPTION_STATUSES:
            raise ValueError(
                f"prescription {item['number']}: status {status!r} is not one of "
                f"{PRESCRIPTION_STATUSES}"
            )
        seeded = Prescription(
            business_id=business.id,
            number=str(item["number"]),
            person_id=person_by_reference(session, business, item["person"]).id,
            drug=item["drug"],
            strength=item["strength"],
            refills_left=int(item["refills_left"]),
            prescriber=item["prescriber"],
            status=status,
        )
        session.add(seeded)
        session.flush()
        for request in item.get("refill_requests", []):
            if request["status"] not in REFILL_STATUSES:
                raise ValueError(
                    f"prescription {item['number']}: refill status {request['status']!r} "
                    f"is not one of {REFILL_STATUSES}"
                )
            session.add(
                RefillRequest(
                    business_id=business.id,
                    prescription_id=seeded.id,
                    status=request["status"],
                    requested_at=parse_moment(request["requested_at"]),
                    ready_at=parse_moment(request.get("ready_at")),
                )
            )
    session.flush()
