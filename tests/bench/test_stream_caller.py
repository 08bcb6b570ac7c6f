"""The Twilio side of bench/task_latency.py's stream calls, on made-up timelines: the
simulated playout buffer echoes a mark once the audio before it has played and drops what is
left on `clear`; the caller's times give voice-to-voice and barge-in stop as the wire does."""

from __future__ import annotations

import httpx
import numpy as np

from bench.latency.caller import Dialogue, Phrase
from bench.latency.stream_caller import (
    BUSY,
    FRAME_S,
    CarrierBuffer,
    StreamCallLog,
    _answer,
    cut_off,
    time_streams,
)

FRAME = bytes(160)
DIALOGUE = Dialogue("dental", "+15551230001", ("hello",), barge_in=0)


def _frames(start: float, end: float) -> list[float]:
    """Times of one frame every 20 ms from `start` up to (not at) `end`."""
    return [start + k * FRAME_S for k in range(round((end - start) / FRAME_S))]


def test_a_mark_is_echoed_once_the_audio_before_it_has_played() -> None:
    buffer = CarrierBuffer()
    for _ in range(5):  # a burst of 100 ms arriving at once
        buffer.media(FRAME, 1.0)
    buffer.mark("burst-1", 1.001)
    assert buffer.due_marks(1.09) == []
    assert buffer.due_marks(1.1) == ["burst-1"]
    assert buffer.due_marks(5.0) == []  # each mark once


def test_frames_play_one_per_20_ms_from_their_arrival() -> None:
    buffer = CarrierBuffer()
    buffer.media(FRAME, 1.0)
    buffer.media(FRAME, 1.0)
    assert buffer.playing(0.99) is None
    assert buffer.playing(1.0) == FRAME
    assert buffer.playing(1.0) is None  # the second starts when the first has played
    assert buffer.playing(1.02) == FRAME
    buffer.media(FRAME, 3.0)  # after a pause: plays at once
    buffer.mark("burst-2", 3.0)
    assert buffer.playing(3.0) == FRAME
    assert buffer.due_marks(3.02) == ["burst-2"]


def test_clear_drops_the_unplayed_audio_and_returns_its_marks_at_once() -> None:
    buffer = CarrierBuffer()
    for _ in range(50):  # a second of speech
        buffer.media(FRAME, 1.0)
    buffer.mark("burst-1", 1.0)
    assert buffer.playing(1.0) == FRAME
    assert buffer.clear(1.3) == ["burst-1"]
    assert buffer.playing(1.32) is None
    assert buffer.due_marks(10.0) == []
    buffer.media(FRAME, 1.4)  # new speech plays at once, not after the dropped audio
    assert buffer.playing(1.4) == FRAME


def test_the_caller_stops_hearing_the_agent_at_the_clear_or_the_end_of_its_voice() -> None:
    agent = _frames(1.0, 2.0)
    assert cut_off([1.55], agent, 1.3) == 1.55
    assert cut_off([0.5], agent, 1.3) == agent[-1] + FRAME_S  # no clear after the onset
    assert cut_off([2.5], agent, 1.3) == agent[-1] + FRAME_S  # its voice had ended first
    assert cut_off([1.55], agent, 2.8) is None  # it was not talking


def test_stream_calls_time_replies_and_barge_ins_from_the_callers_clock() -> None:
    log = StreamCallLog("dental", "espeak-ng en-us", call_id="CA1", stream_sid="MZ1")
    log.phrases = [Phrase("my name is Maria", 10.0, 1.0, barge_in=False),
                   Phrase("no, wait", 13.0, 0.5, barge_in=True)]  # fmt: skip
    log.caller_voice = _frames(10.02, 11.0) + _frames(13.02, 13.5)
    log.agent_voice = _frames(11.3, 13.4)  # its reply, cut off by the clear at 13.1
    log.clears = [13.1]
    times = time_streams([log, StreamCallLog("bank", "flite kal", refused=True)])
    assert times.turns == 2
    assert np.allclose(times.replies, [11.3 - 11.0])  # from the end of the last voiced frame
    assert np.allclose(times.barge_ins, [13.1 - 13.02])
    assert times.unreplied == 1  # the agent said nothing after the barge-in line


async def test_the_webhook_answer_gives_the_stream_or_a_busy_refusal() -> None:
    def twilio_webhook(request: httpx.Request) -> httpx.Response:
        if b"CallSid=CAbusy" in request.content:
            return httpx.Response(200, text='<Response><Reject reason="busy" /></Response>')
        return httpx.Response(200, text=(
            '<Response><Connect action="/twilio/after/dental"><Stream url="ws://h/twilio/'
            'stream/dental"><Parameter name="from" value="+15551230001" /></Stream></Connect>'
            "</Response>"))  # fmt: skip

    async with httpx.AsyncClient(transport=httpx.MockTransport(twilio_webhook)) as client:
        log = StreamCallLog("dental", "v", call_id="CA1")
        url, parameters = await _answer(client, "http://h", DIALOGUE, log)
        assert (url, parameters) == ("ws://h/twilio/stream/dental", {"from": "+15551230001"})
        busy = StreamCallLog("dental", "v", call_id="CAbusy")
        assert await _answer(client, "http://h", DIALOGUE, busy) == (None, {})
        assert busy.refused and busy.status == BUSY and not busy.problem
