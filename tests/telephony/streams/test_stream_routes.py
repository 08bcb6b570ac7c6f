"""The carrier routes: Twilio's signed webhooks answered with TwiML (connect the stream,
then dial a transfer target or hang up), and the stream sockets that run calls."""

from __future__ import annotations

import json
from xml.etree.ElementTree import fromstring

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from callwright.api.routes_streams import stream_token, streams_router, twilio_signature
from callwright.telephony.transport import DtmfDigit, Transport

TOKEN = "12345"
CALL = {"CallSid": "CA1", "From": "+15550100", "To": "+15550199", "AccountSid": "AC1"}


def client(
    token: str | None = None,
    calls: list | None = None,
    transfer_to: list[str] | None = None,
    admits=lambda: True,
) -> TestClient:
    async def start_call(transport: Transport, agent: str) -> None:
        """Take the call; at the first key press end it, or transfer it to the next of
        `transfer_to`."""
        async for event in transport.events():
            if isinstance(event, DtmfDigit):
                calls.append((transport, agent, event.digit))
                if transfer_to:
                    calls.append(await transport.transfer(transfer_to.pop(0)))
                return

    app = FastAPI()
    app.include_router(streams_router(start_call, {"demo"}, token, admits=admits))
    return TestClient(app)


def signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": twilio_signature(TOKEN, url, params.items())}


def test_the_signature_matches_twilios_published_examples():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert twilio_signature("12345", url, params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678")]
    repeated += [("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_call_is_connected_to_the_agents_stream_with_its_numbers():
    answer = client().post("/twilio/voice/demo", data=CALL)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
    connect = fromstring(answer.text).find("Connect")
    assert connect.get("action") == "/twilio/after/demo"
    stream = connect.find("Stream")
    assert stream.get("url") == "ws://testserver/twilio/stream/demo"
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert parameters == {"from": "+15550100", "to": "+15550199"}
    behind_tls = client().post(
        "/twilio/voice/demo", data=CALL, headers={"X-Forwarded-Proto": "https"}
    )
    assert 'url="wss://testserver/twilio/stream/demo"' in behind_tls.text


def test_with_an_auth_token_only_signed_requests_are_answered():
    twilio = client(TOKEN)
    assert twilio.post("/twilio/voice/demo", data=CALL).status_code == 403
    forged = {"X-Twilio-Signature": twilio_signature("other", "http://testserver/x", [])}
    assert twilio.post("/twilio/voice/demo", data=CALL, headers=forged).status_code == 403
    url = "http://testserver/twilio/voice/demo"
    answer = twilio.post("/twilio/voice/demo", data=CALL, headers=signed(url, CALL))
    assert answer.status_code == 200
    assert f'name="token" value="{stream_token(TOKEN, "CA1")}"' in answer.text
    with_port = signed("http://testserver:80/twilio/voice/demo", CALL)
    assert twilio.post("/twilio/voice/demo", data=CALL, headers=with_port).status_code == 200
    unsigned_agent = twilio.post("/twilio/voice/nobody", data=CALL)
    assert unsigned_agent.status_code == 403  # names of agents are not given away


def test_an_unknown_agent_is_not_found():
    assert client().post("/twilio/voice/nobody", data=CALL).status_code == 404
    with pytest.raises(WebSocketDisconnect), client().websocket_connect("/twilio/stream/nobody"):
        pass


def test_after_the_stream_twilio_hangs_up_or_dials_the_transfer_target():
    calls: list = []
    targets = ["tel:+15550123", "sip:desk@example.com"]
    twilio = client(calls=calls, transfer_to=targets.copy())
    after = fromstring(twilio.post("/twilio/after/demo", data=CALL).text)
    assert [child.tag for child in after] == ["Hangup"]
    dials = []
    for _ in targets:
        with twilio.websocket_connect("/twilio/stream/demo") as socket:
            socket.send_text(json.dumps(twilio_start()))
            socket.send_text(json.dumps({"event": "dtmf", "dtmf": {"digit": "0"}}))
            with pytest.raises(WebSocketDisconnect):  # the stream ends for the transfer
                socket.receive_text()
        assert calls[-1].ok
        dials.append(fromstring(twilio.post("/twilio/after/demo", data=CALL).text).find("Dial"))
    assert dials[0].text == "+15550123"
    assert dials[1].find("Sip").text == "sip:desk@example.com"
    after = fromstring(twilio.post("/twilio/after/demo", data=CALL).text)
    assert [child.tag for child in after] == ["Hangup"]  # a transfer is dialled once


def twilio_start(parameters: dict[str, str] | None = None) -> dict:
    start = {"callSid": "CA1", "streamSid": "MZ1", "customParameters": parameters or {}}
    return {"event": "start", "streamSid": "MZ1", "start": start}


@pytest.mark.parametrize(
    ("carrier", "frames"),
    [
        (
            "telnyx",
            [
                {"event": "connected", "version": "1.0.0"},
                {"event": "start", "stream_id": "S1", "start": {"call_control_id": "v3:1"}},
                {"event": "dtmf", "stream_id": "S1", "dtmf": {"digit": "7"}},
            ],
        ),
        (
            "plivo",
            [
                {"event": "start", "start": {"callId": "P1", "streamId": "S1"}},
                {"event": "dtmf", "streamId": "S1", "dtmf": {"digit": "7"}},
            ],
        ),
    ],
)
def test_telnyx_and_plivo_streams_run_calls(carrier, frames):
    calls: list = []
    with client(calls=calls).websocket_connect(f"/{carrier}/stream/demo") as socket:
        for frame in frames:
            socket.send_text(json.dumps(frame))
        with pytest.raises(WebSocketDisconnect):  # the call ended at the key press
            socket.receive_text()
    ((transport, agent, digit),) = calls
    assert (transport.transport_name, agent, digit) == (carrier, "demo", "7")


def test_with_an_auth_token_a_stream_needs_the_token_our_twiml_gave_it():
    calls: list = []
    twilio = client(TOKEN, calls)
    for parameters in ({}, {"token": "forged"}, {"token": stream_token(TOKEN, "CA1")}):
        with twilio.websocket_connect("/twilio/stream/demo") as socket:
            socket.send_text(json.dumps(twilio_start(parameters)))
            socket.send_text(json.dumps({"event": "dtmf", "dtmf": {"digit": "1"}}))
            with pytest.raises(WebSocketDisconnect):
                socket.receive_text()
    assert [digit for _, _, digit in calls] == ["1"]  # only the third stream was taken


def test_beyond_the_admission_limit_twilio_hears_busy_and_a_stream_is_turned_away():
    busy = client(admits=lambda: False)
    answer = fromstring(busy.post("/twilio/voice/demo", data=CALL).text)
    assert [(e.tag, e.get("reason")) for e in answer] == [("Reject", "busy")]
    with pytest.raises(WebSocketDisconnect) as refused:
        with busy.websocket_connect("/telnyx/stream/demo") as socket:
            socket.receive_text()
    assert refused.value.code == 1013


@pytest.mark.parametrize(
    "body", [b"\xff\xfe\x00garbage", b"=&&==&CallSid", b"CallSid=" + b"A" * 100_000, b""]
)
def test_a_garbage_webhook_body_gets_twiml_or_a_refusal_never_a_crash(body):
    for answer in (client().post("/twilio/voice/demo", content=body),
                   client().post("/twilio/after/demo", content=body)):
        assert answer.status_code == 200 and fromstring(answer.text).tag == "Response"
    refused = client(TOKEN).post("/twilio/voice/demo", content=body)
    assert refused.status_code == 403  # unsigned, when a token is set
