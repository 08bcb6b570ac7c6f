"""An agent file that reaches the business's own system over HTTP (a real local server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from callwright.actions.backends import AgentActions, built_in_registry
from callwright.actions.http import BACKEND_SAY
from callwright.agent.spec.loader import load_agent
from tests.agents.conftest import Caller

AGENT = """
name: shop
greeting: Hello, this is the shop. How can I help?
slots:
  order_number: {{type: number, digits: 5, ask: "What's your order number?"}}
actions:
  - name: their_orders.status
    url: "http://127.0.0.1:{port}/orders/{{number}}"
    headers: {{Authorization: "Bearer ${{SHOP_TOKEN}}"}}
    response: {{status: data.status, eta: data.eta}}
    timeout_s: 1
    retries: 0
tasks:
  - name: order-status
    examples: [where is my order, has my order shipped]
    steps:
      - collect: [order_number]
      - act: their_orders.status
        params: {{number: "{{order_number}}"}}
        as: order
      - say: Your order is {{order.status}} and should arrive {{order.eta}}.
intents:
  - name: hours
    examples: [what are your hours]
    answer: We're open nine to five.
"""


class OrderSystem(BaseHTTPRequestHandler):
    failing = False
    tokens: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        OrderSystem.tokens.append(self.headers.get("Authorization", ""))
        if OrderSystem.failing:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"data": {"status": "on its way", "eta": "on Friday"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop(tmp_path: Path, engine, monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "s3cret")
    server = ThreadingHTTPServer(("127.0.0.1", 0), OrderSystem)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = tmp_path / "shop.yaml"
    path.write_text(AGENT.format(port=server.server_address[1]))
    agent = load_agent(path, AgentActions(built_in_registry(), engine))
    yield agent
    server.shutdown()


async def test_flow_speaks_what_the_business_system_answered(shop):
    OrderSystem.failing = False
    caller = Caller(shop.start_conversation())
    await caller.start()
    await caller.says("where is my order")
    reply = await caller.says("one two three four five")
    assert "Your order is on its way and should arrive on Friday." in reply
    assert OrderSystem.tokens[-1] == "Bearer s3cret"  # the secret came from the environment


async def test_a_failing_system_is_admitted_not_papered_over(shop):
    OrderSystem.failing = True
    caller = Caller(shop.start_conversation())
    await caller.start()
    await caller.says("has my order shipped")
    reply = await caller.says("12345")
    assert "on its way" not in reply
    assert BACKEND_SAY in reply  # said plainly, then a person calls back (no one to transfer to)
    assert reply.index(BACKEND_SAY) < reply.index("call you back")


def test_a_missing_secret_is_a_clear_agent_file_error(tmp_path, monkeypatch):
    from callwright.agent.spec.agent_file import AgentFileError

    monkeypatch.delenv("SHOP_TOKEN", raising=False)
    path = tmp_path / "shop.yaml"
    path.write_text(AGENT.format(port=9))
    with pytest.raises(AgentFileError, match="SHOP_TOKEN"):
        load_agent(path)
