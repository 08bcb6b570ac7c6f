"""GET /api/sip/trunks: where each trunk's registration stands (`callwright trunks status`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter

from callwright.telephony.sip.registration import Registration


def sip_router(registrations: Callable[[], list[Registration]]) -> APIRouter:
    router = APIRouter(prefix="/api/sip", tags=["sip"])

    @router.get("/trunks")
    def trunks() -> list[dict[str, object]]:
        """Each registering trunk: registrar, address of record, state, the registrar's last
        answer, when the binding expires, and how many REGISTERs succeeded and failed."""
        return [
            {
                "name": r.trunk.name,
                "registrar": r.trunk.registrar,
                "address_of_record": r.trunk.address_of_record,
                "state": r.state.value,
                "reason": r.reason,
                "expires_at": (
                    datetime.fromtimestamp(r.expires_at, UTC).isoformat()
                    if r.expires_at is not None else None
                ),
                "registered_count": r.registered_count,
                "failures": r.failures,
            }
            for r in registrations()
        ]

    return router
