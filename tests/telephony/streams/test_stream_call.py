"""StreamCall over an in-memory socket speaking Twilio's frames: caller audio, keys and the
end of the stream become transport events; our frames leave paced, each burst followed by a
mark whose echo says when the caller heard it; clear() reaches the carrier; garbage is
dropped without ending the call, unless it is all the carrier sends."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import numpy as np
import pytest

from callwright.audio import g711
from callwright.audio.frames import SAMPLES_PER_FRAME, AudioFrame
from callwright.telephony.streams.events import StreamProtocolError
from callwright.telephony.streams.stream_call import MAX_BAD_FRAMES_IN_A_ROW, StreamCall
from callwright.telephony.streams.telnyx import TelnyxStream
from callwright.telephony.streams.twilio import TwilioStream
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup

START = {
    "event": "start",
    "start": {"callSid": "CA1", "streamSid": "MZ1", "customParameters": {"from": "+15550100"}},
}


class FakeSocket:
    """The carrier's end of the WebSocket; echoes our marks at once when `echo_marks`."""

    def __init__(self, echo_marks: bool = False) -> None:
        self.inbound: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[dict] = []
        self.closed = False
        self.echo_marks = echo_marks

    def push(self, frame: dict | str) -> None:
        self.inbound.put_nowait(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self) -> str | None:
        return None if self.closed else await self.inbound.get()

    async def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionError("closed")
        frame = json.loads(text)
        self.sent.append(frame)
        if self.echo_marks and frame["event"] == "mark":
            self.push({"event": "mark", "streamSid": "MZ1", "mark": frame["mark"]})

    async def close(self) -> None:
        self.closed = True
        self.inbound.put_nowait(None)

    def kinds(self) -> list[str]:
        return [frame["event"] for frame in self.sent]


def media(samples: np.ndarray) -> dict:
    payload = base64.b64encode(g711.ulaw_encode(samples)).decode()
    return {"event": "media", "streamSid": "MZ1", "media": {"payload": payload}}


def tone_frame(utterance_id: int = 1) -> AudioFrame:
    t = np.arange(SAMPLES_PER_FRAME) / 16_000
    return AudioFrame((3000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), utterance_id)


async def answered(socket: FakeSocket, **kwargs) -> StreamCall:
    socket.push({"event": "connected", "protocol": "Call", "version": "1.0.0"})
    socket.push(START)
    return await StreamCall.answer(socket, TwilioStream(), **kwargs)


async def events_until_hangup(call: StreamCall) -> list:
    return [event async for event in call.events() if not _gap_silence(event)]


def _gap_silence(event: object) -> bool:
    return isinstance(event, InboundAudio) and not event.frame.samples.any()


