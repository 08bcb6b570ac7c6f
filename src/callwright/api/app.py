"""The HTTP face of callwright: the FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import callwright.api.metrics  # noqa: F401  (registers callwright's metrics for /metrics)
from callwright import __version__
from callwright.api.auth import ApiKeyCheck
from callwright.api.routes_calls import calls_router
from callwright.api.routes_cards import cards_router
from callwright.api.routes_crm import crm_router
from callwright.api.routes_kpis import kpis_router
from callwright.api.routes_orders import orders_router
from callwright.api.routes_scheduling import scheduling_router
from callwright.api.routes_tickets import tickets_router
from callwright.domains.pharmacy.routes import pharmacy_router
from callwright.store.api_keys import ApiKeyRepository
from callwright.store.calls import CallRepository

BUSINESS_ROUTERS = (
    crm_router, scheduling_router, tickets_router, orders_router, pharmacy_router, cards_router,
)


def create_app(
    repository: CallRepository,
    recordings_dir: Path,
    engine: Engine | None = None,
    *,
    keys: ApiKeyRepository | None = None,
    open_without_keys: bool = False,
    streams: APIRouter | None = None,
    sip: APIRouter | None = None,
    browser: APIRouter | None = None,
    campaigns: APIRouter | None = None,
) -> FastAPI:
    """The API: calls always; the business records under /api/businesses when `engine`
    (the database holding them) is given.

    Every /api route and /metrics needs a key from `keys` (see `api.auth`; None: no key
    verifies); `open_without_keys` lets them answer without one while no active key exists,
    for a server on a loopback address (`api.auth.check_exposure`).

    `streams`: the carriers' webhooks and media-stream sockets (`api.routes_streams`),
    without an API key: Twilio signs its requests instead. `sip`: the SIP side's state
    (`api.routes_sip`), behind a key like /api. `browser`: the talk-to-an-agent page and its
    WebRTC signalling (`api.routes_browser`), without an API key: signed links instead.
    `campaigns`: outbound campaigns and the do-not-call list (`domains.campaigns.routes`).
    """
    app = FastAPI(title="callwright", version=__version__)
    protected = [Depends(ApiKeyCheck(keys, open_without_keys))]
    app.include_router(calls_router(repository, recordings_dir), dependencies=protected)
    app.include_router(kpis_router(repository, engine), dependencies=protected)
    if engine is not None:
        for router in BUSINESS_ROUTERS:
            app.include_router(router(engine), dependencies=protected)
    if streams is not None:
        app.include_router(streams)
    if sip is not None:
        app.include_router(sip, dependencies=protected)
    if browser is not None:
        app.include_router(browser)
    if campaigns is not None:
        app.include_router(campaigns, dependencies=protected)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """200 when the database answers, 503 otherwise."""
        try:
            repository.ping()
        except SQLAlchemyError as error:
            return JSONResponse(
                {"status": "unavailable", "detail": f"database: {error}"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", dependencies=protected)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
