"""A simulated Twilio call reaches `callwright serve` over Media Streams and talks with the
demo agent.

streamdouble plays Twilio: it opens the stream, streams an espeak-ng caller at real-time
pace, presses a key, echoes our marks once their audio would have played and honours clear.
The caller presses 1 (the opening hours), cuts into the answer with a spoken question
(barge-in: a clear must reach Twilio) and hears the address. What the agent said is checked
in the call record and in the reply audio. A stream full of garbage frames stays up (the
agent still greets it) and does not disturb the calls after it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import time

import pytest
import websockets
from streamdouble.scenario import parse
from streamdouble.session import SessionConfig

from callwright.audio.g711 import ulaw_decode
from callwright.audio.resample import resample
from callwright.speech.stt.whisper import WhisperStt
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord
from tests.support.server import RunningServer
from tests.support.voices import speak, transcribe, words

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing"),
]

CALLER = {"from": "+15550100", "to": "+15550199"}  # as our TwiML passes them
GARBAGE = [
    "{not json",
    json.dumps({"event": "teleport"}),
    json.dumps({"event": "media", "media": {"payload": "%%% not base64 %%%"}}),
    json.dumps({"event": "dtmf", "dtmf": {"digit": "Z"}}),
    json.dumps([1, 2, 3]),
]


@pytest.fixture
def server(demo_server: RunningServer) -> RunningServer:
    return demo_server


@pytest.fixture
def streamdouble_config() -> SessionConfig:
    return SessionConfig(
        response_timeout_s=20.0, quiet_period_s=1.0, max_drain_s=15.0, custom_parameters=CALLER
    )


def stream_url(server: RunningServer) -> str:
    return f"ws://127.0.0.1:{server.http_port}/twilio/stream/demo"


async def finished_call(server: RunningServer, call_id: str) -> CallRecord:
    """The call's record once the server has closed it."""
    calls = CallRepository(open_database(f"sqlite:///{server.workdir}/callwright.db"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        record = await asyncio.to_thread(calls.get_call, call_id)
        if record is not None and record.ended_at is not None:
            return record
        await asyncio.sleep(0.2)
    raise AssertionError(f"call {call_id} was not recorded as ended")


async def test_garbage_frames_do_not_end_the_call(server):
    silence = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of mu-law silence
    async with websockets.connect(stream_url(server)) as twilio:
        await twilio.send(json.dumps({"event": "connected", "protocol": "Call"}))
        start = {"callSid": "CAgarbage", "streamSid": "MZgarbage", "customParameters": {}}
        await twilio.send(json.dumps({"event": "start", "start": start}))
        for frame in GARBAGE * 4:
            await twilio.send(frame)
        for _ in range(10):  # and some good audio between the garbage
            await twilio.send(json.dumps({"event": "media", "media": {"payload": silence}}))
            await twilio.send(GARBAGE[0])
        greeting = None
        while greeting is None:  # the agent greets the caller all the same
            frame = json.loads(await asyncio.wait_for(twilio.recv(), 20))
            greeting = frame if frame["event"] == "media" else None
        assert greeting["streamSid"] == "MZgarbage"
    record = await finished_call(server, "CAgarbage")
    assert record.transport == "twilio"
    assert "dropped a twilio frame" in server.log()


async def test_twilio_call_with_a_key_press_and_a_barge_in(server, simulated_call, tmp_path):
    located = speak("Where are you located?", tmp_path / "located.wav")
    steps = [
        {"wait_for": {"event": "audio", "timeout": 20}},  # the greeting
        {"wait_for": {"event": "quiet", "timeout": 20}},
        {"dtmf": "1"},  # the opening hours, about seven seconds of them
        {"wait": 2.5},
        {"say": str(located)},  # cut in
        {"wait": 8.0},
    ]
    scenario = parse({"name": "hours then address", "steps": steps}, base_dir=tmp_path)
    report = await simulated_call(stream_url(server), scenario=scenario)

    assert report.violations == [] and report.spoke
    assert report.result.clears_received >= 1  # the barge-in reached Twilio
    assert report.result.marks_echoed  # our marks came back: heard-at times exist
    record = await finished_call(server, report.result.identity.call_sid)
    assert (record.transport, record.caller) == ("twilio", "tel:+15550100")
    assert [e.data.get("digit") for e in record.events if e.kind == "dtmf"] == ["1"]
    assert any(event.kind == "barge_in" for event in record.events)
    keyed = next(turn for turn in record.turns if "keypad" in turn.caller_text)
    assert keyed.interrupted and words(keyed.agent_text).startswith("we re open")
    assert "sundays" not in words(keyed.agent_text)  # cut off before the end
    where = next(turn for turn in record.turns if "located" in words(turn.caller_text))
    assert "maple street" in words(where.agent_text)

    reply = resample(ulaw_decode(report.audio_received), 8_000, 16_000)
    heard = transcribe(WhisperStt(), reply)
    assert "tuesday" in heard and "library" in heard
