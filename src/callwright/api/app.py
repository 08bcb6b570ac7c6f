"""The HTTP face of callwright: the FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

import callwright.api.metrics  # noqa: F401  (registers callwright's metrics for /metrics)
from callwright import __version__
from callwright.api.routes_calls import calls_router
from callwright.store.calls import CallRepository


def create_app(repository: CallRepository, recordings_dir: Path) -> FastAPI:
    app = FastAPI(title="callwright", version=__version__)
    app.include_router(calls_router(repository, recordings_dir))

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

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
