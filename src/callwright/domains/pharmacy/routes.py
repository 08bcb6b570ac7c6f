"""REST routes for a pharmacy's prescriptions and refill requests, under /api/businesses/{slug}.

Requesting a refill goes through the `pharmacy.request_refill` action, so refills are counted
the same way as on the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.api.business_lookup import act_for, seeded_business
from callwright.domains.pharmacy import actions as pharmacy_actions
from callwright.domains.pharmacy.models import Prescription, RefillRequest

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
RefillStatus = Literal["requested", "needs_authorization", "ready", "picked_up"]


class PrescriptionOut(BaseModel):
    number: str
    person_id: int
    drug: str
    strength: str
    refills_left: int
    prescriber: str
    status: str

    @classmethod
    def of(cls, prescription: Prescription) -> PrescriptionOut:
        return cls(
            number=prescription.number,
            person_id=prescription.person_id,
            drug=prescription.drug,
            strength=prescription.strength,
            refills_left=prescription.refills_left,
            prescriber=prescription.prescriber,
            status=prescription.status,
        )


class RefillOut(BaseModel):
    id: int
    prescription_number: str
    status: str  # as of the request: a requested refill is "ready" once ready_at has passed
    requested_at: datetime
    ready_at: datetime | None
    call_id: str | None

    @classmethod
    def of(cls, request: RefillRequest, prescription: Prescription, now: datetime) -> RefillOut:
        return cls(
            id=request.id,
            prescription_number=prescription.number,
            status=request.status_at(now),
            requested_at=request.requested_at,
            ready_at=request.ready_at,
            call_id=request.call_id,
        )


class PrescriptionDetailOut(PrescriptionOut):
    refill_requests: list[RefillOut]  # newest first


def pharmacy_router(engine: Engine, *, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """Routes for prescriptions and refills; `clock` gives "now" for ready times (UTC default)."""
    router = APIRouter(prefix="/api/businesses/{slug}", tags=["pharmacy"])
    now = clock or (lambda: datetime.now(UTC))

    @router.get("/prescriptions", response_model=list[PrescriptionOut])
    def list_prescriptions(
        slug: str,
        person_id: int | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[PrescriptionOut]:
        """Prescriptions by number, optionally of one person."""
        with Session(engine) as session:
            query = select(Prescription).where(
                Prescription.business_id == seeded_business(session, slug).id
            )
            if person_id is not None:
                query = query.where(Prescription.person_id == person_id)
            query = query.order_by(Prescription.number).limit(limit).offset(offset)
            return [PrescriptionOut.of(p) for p in session.scalars(query)]

    @router.get("/prescriptions/{number}", response_model=PrescriptionDetailOut)
    def show_prescription(slug: str, number: str) -> PrescriptionDetailOut:
        """A prescription with its refill requests."""
        with Session(engine) as session:
            prescription = _prescription(session, slug, number)
            requests = session.scalars(
                select(RefillRequest)
                .where(RefillRequest.prescription_id == prescription.id)
                .order_by(RefillRequest.requested_at.desc(), RefillRequest.id.desc())
            )
            moment = now()
            return PrescriptionDetailOut(
                **PrescriptionOut.of(prescription).model_dump(),
                refill_requests=[RefillOut.of(r, prescription, moment) for r in requests],
            )

    @router.post("/prescriptions/{number}/refills", response_model=RefillOut)
    def request_refill(slug: str, number: str, response: Response) -> RefillOut:
        """Request a refill: 201 when requested (status "needs_authorization" without refills
        left), 200 with the request already under way, 422 for an expired prescription."""
        moment = now()
        result = act_for(engine, slug, moment, pharmacy_actions.request_refill, number)
        if result.error == "not_found":
            raise HTTPException(404, f"no prescription {number!r} in business {slug!r}")
        if not result.ok:
            raise HTTPException(422, result.message)
        response.status_code = (
            status.HTTP_201_CREATED if result.data["created"] else status.HTTP_200_OK
        )
        with Session(engine) as session:
            request = session.get(RefillRequest, result.data["refill_id"])
            prescription = session.get(Prescription, request.prescription_id)
            return RefillOut.of(request, prescription, moment)

    @router.get("/refill-requests", response_model=list[RefillOut])
    def list_refill_requests(
        slug: str,
        status_: Annotated[RefillStatus | None, Query(alias="status")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[RefillOut]:
        """Refill requests, newest first; `status` filters by the status as of now."""
        moment = now()
        with Session(engine) as session:
            query = (
                select(RefillRequest, Prescription)
                .join(Prescription, RefillRequest.prescription_id == Prescription.id)
                .where(RefillRequest.business_id == seeded_business(session, slug).id)
            )
            if status_ is not None:
                query = query.where(RefillRequest.status_is(status_, moment))
            rows = session.execute(
                query.order_by(RefillRequest.requested_at.desc(), RefillRequest.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [RefillOut.of(request, prescription, moment) for request, prescription in rows]

    return router


def _prescription(session: Session, slug: str, number: str) -> Prescription:
    prescription = session.scalar(
        select(Prescription).where(
            Prescription.business_id == seeded_business(session, slug).id,
            Prescription.number == number,
        )
    )
    if prescription is None:
        raise HTTPException(404, f"no prescription {number!r} in business {slug!r}")
    return prescription
