"""`callwright keys create|list|revoke` against a temporary SQLite database, and the API they
open; `callwright serve` refusing a public address while no key exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from callwright.api.app import create_app
from callwright.cli import app
from callwright.store.api_keys import ApiKeyRepository
from callwright.store.calls import CallRepository
from callwright.store.database import open_database

WIDE_TERMINAL = {"COLUMNS": "200"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'callwright.db'}"


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The API of a server on a public address, on the same database as the commands."""
    engine = open_database(database_url)
    yield TestClient(create_app(CallRepository(engine), tmp_path, keys=ApiKeyRepository(engine)))
    engine.dispose()


def _keys(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["keys", *args, "--database-url", database_url], env=WIDE_TERMINAL
    )


def test_a_created_key_opens_the_api_until_it_is_revoked(
    database_url: str, api: TestClient
) -> None:
    created = _keys(database_url, "create", "grafana", "--scope", "read")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()  # the key alone on stdout: KEY=$(callwright keys create ...)
    assert key.startswith("cw_")
    assert "cannot show it again" in created.stderr
    headers = {"Authorization": f"Bearer {key}"}
    assert api.get("/api/calls", headers=headers).status_code == 200

    listed = _keys(database_url, "list")
    assert listed.exit_code == 0, listed.output
    prefix = key.split("_")[1]
    row = next(line for line in listed.output.splitlines() if "grafana" in line)
    assert prefix in row and "read" in row
    assert row.count("—") == 1  # used just now, not revoked
    assert key not in listed.output and key.split("_")[2] not in listed.output

    revoked = _keys(database_url, "revoke", prefix)
    assert revoked.exit_code == 0, revoked.output
    assert "grafana" in revoked.output
    assert api.get("/api/calls", headers=headers).status_code == 401
    listed_after = _keys(database_url, "list").output
    assert "—" not in next(line for line in listed_after.splitlines() if "grafana" in line)


def test_a_write_key_and_a_taken_name(database_url: str) -> None:
    assert _keys(database_url, "create", "ops", "--scope", "write").exit_code == 0
    taken = _keys(database_url, "create", "ops")
    assert taken.exit_code == 1
    assert "already named 'ops'" in taken.output
    [row] = [line for line in _keys(database_url, "list").output.splitlines() if "ops" in line]
    assert "write" in row


def test_listing_and_revoking_nothing_say_what_to_do(database_url: str) -> None:
    empty = _keys(database_url, "list")
    assert empty.exit_code == 0
    assert "callwright keys create NAME" in empty.output
    missing = _keys(database_url, "revoke", "nope")
    assert missing.exit_code == 1
    assert "callwright keys list" in missing.output


def test_serve_refuses_a_public_address_until_a_key_exists(database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--http-host", "0.0.0.0", "--database-url", database_url],
        env=WIDE_TERMINAL,
    )
    assert result.exit_code == 1
    assert "0.0.0.0" in result.output
    assert "`callwright keys create NAME --scope read`" in result.output