async def test_caller_audio_keys_and_stop_become_events():
    socket = FakeSocket()
    call = await answered(socket)
    assert (call.call_id, call.caller, call.transport_name) == ("CA1", "tel:+15550100", "twilio")
    eight_khz = (2000 * np.sin(2 * np.pi * 300 * np.arange(160) / 8000)).astype(np.int16)
    socket.push(media(eight_khz))
    socket.push({"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "4"}})
    socket.push({"event": "stop", "streamSid": "MZ1"})
    events = await asyncio.wait_for(events_until_hangup(call), 2)
    audio, digit, hangup = events
    assert isinstance(audio, InboundAudio) and len(audio.frame.samples) == SAMPLES_PER_FRAME
    assert np.abs(audio.frame.samples.astype(np.int32)).max() > 1000
    assert isinstance(digit, DtmfDigit) and digit.digit == "4"
    assert hangup == RemoteHangup("stop")
    await call.hangup()
    assert socket.closed


async def test_a_law_both_ways_when_the_carrier_streams_it():
    socket = FakeSocket(echo_marks=True)  # Telnyx echoes marks in Twilio's shape
    start = {"call_control_id": "v3:1", "media_format": {"encoding": "PCMA"}}
    socket.push({"event": "start", "stream_id": "S1", "start": start})
    call = await StreamCall.answer(socket, TelnyxStream())
    sine = (2000 * np.sin(2 * np.pi * 300 * np.arange(160) / 8000)).astype(np.int16)
    payload = base64.b64encode(g711.alaw_encode(sine)).decode()
    socket.push({"event": "media", "stream_id": "S1", "media": {"payload": payload}})
    call.play(tone_frame())
    heard = await asyncio.wait_for(call.events().__anext__(), 1)
    assert 1500 < np.abs(heard.frame.samples.astype(np.int32)).max() < 2600
    await asyncio.sleep(0.05)
    sent = g711.alaw_decode(base64.b64decode(socket.sent[0]["media"]["payload"]))
    assert 2500 < np.abs(sent.astype(np.int32)).max() < 3600  # the 3000-peak tone
    await call.hangup()


async def test_a_closed_socket_ends_the_call():
    socket = FakeSocket()
    call = await answered(socket)
    socket.inbound.put_nowait(None)
    assert await asyncio.wait_for(events_until_hangup(call), 2) == [
        RemoteHangup("the stream closed")
    ]
    await call.hangup()


async def test_garbage_is_dropped_and_the_call_goes_on_until_it_is_all_there_is():
    socket = FakeSocket()
    call = await answered(socket)
    for _ in range(MAX_BAD_FRAMES_IN_A_ROW - 1):
        socket.push("{garbage")
    socket.push({"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "1"}})
    for _ in range(MAX_BAD_FRAMES_IN_A_ROW):
        socket.push('{"event": "media", "media": {"payload": "%%%"}}')
    events = await asyncio.wait_for(events_until_hangup(call), 2)
    assert [type(event) for event in events] == [DtmfDigit, RemoteHangup]
    assert events[-1].reason == "protocol error"
    assert call.bad_frames == 2 * MAX_BAD_FRAMES_IN_A_ROW - 1
    await call.hangup()


async def test_speech_goes_out_paced_then_a_mark_whose_echo_says_it_was_heard():
    socket = FakeSocket(echo_marks=True)
    call = await answered(socket)
    sent: list[tuple[AudioFrame, float]] = []
    call.on_frame_sent(lambda frame, at: sent.append((frame, at)))
    for _ in range(10):
        call.play(tone_frame())
    await asyncio.sleep(0.4)
    speech = [at for frame, at in sent if frame.utterance_id == 1]
    assert len(speech) == 10
    assert 0.15 <= speech[-1] - speech[0] <= 0.3  # 9 slots of 20 ms, on a busy machine
    assert len(sent) >= 15  # listeners hear the silence slots too
    assert socket.kinds()[:11] == ["media"] * 10 + ["mark"]
    assert len(base64.b64decode(socket.sent[0]["media"]["payload"])) == 160
    (mark,) = call.marks
    assert mark.name == socket.sent[10]["mark"]["name"]
    assert speech[-1] < mark.sent_at <= mark.heard_at
    await call.hangup()


async def test_clear_drops_our_queue_and_the_carriers_buffer():
    socket = FakeSocket()
    call = await answered(socket)
    for _ in range(50):
        call.play(tone_frame())
    await asyncio.sleep(0.1)
    dropped = call.clear()
    assert 30 < len(dropped) < 50 and call.queued_frames() == 0
    await asyncio.sleep(0.1)
    kinds = socket.kinds()
    assert kinds[-1] == "clear" and set(kinds[:-1]) == {"media"}  # no mark for a cut burst
    assert call.clear() == [] and socket.kinds() == kinds  # nothing buffered: nothing to clear
    await call.hangup()


async def test_hangup_lets_the_caller_hear_the_last_words_then_closes():
    socket = FakeSocket(echo_marks=True)
    call = await answered(socket)
    for _ in range(10):
        call.play(tone_frame())
    started = time.monotonic()
    await asyncio.wait_for(call.hangup(), 3)
    assert time.monotonic() - started >= 0.18  # the burst went out and its mark came back
    assert socket.closed and len(call.marks) == 1
    assert socket.kinds() == ["media"] * 10 + ["mark"]
    assert await asyncio.wait_for(events_until_hangup(call), 1) == []
    await call.hangup()  # again: nothing more happens


async def test_transfer_ends_the_stream_for_the_carrier_to_dial():
    transfers: list[tuple[str, str]] = []
    socket = FakeSocket()
    call = await answered(socket, on_transfer=lambda sid, target: transfers.append((sid, target)))
    result = await call.transfer("tel:+15550123")
    assert result.ok and "+15550123" in result.reason
    assert transfers == [("CA1", "tel:+15550123")] and socket.closed
    assert not (await call.transfer("tel:+15550123")).ok  # over already


async def test_a_carrier_without_transfers_says_so():
    call = await answered(FakeSocket())
    result = await call.transfer("tel:+15550123")
    assert not result.ok and "cannot transfer" in result.reason
    await call.hangup()


@pytest.mark.parametrize("frames", [[], ["{garbage"] * MAX_BAD_FRAMES_IN_A_ROW])
async def test_a_stream_without_a_valid_start_is_refused(frames):
    socket = FakeSocket()
    for frame in frames:
        socket.push(frame)
    socket.inbound.put_nowait(None)
    with pytest.raises(StreamProtocolError, match="before a valid start"):
        await StreamCall.answer(socket, TwilioStream())


async def test_a_silent_socket_is_refused_after_the_timeout():
    with pytest.raises(StreamProtocolError, match="within 0.05 s"):
        await StreamCall.answer(FakeSocket(), TwilioStream(), timeout_s=0.05)
