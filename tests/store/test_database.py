"""Opening databases: URL resolution, migrations on an empty database, re-opening."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import callwright.domains.campaigns.models  # noqa: F401  (registers the campaign tables)
import callwright.domains.pharmacy.models  # noqa: F401  (registers the pharmacy tables)
import callwright.store.business  # noqa: F401  (registers the business tables)
from callwright.store.calls import CallRepository
from callwright.store.database import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    MIGRATIONS_DIR,
    DatabaseError,
    open_database,
    resolve_database_url,
)
from callwright.store.models import Base
from callwright.store.records import TURN_MARKS, CallRecord


def _call(call_id: str = "a" * 32) -> CallRecord:
    return CallRecord(
        id=call_id,
        agent="dental",
        caller="+15550001",
        callee="+15550002",
        transport="sip",
        started_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    )


def test_migrations_create_the_schema_on_an_empty_database(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        inspector = inspect(engine)
        assert {"calls", "turns", "call_events", "alembic_version"} <= set(
            inspector.get_table_names()
        )
        turn_columns = {column["name"] for column in inspector.get_columns("turns")}
        assert set(TURN_MARKS) <= turn_columns
        assert {"call_id", "index", "caller_text", "agent_text", "interrupted"} <= turn_columns
        with engine.connect() as connection:
            # The migrated schema matches the ORM models exactly (catches a model change
            # that forgot its migration, e.g. a new entry in TURN_MARKS).
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_reopening_is_idempotent_and_keeps_data(database_url: str) -> None:
    first = open_database(database_url)
    CallRepository(first).start_call(_call())
    first.dispose()

    second = open_database(database_url)
    try:
        with second.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert version == [(head,)]
        assert [call.id for call in CallRepository(second).list_calls()] == ["a" * 32]
    finally:
        second.dispose()


def test_default_url_is_a_sqlite_file_under_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    engine = open_database()
    try:
        CallRepository(engine).start_call(_call())
        assert (tmp_path / "var" / "callwright.db").is_file()
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'env.db'}")
    assert resolve_database_url().database == str(tmp_path / "env.db")
    assert resolve_database_url("sqlite:///other.db").database == "other.db"


@pytest.mark.parametrize("url", ["postgresql://u:p@db/calls", "postgres://u:p@db/calls"])
def test_plain_postgresql_urls_use_psycopg_3(url: str) -> None:
    resolved = resolve_database_url(url)
    assert resolved.drivername == "postgresql+psycopg"
    assert (resolved.host, resolved.database, resolved.password) == ("db", "calls", "p")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "cannot parse database URL"),
        ("mysql://u@host/db", "runs on SQLite or PostgreSQL"),
    ],
)
def test_bad_urls_say_what_to_set(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message) as raised:
        open_database(url)
    assert DATABASE_URL_ENV in str(raised.value)


def test_unreachable_postgresql_says_what_to_check() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DatabaseError, match="check that the server is running") as raised:
        open_database(f"postgresql://someone:secret@127.0.0.1:{port}/calls")
    assert "secret" not in str(raised.value)
    assert f"127.0.0.1:{port}" in str(raised.value)


def test_in_memory_sqlite_is_shared_across_threads() -> None:
    engine = open_database("sqlite://")
    try:
        repository = CallRepository(engine)
        repository.start_call(_call())
        with ThreadPoolExecutor(1) as pool:
            listed = pool.submit(repository.list_calls).result()
        assert [call.id for call in listed] == ["a" * 32]
    finally:
        engine.dispose()


def test_a_schema_newer_than_the_code_says_to_upgrade(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="upgrade callwright"):
        open_database(database_url)
