"""API keys at the HTTP door: what a client without, with a read or with a write key gets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from callwright.api.app import create_app
from callwright.api.auth import CREATE_KEY_COMMAND, check_exposure, is_loopback
from callwright.store.api_keys import ApiKeyRepository, ApiKeyScope
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from tests.actions.dental_demo import seed_dental

TICKETS = "/api/businesses/dental/tickets"
NEW_TICKET = {"subject": "Lost retainer", "description": "Left it at the office"}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'callwright.db'}")
    seed_dental(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(engine: Engine) -> ApiKeyRepository:
    return ApiKeyRepository(engine)


def _client(engine: Engine, keys: ApiKeyRepository, *, open_without_keys: bool) -> TestClient:
    app = create_app(
        CallRepository(engine), Path("recordings"), engine,
        keys=keys, open_without_keys=open_without_keys,
    )
    return TestClient(app)


@pytest.fixture
def client(engine: Engine, keys: ApiKeyRepository) -> TestClient:
    """A server on a public address: keys are required from the start."""
    return _client(engine, keys, open_without_keys=False)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_a_key_the_api_answers_401_saying_how_to_get_one(client: TestClient) -> None:
    response = client.get("/api/calls")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert CREATE_KEY_COMMAND in response.json()["detail"]


def test_a_read_key_reads_in_either_header(client: TestClient, keys: ApiKeyRepository) -> None:
    _, key = keys.create("grafana", ApiKeyScope.READ)
    assert client.get("/api/calls", headers=_bearer(key)).status_code == 200
    assert client.get("/api/calls", headers={"X-API-Key": key}).status_code == 200
    assert client.get(f"{TICKETS}/10001", headers=_bearer(key)).status_code != 401


def test_writing_needs_a_write_key(client: TestClient, keys: ApiKeyRepository) -> None:
    _, read_key = keys.create("grafana", ApiKeyScope.READ)
    _, write_key = keys.create("crm-sync", ApiKeyScope.WRITE)

    refused = client.post(TICKETS, json=NEW_TICKET, headers=_bearer(read_key))
    assert refused.status_code == 403
    assert "--scope write" in refused.json()["detail"]
    created = client.post(TICKETS, json=NEW_TICKET, headers=_bearer(write_key))
    assert created.status_code == 201
    number = created.json()["number"]
    assert client.get(f"{TICKETS}/{number}", headers=_bearer(write_key)).status_code == 200


@pytest.mark.parametrize("wrong", ["cw_00000000_" + "0" * 64, "not-a-key", "Bearer"])
def test_a_wrong_key_is_401(client: TestClient, keys: ApiKeyRepository, wrong: str) -> None:
    keys.create("grafana", ApiKeyScope.WRITE)
    response = client.get("/api/calls", headers=_bearer(wrong))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_is_401_at_once(client: TestClient, keys: ApiKeyRepository) -> None:
    _, key = keys.create("grafana", ApiKeyScope.WRITE)
    assert client.get("/api/calls", headers=_bearer(key)).status_code == 200
    keys.revoke("grafana")
    assert client.get("/api/calls", headers=_bearer(key)).status_code == 401


def test_metrics_need_a_key_and_healthz_does_not(
    client: TestClient, keys: ApiKeyRepository
) -> None:
    _, key = keys.create("prometheus", ApiKeyScope.READ)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=_bearer(key)).status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_every_api_route_and_metrics_need_a_key(client: TestClient) -> None:
    """Guards routes added later: each one under /api, and /metrics, refuses a keyless call."""
    paths = {
        path: methods for path, methods in client.app.openapi()["paths"].items()
        if path.startswith("/api/") or path == "/metrics"
    }
    assert len(paths) > 20  # the calls, KPI and business routers are all there
    for path, methods in paths.items():
        for method in methods:
            response = client.request(method, re.sub(r"\{[^}]+\}", "1", path))
            assert response.status_code == 401, f"{method} {path} answers without a key"


def test_dev_mode_is_open_until_the_first_key_exists(
    engine: Engine, keys: ApiKeyRepository
) -> None:
    client = _client(engine, keys, open_without_keys=True)
    assert client.get("/api/calls").status_code == 200
    assert client.post(TICKETS, json=NEW_TICKET).status_code == 201

    _, key = keys.create("grafana", ApiKeyScope.READ)  # while the server runs
    assert client.get("/api/calls").status_code == 401
    assert client.get("/api/calls", headers=_bearer(key)).status_code == 200
    keys.revoke("grafana")  # revoking every key does not open it again
    assert client.get("/api/calls").status_code == 401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
        ("0.0.0.0", False), ("::", False), ("192.0.2.7", False), ("callwright.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serving_on_a_public_address_without_keys_is_refused(keys: ApiKeyRepository) -> None:
    with pytest.raises(SystemExit) as refused:
        check_exposure("0.0.0.0", keys)
    assert "0.0.0.0" in str(refused.value)
    assert f"`{CREATE_KEY_COMMAND}`" in str(refused.value)

    keys.create("grafana", ApiKeyScope.READ)
    assert check_exposure("0.0.0.0", keys) is False  # keys are required from the start


def test_loopback_without_keys_runs_open_with_one_warning(
    keys: ApiKeyRepository, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="callwright.api.auth"):
        assert check_exposure("127.0.0.1", keys) is True
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "open to anyone on this machine" in caplog.text

    caplog.clear()
    keys.create("grafana", ApiKeyScope.READ)
    assert check_exposure("127.0.0.1", keys) is True
    assert caplog.records == []
