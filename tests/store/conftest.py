"""Store tests run on both backends (`database_url` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from callwright.store.calls import CallRepository
from callwright.store.database import open_database


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repository(engine: Engine) -> CallRepository:
    return CallRepository(engine)
