"""The browser side of bench/task_latency.py's WebRTC calls, without a server: the caller's
microphone track gives 48 kHz frames on a 20 ms schedule (run on a made-up clock), the ear
takes decoded agent frames as aiortc hands them over, the offer goes out with a signed link,
and the caller's times give voice-to-voice and barge-in stop as the wire does."""

from __future__ import annotations

import json

import av
import httpx
import numpy as np

from bench.calls.caller_voices import CallAudio, CallerVoice
from bench.latency.browser_caller import (
    BUSY,
    FRAME_S,
    MICROPHONE_RATE_HZ,
    MICROPHONE_SAMPLES_PER_FRAME,
    BrowserCallLog,
    CallerEar,
    CallerTrack,
    _offer,
    time_browsers,
)
from bench.latency.caller import Phrase
from callwright.api.talk_links import verify
from callwright.audio.frames import SAMPLES_PER_FRAME

CLEAN = CallerVoice("espeak-ng", "en-us", 160, "white", None, 0)
SECRET = b"s" * 32


class FakeClock:
    """A monotonic clock that only moves when the track sleeps (or the test says)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _burst(samples: int, rate_hz: int, channels: int = 1) -> np.ndarray:
    """A 1 kHz tone under a Hann window (no voice left at its edges), int16."""
    t = np.arange(samples) / rate_hz
    tone = 8000 * np.sin(2 * np.pi * 1000 * t) * np.hanning(samples)
    return np.repeat(tone.astype(np.int16), channels)


def _decoded(pcm: np.ndarray) -> av.AudioFrame:
    """A 20 ms frame as aiortc's Opus decoder gives it: 48 kHz stereo, packed s16."""
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="stereo")
    frame.sample_rate = MICROPHONE_RATE_HZ
    return frame


async def test_the_microphone_sends_48_khz_frames_every_20_ms() -> None:
    audio, voiced_sent, clock = CallAudio(CLEAN), [], FakeClock()
    audio.play(_burst(3 * SAMPLES_PER_FRAME, 16_000))  # 60 ms of voice, then silence
    track = CallerTrack(audio, voiced_sent, clock, clock.sleep)
    sent, frames = [], []
    for _ in range(5):
        frames.append(await track.recv())
        sent.append(clock.now)
    assert np.allclose(sent, [100.0 + k * FRAME_S for k in range(5)])
    assert [frame.pts for frame in frames] == [k * MICROPHONE_SAMPLES_PER_FRAME for k in range(5)]
    for frame in frames:
        assert (frame.sample_rate, frame.samples, frame.format.name, frame.layout.name) == (
            MICROPHONE_RATE_HZ, MICROPHONE_SAMPLES_PER_FRAME, "s16", "mono")  # fmt: skip
    up = np.concatenate([frame.to_ndarray()[0] for frame in frames[:3]])
    assert 7000 < np.abs(up).max() < 8500  # the tone, upsampled at its level
    assert len(voiced_sent) == 3 and not audio.playing()


async def test_the_microphone_catches_up_a_short_stall_and_skips_a_long_one() -> None:
    audio, clock = CallAudio(CLEAN), FakeClock()
    track = CallerTrack(audio, [], clock, clock.sleep)
    await track.recv()  # slot 0 at 100.00
    clock.now += 0.05  # 50 ms late: the next slots go out at once, till the schedule is met
    assert (await track.recv()).pts == MICROPHONE_SAMPLES_PER_FRAME and clock.now == 100.05
    assert (await track.recv()).pts == 2 * MICROPHONE_SAMPLES_PER_FRAME and clock.now == 100.05
    await track.recv()
    assert np.isclose(clock.now, 100.06)  # slot 3, on time
    clock.now += 0.5  # a stall: slot 28 (100.56) goes out at once, the 24 missed are skipped
    frame = await track.recv()
    assert frame.pts == 28 * MICROPHONE_SAMPLES_PER_FRAME and np.isclose(clock.now, 100.56)


def test_the_ear_hears_decoded_frames_at_16_khz_and_stamps_the_voiced_ones() -> None:
    audio, voiced_arrived = CallAudio(CLEAN), []
    ear = CallerEar(audio, voiced_arrived)
    silence = np.zeros(2 * MICROPHONE_SAMPLES_PER_FRAME, np.int16)
    voice = _burst(MICROPHONE_SAMPLES_PER_FRAME, MICROPHONE_RATE_HZ, channels=2)
    for arrived, pcm in [(1.0, silence), (1.02, voice), (1.04, silence)]:
        ear.hear(_decoded(pcm), arrived)
    assert voiced_arrived == [1.02]
    assert [len(frame) for frame in audio.frames] == [SAMPLES_PER_FRAME] * 3
    assert audio.voiced == [False, True, False]


def _frames(start: float, end: float) -> list[float]:
    """Times of one frame every 20 ms from `start` up to (not at) `end`."""
    return [start + k * FRAME_S for k in range(round((end - start) / FRAME_S))]


def test_browser_calls_time_replies_and_barge_ins_from_the_callers_clock() -> None:
    log = BrowserCallLog("dental", "espeak-ng en-us", call_id="c1", connected=True)
    log.phrases = [Phrase("my name is Maria", 10.0, 1.0, barge_in=False),
                   Phrase("no, wait", 13.0, 0.5, barge_in=True)]  # fmt: skip
    log.caller_voice = _frames(10.02, 11.0) + _frames(13.02, 13.5)
    log.agent_voice = _frames(11.3, 13.2)  # its reply, stopped by the barge-in
    unconnected = BrowserCallLog("bank", "flite kal", call_id="c2")
    unconnected.phrases, unconnected.caller_voice = log.phrases, log.caller_voice
    times = time_browsers([log, unconnected, BrowserCallLog("bank", "v", refused=True)])
    assert times.turns == 2
    assert np.allclose(times.replies, [11.3 - 11.0])  # from the end of the last voiced frame
    assert np.allclose(times.barge_ins, [13.2 - 13.02])  # to the end of the agent's voice
    assert times.unreplied == 1


async def test_the_offer_goes_with_a_signed_link_and_gets_the_answer_or_a_refusal() -> None:
    def offer_route(request: httpx.Request) -> httpx.Response:
        verify(SECRET, "dental", request.url.params["token"])
        assert request.url.path == "/talk/dental/offer"
        assert json.loads(request.content) == {"type": "offer", "sdp": "v=0 offer"}
        if request.headers.get("x-full") == "1":
            return httpx.Response(BUSY, json={"detail": "all lines are busy"})
        if request.headers.get("x-full") == "2":
            return httpx.Response(400, json={"detail": "the offer has no audio"})
        return httpx.Response(200, json={"type": "answer", "sdp": "v=0 answer", "call_id": "c1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(offer_route)) as client:
        log = BrowserCallLog("dental", "v")
        answer = await _offer(client, "http://h", SECRET, "v=0 offer", log)
        assert (answer.type, answer.sdp, log.call_id, log.status) == (
            "answer", "v=0 answer", "c1", 200)  # fmt: skip
        client.headers["x-full"] = "1"
        busy = BrowserCallLog("dental", "v")
        assert await _offer(client, "http://h", SECRET, "v=0 offer", busy) is None
        assert busy.refused and busy.status == BUSY and not busy.problem
        client.headers["x-full"] = "2"
        broken = BrowserCallLog("dental", "v")
        assert await _offer(client, "http://h", SECRET, "v=0 offer", broken) is None
        assert not broken.refused and "no audio" in broken.problem
