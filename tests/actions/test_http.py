"""HTTP actions against a real HTTP server on 127.0.0.1 (a stand-in for a business's CRM)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine

from callwright.actions.http import (
    MISSING_SAY,
    NOT_FOUND_SAY,
    TIMEOUT_SAY,
    UNREACHABLE_SAY,
    UNREADABLE_SAY,
    HttpActionConfigError,
    HttpActionSpec,
    http_action,
    register_http_actions,
)
from callwright.actions.registry import ActionContext, ActionRegistry

TOKEN = "s3cret-crm-token-981"
SLOW_ANSWER_WAIT_S = 5.0  # the slow route answers after this, or when the test ends


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Crm:
    """What the fake CRM received, and knobs the routes read."""

    base: str
    seen: list[Seen] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def paths(self) -> list[str]:
        return [request.path for request in self.seen]


def _handler(crm: Crm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, payload: Any, content_type: str = "application/json"):
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            crm.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            route = self.path.split("?")[0]
            crm.hits[route] = crm.hits.get(route, 0) + 1
            if route.startswith("/api/orders/"):
                number = route.removeprefix("/api/orders/")
                if number == "404404":
                    self._answer(404, {"error": "no such order"})
                    return
                items = [{"id": "A1"}, {"id": "B2"}]
                self._answer(200, {"data": {"status": "shipped", "items": items}})
            elif route == "/api/tickets":
                self._answer(201, {"ticket": {"id": 77, "received": json.loads(body)}})
            elif route in ("/flaky", "/flaky-post"):
                if crm.hits[route] == 1:
                    self._answer(500, {"error": "database is restarting"})
                else:
                    self._answer(200, {"ok": True})
            elif route == "/always-500":
                self._answer(503, {"error": "down"})
            elif route == "/slow":
                crm.release.wait(SLOW_ANSWER_WAIT_S)
                self._answer(200, {"ok": True})
            elif route == "/html":
                self._answer(200, b"<html>maintenance</html>", "text/html")
            elif route == "/secure":
                if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                    self._answer(200, {"customer": {"name": "Maria Lopez"}})
                else:
                    self._answer(401, {"error": "bad token"})
            elif route == "/bad-request":
                self._answer(422, {"error": "date must be in the future"})
            elif route == "/conflict":
                self._answer(409, {"error": "slot taken"})
            else:
                self._answer(418, {"error": "unknown route"})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _route

    return Handler


@pytest.fixture
def crm() -> Iterator[Crm]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Crm(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def context() -> ActionContext:
    return ActionContext(
        engine=create_engine("sqlite://"), business="retail", now=datetime.now(UTC)
    )


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_get_fills_url_encoded_path_params_and_maps_the_response(crm, context):
    spec = HttpActionSpec(
        name="order_status",
        url=crm.base + "/api/orders/{order_number}?lang={lang}",
        response={
            "status": "data.status",
            "first_item": "data.items.0.id",
            "last": "$.data.items.-1.id",
        },
    )
    result = http_action(spec)(context, order_number="10 0/234", lang="en")
    assert result.ok, result
    assert result.data == {"status": "shipped", "first_item": "A1", "last": "B2"}
    assert crm.paths() == ["/api/orders/10%200%2F234?lang=en"]
    assert crm.seen[0].method == "GET"


def test_post_sends_the_json_body_template_with_typed_values(crm, context):
    spec = HttpActionSpec(
        name="open_ticket",
        method="post",
        url=crm.base + "/api/tickets",
        body={
            "subject": "Order {order_number} arrived damaged",
            "order": "{order_number}",
            "amount": "{amount}",
            "urgent": "{urgent}",
            "tags": ["{tag}", "phone"],
            "delivered": "{delivered}",
            "source": "callwright",
        },
        response={"ticket_id": "ticket.id"},
    )
    result = http_action(spec)(
        context,
        order_number="100587",
        amount=12.5,
        urgent=True,
        tag="return",
        delivered=date(2025, 3, 14),
    )
    assert result.ok and result.data == {"ticket_id": 77}
    request = crm.seen[0]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "subject": "Order 100587 arrived damaged",
        "order": "100587",
        "amount": 12.5,
        "urgent": True,
        "tags": ["return", "phone"],
        "delivered": "2025-03-14",
        "source": "callwright",
    }


def test_header_secret_comes_from_the_environment_and_is_never_logged(
    crm, context, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    spec = HttpActionSpec(
        name="lookup_customer",
        url=crm.base + "/secure",
        headers={"Authorization": "Bearer ${CRM_TOKEN}"},
        response={"name": "customer.name"},
    )
    monkeypatch.setenv("CRM_TOKEN", TOKEN)
    result = http_action(spec)(context)
    assert result.ok and result.data == {"name": "Maria Lopez"}
    assert crm.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"

    monkeypatch.setenv("CRM_TOKEN", "expired-" + TOKEN)
    refused = http_action(spec)(context)
    assert not refused.ok and refused.error == "not_allowed"
    assert TOKEN not in repr(result) + repr(refused)
    assert TOKEN not in caplog.text
    assert "check its credentials" in caplog.text


def test_a_missing_secret_fails_at_load_naming_the_variable(monkeypatch):
    monkeypatch.delenv("CRM_TOKEN", raising=False)
    spec = HttpActionSpec(
        name="lookup_customer",
        url="https://crm.example/secure",
        headers={"Authorization": "Bearer ${CRM_TOKEN}"},
    )
    with pytest.raises(HttpActionConfigError, match="CRM_TOKEN") as raised:
        http_action(spec)
    assert "lookup_customer" in str(raised.value)


def test_404_is_not_found(crm, context):
    spec = HttpActionSpec(name="order_status", url=crm.base + "/api/orders/{order_number}")
    result = http_action(spec)(context, order_number="404404")
    assert (result.ok, result.error, result.message) == (False, "not_found", NOT_FOUND_SAY)
    assert len(crm.seen) == 1


@pytest.mark.parametrize(
    ("route", "error"), [("/bad-request", "invalid"), ("/conflict", "conflict")]
)
def test_other_client_errors_are_not_retried(crm, context, route, error):
    result = http_action(HttpActionSpec(name="check", url=crm.base + route, retries=2))(context)
    assert not result.ok and result.error == error and result.data["status"] in (422, 409)
    assert len(crm.seen) == 1


def test_a_server_error_then_success_is_retried(crm, context):
    spec = HttpActionSpec(name="check", url=crm.base + "/flaky", response={"ok": "ok"})
    result = http_action(spec)(context)
    assert result.ok and result.data == {"ok": True}
    assert crm.paths() == ["/flaky", "/flaky"]


def test_a_server_that_stays_down_is_reported_honestly_after_the_retries(crm, context):
    spec = HttpActionSpec(name="check", url=crm.base + "/always-500", retries=2)
    result = http_action(spec)(context)
    assert not result.ok and result.error == "backend_error" and result.message
    assert len(crm.seen) == 3


def test_post_is_retried_only_when_the_spec_allows_it(crm, context):
    once = http_action(HttpActionSpec(name="create", method="POST", url=crm.base + "/flaky-post"))
    assert once(context).error == "backend_error"
    assert len(crm.seen) == 1
    crm.hits.clear()
    twice = HttpActionSpec(
        name="create", method="POST", url=crm.base + "/flaky-post", retry_post=True
    )
    assert http_action(twice)(context).ok
    assert len(crm.seen) == 3


def test_a_slow_server_times_out(crm, context):
    spec = HttpActionSpec(name="check", url=crm.base + "/slow", timeout_s=0.2, retries=0)
    started = time.monotonic()
    result = http_action(spec)(context)
    assert (result.ok, result.error, result.message) == (False, "timeout", TIMEOUT_SAY)
    assert time.monotonic() - started < 1.0


def test_an_answer_that_is_not_json_is_a_backend_error_not_a_success(crm, context):
    spec = HttpActionSpec(name="check", url=crm.base + "/html", response={"status": "status"})
    result = http_action(spec)(context)
    assert (result.ok, result.error, result.message) == (False, "backend_error", UNREADABLE_SAY)


def test_a_missing_mapped_field_is_a_backend_error(crm, context, caplog):
    spec = HttpActionSpec(
        name="order_status",
        url=crm.base + "/api/orders/{order_number}",
        response={"status": "data.status", "tracking": "data.shipment.tracking"},
    )
    result = http_action(spec)(context, order_number="100234")
    assert (result.ok, result.error, result.message) == (False, "backend_error", UNREADABLE_SAY)
    assert result.data == {}
    assert "'shipment'" in caplog.text


def test_connection_refused_is_reported_after_the_retries(context):
    spec = HttpActionSpec(name="check", url=f"http://127.0.0.1:{_unused_port()}/x", retries=1)
    result = http_action(spec)(context)
    assert (result.ok, result.error, result.message) == (False, "backend_error", UNREACHABLE_SAY)


def test_a_missing_parameter_sends_nothing(crm, context):
    spec = HttpActionSpec(name="order_status", url=crm.base + "/api/orders/{order_number}")
    result = http_action(spec)(context)
    assert (result.ok, result.error, result.message) == (False, "invalid", MISSING_SAY)
    assert crm.seen == []


async def test_registered_actions_run_through_the_registry(crm, context):
    registry = ActionRegistry()
    flaky = HttpActionSpec(name="flaky", url=crm.base + "/flaky", timeout_s=1.0)
    status = HttpActionSpec(
        name="order_status",
        url=crm.base + "/api/orders/{order_number}",
        response={"status": "data.status"},
    )
    register_http_actions(registry, [flaky, status])
    assert registry.names() == ["flaky", "order_status"]
    found = await registry.run("order_status", {"order_number": "100234"}, context)
    assert found.ok and found.data == {"status": "shipped"}
    assert (await registry.run("flaky", {}, context)).ok
    assert crm.hits["/flaky"] == 2  # the action's own retry; the registry does not add another


def test_spec_rejects_unknown_fields_and_relative_urls():
    with pytest.raises(ValidationError, match="timeout"):
        HttpActionSpec(name="x", url="https://crm.example/x", timeout=3)
    with pytest.raises(ValidationError, match="http"):
        HttpActionSpec(name="x", url="/api/orders")
    assert HttpActionSpec(name="x", method="delete", url="https://crm.example/x").method == "DELETE"
