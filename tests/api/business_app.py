"""A FastAPI app with the CRM, scheduling and tickets routers on the seeded dental demo."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from callwright.api.routes_crm import crm_router
from callwright.api.routes_scheduling import scheduling_router
from callwright.api.routes_tickets import tickets_router
from callwright.store.models import Base
from tests.actions.dental_demo import NOW, seed_dental


def dental_client(tmp_path: Path) -> TestClient:
    engine = create_engine(f"sqlite:///{tmp_path / 'business.db'}")
    Base.metadata.create_all(engine)
    seed_dental(engine)
    app = FastAPI()
    for router in (crm_router, scheduling_router, tickets_router):
        app.include_router(router(engine, clock=lambda: NOW))
    return TestClient(app)
