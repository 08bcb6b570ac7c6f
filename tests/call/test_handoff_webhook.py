"""The hand-off webhook against a real local HTTP server: taken, refused, unreachable."""

from __future__ import annotations

import pytest

from callwright.call.handoff import post_webhook
from tests.support.server import free_port
from tests.support.webhook import WebhookReceiver


@pytest.fixture
def crm() -> WebhookReceiver:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


async def test_the_hand_off_is_posted_with_its_context(crm):
    assert await post_webhook(crm.url, {"call_id": "c1", "reason": "asked_for_human"}) is None
    [body] = crm.received
    assert body["event"] == "handoff" and body["call_id"] == "c1" and body["sent_at"]


async def test_a_refusing_or_unreachable_webhook_is_an_error_text_not_an_exception(crm):
    crm.status = 500
    assert await post_webhook(crm.url, {"call_id": "c1"}) == "answered 500"
    error = await post_webhook(f"http://127.0.0.1:{free_port()}/handoffs", {"call_id": "c1"})
    assert error is not None and "Connect" in error
