"""The browser routes: the page and its offer and transcript behind a signed link, clear
4xx answers to bad links and bad offers, and a real offer (Chrome's) starting a call."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callwright.api.routes_browser import MAX_OFFER_BYTES, browser_router
from callwright.api.talk_links import link_token, sign
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord, TurnRecord
from callwright.telephony.transport import Transport
from callwright.telephony.webrtc.call import WebRtcCall

SECRET = b"k" * 32
CHROME_OFFER = (Path(__file__).parent / "chrome_offer.sdp").read_text()  # Chromium 156's
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def calls(tmp_path) -> CallRepository:
    return CallRepository(open_database(f"sqlite:///{tmp_path / 'calls.db'}"))


@pytest.fixture
def started() -> list[tuple[Transport, str]]:
    return []


@pytest.fixture
def make_client(calls, started):
    def make(admits=lambda: True) -> TestClient:
        async def start_call(transport: Transport, agent: str) -> None:
            started.append((transport, agent))  # and hang up at once

        app = FastAPI()
        app.include_router(browser_router(start_call, {"demo"}, calls, SECRET, admits=admits))
        return TestClient(app)

    return make


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def token(agent: str = "demo") -> str:
    return link_token(SECRET, agent, minutes=5)


def test_a_signed_link_opens_the_page(client):
    page = client.get(f"/talk/demo?token={token()}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "RTCPeerConnection" in page.text and "iceServers: []" in page.text


@pytest.mark.parametrize(
    ("link", "detail"),
    [
        ("/talk/demo", "needs a signed link"),
        ("/talk/demo?token=nonsense", "damaged"),
        (f"/talk/demo?token={sign(SECRET, 'demo', 1_000_000)}", "expired"),
        (f"/talk/demo?token={link_token(SECRET, 'bank')}", "does not open agent 'demo'"),
        (f"/talk/demo?token={link_token(b'another', 'demo')}", "another secret"),
    ],
)
def test_bad_links_get_403_with_what_to_do(client, link, detail):
    for response in (
        client.get(link),
        client.post(link.replace("/talk/demo", "/talk/demo/offer"), json={"sdp": CHROME_OFFER}),
        client.get(link.replace("/talk/demo", "/talk/demo/calls/abc/transcript")),
    ):
        assert response.status_code == 403
        assert detail in response.json()["detail"]


def test_an_unknown_agent_is_404(client):
    response = client.get(f"/talk/nobody?token={token('nobody')}")
    assert response.status_code == 404 and "nobody" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "must be JSON"),
        (b"\xff\xfe", "must be JSON"),
        (b"[1, 2]", "no sdp"),
        (json.dumps({"type": "offer"}).encode(), "no sdp"),
        (json.dumps({"sdp": 42}).encode(), "no sdp"),
        (json.dumps({"type": "answer", "sdp": CHROME_OFFER}).encode(), "expected an offer"),
        (json.dumps({"sdp": "hello"}).encode(), "not SDP"),
        (json.dumps({"sdp": "v=0\r\nm=audio x y z\r\n"}).encode(), "cannot be used"),
        (json.dumps({"sdp": "v=0\r\n" + "a=x\r\n" * MAX_OFFER_BYTES}).encode(), "over 64 kB"),
    ],
)
def test_bad_offers_get_400_and_start_nothing(client, started, body, detail):
    response = client.post(f"/talk/demo/offer?token={token()}", content=body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert started == []


def test_chromes_offer_starts_a_call(client, started):
    response = client.post(
        f"/talk/demo/offer?token={token()}", json={"type": "offer", "sdp": CHROME_OFFER}
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == "answer" and "opus/48000/2" in answer["sdp"]
    assert "a=candidate:" in answer["sdp"] and ".local" not in answer["sdp"]
    [(transport, agent)] = started
    assert isinstance(transport, WebRtcCall) and agent == "demo"
    assert transport.call_id == answer["call_id"]
    assert transport.caller == "webrtc:testclient"


def test_beyond_the_admission_limit_an_offer_gets_503(make_client, started):
    response = make_client(admits=lambda: False).post(
        f"/talk/demo/offer?token={token()}", json={"sdp": CHROME_OFFER}
    )
    assert response.status_code == 503 and "busy" in response.json()["detail"]
    assert started == []


def test_the_transcript_is_the_stored_turns_of_a_browser_call(client, calls):
    record = CallRecord("c" * 32, "demo", "webrtc:1.2.3.4", "demo", "webrtc", T0)
    calls.start_call(record)
    calls.add_turn(record.id, TurnRecord(0, "", "Thanks for calling."))
    url = f"/talk/demo/calls/{record.id}/transcript?token={token()}"
    assert client.get(url).json() == {
        "turns": [{"caller": "", "agent": "Thanks for calling."}],
        "ended": False,
        "outcome": None,
    }
    calls.add_turn(record.id, TurnRecord(1, "where are you", "On Maple Street."))
    calls.finish_call(
        record.id, outcome="caller_hung_up", ended_at=T0, recording_path=None, dialogue_state={}
    )
    transcript = client.get(url).json()
    assert transcript["turns"][1] == {"caller": "where are you", "agent": "On Maple Street."}
    assert (transcript["ended"], transcript["outcome"]) == (True, "caller_hung_up")


def test_no_transcript_of_other_calls(client, calls):
    calls.start_call(CallRecord("d" * 32, "demo", "sip:alice@x", "demo", "sip", T0))
    for call_id in ("d" * 32, "e" * 32):  # a phone call; no call at all
        response = client.get(f"/talk/demo/calls/{call_id}/transcript?token={token()}")
        assert response.status_code == 404
