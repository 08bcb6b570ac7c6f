"""One task call of bench/task_latency.py from a web browser, played in Python with aiortc as
talk.html does it: sign a talk link for the agent with the server's secret, open a peer
connection (host ICE candidates only), send the microphone as an audio track, POST the
offer, gathered whole, to /talk/{agent}/offer, and play the agent's track into the caller's
ear. The microphone (`CallerTrack`) gives 20 ms frames at 48 kHz, as a browser's does, on an
absolute schedule: the caller's line or silence. The dialogue itself is caller.py's `talk`,
as over SIP and Twilio.

The timing is the caller's own clock (time.time() when a frame goes to aiortc's encoder and
when aiortc hands over a decoded agent frame): voice-to-voice from the end of the line's
last voiced frame sent to the first voiced agent frame after it, and barge-in stop at the end
of the agent's voice, as wire_turns.py does with packets. What the agent's frames go through
before the caller gets them (Opus decoding, aiortc's jitter buffer of 4 packets, about 80 ms,
as shipped) is in the figures, as a browser's own jitter buffer would be.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bench.calls.agent_voice import wait_until
from bench.calls.caller_voices import VOICED_PEAK, CallAudio, CallerVoice
from bench.calls.sip_phone import LineState
from bench.latency.caller import CONNECT_TIMEOUT_S, POLL_S, CallLog, Dialogue, talk
from bench.latency.phones import STAGGER_S, PlannedCall
from bench.latency.wire_turns import WireTimes, time_phrase
from callwright.api.talk_links import link_secret, link_token
from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ
from callwright.audio.resample import StreamResampler
from callwright.telephony.webrtc.inbound import InboundFrames

FRAME_S = FRAME_MS / 1000
MICROPHONE_RATE_HZ = 48_000  # what a browser's microphone track gives
MICROPHONE_SAMPLES_PER_FRAME = MICROPHONE_RATE_HZ * FRAME_MS // 1000  # 960
MICROPHONE_TIME_BASE = fractions.Fraction(1, MICROPHONE_RATE_HZ)
MAX_SEND_LAG_S = 0.1  # a longer stall of the caller's clock skips its missed frames
BUSY = 503  # the offer's answer when the server is at its admission limit
ENDED_STATES = ("failed", "closed")  # the peer connection's states that end the call


@dataclass(slots=True)
class BrowserCallLog(CallLog):
    """A call from the browser: `call_id` is the one the offer's answer gave, and the
    caller's clock of the frames it sent and got (time.time())."""

    connected: bool = False  # the peer connection came up
    caller_voice: list[float] = field(default_factory=list)  # each voiced caller frame sent
    agent_voice: list[float] = field(default_factory=list)  # each voiced agent frame arrived

    def answered(self) -> bool:
        return bool(self.call_id and not self.refused and self.connected)


class CallerTrack(MediaStreamTrack):
    """The caller's microphone as an aiortc audio track: each `recv()` waits for its 20 ms
    slot on an absolute schedule (a longer stall skips the slots it missed), then gives
    `audio`'s next frame (the queued line or silence) at 48 kHz; the times voiced frames
    left go into `voiced_sent`. `clock` and `sleep` are the schedule's (tests run faster)."""

    kind = "audio"

    def __init__(
        self, audio: CallAudio, voiced_sent: list[float],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:  # fmt: skip
        super().__init__()
        self._audio, self._voiced_sent = audio, voiced_sent
        self._clock, self._sleep = clock, sleep
        self._up = StreamResampler(SAMPLE_RATE_HZ, MICROPHONE_RATE_HZ)
        self._pending = np.empty(0, np.int16)  # resampled, not yet sent
        self._slot_at: float | None = None  # when the next frame is due (clock)
        self._pts = 0  # the next frame's timestamp, in samples since the first

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = self._clock()
        if self._slot_at is None or now - self._slot_at > MAX_SEND_LAG_S:
            if self._slot_at is not None:
                self._pts += round((now - self._slot_at) / FRAME_S) * MICROPHONE_SAMPLES_PER_FRAME
            self._slot_at = now
        elif self._slot_at > now:
            await self._sleep(self._slot_at - now)
        self._slot_at += FRAME_S
        pcm = self._microphone(np.frombuffer(self._audio.next_frame(), np.int16))
        if int(np.abs(pcm.astype(np.int32)).max()) >= VOICED_PEAK:
            self._voiced_sent.append(time.time())
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.time_base, frame.pts = (
            MICROPHONE_RATE_HZ, MICROPHONE_TIME_BASE, self._pts)  # fmt: skip
        self._pts += MICROPHONE_SAMPLES_PER_FRAME
        return frame

    def _microphone(self, pcm: np.ndarray) -> np.ndarray:
        """20 ms of 16 kHz `pcm` as 20 ms at 48 kHz. The resampler holds back a few samples
        at first: the first frame starts with as many zeros."""
        pcm = np.concatenate((self._pending, self._up.process(pcm)))
        if len(pcm) < MICROPHONE_SAMPLES_PER_FRAME:
            pcm = np.concatenate((np.zeros(MICROPHONE_SAMPLES_PER_FRAME - len(pcm), np.int16), pcm))
        self._pending = pcm[MICROPHONE_SAMPLES_PER_FRAME:]
        return pcm[:MICROPHONE_SAMPLES_PER_FRAME]


class CallerEar:
    """What the caller hears: each decoded agent frame, as aiortc hands it over, goes into
    `audio` as 16 kHz 20 ms frames (the server's own conversion of a browser's audio), and
    its arrival time into `voiced_arrived` if it holds voice."""

    def __init__(self, audio: CallAudio, voiced_arrived: list[float]) -> None:
        self._audio, self._voiced_arrived = audio, voiced_arrived
        self._frames = InboundFrames()

    def hear(self, frame: av.AudioFrame, arrived: float) -> None:
        if int(np.abs(frame.to_ndarray().astype(np.int32)).max()) >= VOICED_PEAK:
            self._voiced_arrived.append(arrived)
        for heard in self._frames.convert(frame):
            self._audio.receive(heard.samples.tobytes())


async def run_browsers(calls: list[PlannedCall], api: str, data_dir: Path) -> list[BrowserCallLog]:
    """All of `calls` at once from browsers to the server at `api`, whose data folder
    `data_dir` holds the secret that signs talk links; STAGGER_S apart, logs in call order."""
    secret = link_secret(data_dir)

    async def due(index: int, call: PlannedCall) -> BrowserCallLog:
        await asyncio.sleep(index * STAGGER_S)
        return await run_browser_call(api, secret, call.dialogue, call.voice, call.speech)

    return list(await asyncio.gather(*(due(index, call) for index, call in enumerate(calls))))


async def run_browser_call(
    api: str, secret: bytes, dialogue: Dialogue, voice: CallerVoice,
    speech: dict[str, np.ndarray],
) -> BrowserCallLog:  # fmt: skip
    """Call `dialogue.agent` at `api` from a browser, with a link signed with `secret`, and
    carry out `dialogue` in `voice`, whose lines `speech` holds ready; then hang up."""
    log = BrowserCallLog(dialogue.agent, voice.describe())
    audio, line = CallAudio(voice), LineState()
    connection = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # as talk.html
    hearing: list[asyncio.Task[None]] = []

    @connection.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        if track.kind == "audio" and not hearing:
            hearing.append(asyncio.ensure_future(_listen(track, CallerEar(audio, log.agent_voice),
                                                         line)))  # fmt: skip

    @connection.on("connectionstatechange")
    def on_state() -> None:
        if connection.connectionState == "connected":
            line.connected.set()
        elif connection.connectionState in ENDED_STATES:
            line.ended.set()

    try:
        connection.addTrack(CallerTrack(audio, log.caller_voice))
        await connection.setLocalDescription(await connection.createOffer())  # ICE gathered
        async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT_S) as client:
            answer = await _offer(client, api, secret, connection.localDescription.sdp, log)
        if answer is None:
            return log
        await connection.setRemoteDescription(answer)
        await wait_until(lambda: line.connected.is_set() or line.ended.is_set(),
                         CONNECT_TIMEOUT_S, POLL_S)  # fmt: skip
        if not line.connected.is_set():
            raise RuntimeError(f"not connected in {CONNECT_TIMEOUT_S:.0f} s "
                               f"({connection.connectionState})")  # fmt: skip
        log.connected = True
        await talk(dialogue, audio, line, speech, log.phrases)
    except Exception as error:  # noqa: BLE001 - one broken call must not stop the level
        log.problem = f"call failed: {error!r}"
    finally:
        await connection.close()  # the caller hangs up (or the agent has)
        for task in hearing:
            task.cancel()
    return log


async def _offer(
    client: httpx.AsyncClient, api: str, secret: bytes, sdp: str, log: BrowserCallLog
) -> RTCSessionDescription | None:
    """POST offer `sdp` for `log.agent` with a link signed with `secret`, as talk.html
    does: the server's answer (its call id into `log`), or None when the call does not go on
    (`log` says why: refused at the admission limit, or a problem)."""
    response = await client.post(
        f"{api}/talk/{log.agent}/offer", params={"token": link_token(secret, log.agent)},
        json={"type": "offer", "sdp": sdp},
    )  # fmt: skip
    log.status = response.status_code
    if response.status_code != 200:
        log.refused = response.status_code == BUSY
        if not log.refused:
            log.problem = f"offer answered {response.status_code}: {response.text[:200]}"
        return None
    answer = response.json()
    log.call_id = answer["call_id"]
    return RTCSessionDescription(answer["sdp"], answer["type"])


async def _listen(track: MediaStreamTrack, ear: CallerEar, line: LineState) -> None:
    """The agent's frames into `ear` until its track ends: the call is over."""
    try:
        while True:
            frame = await track.recv()
            ear.hear(frame, time.time())
    except MediaStreamError:
        pass
    finally:
        line.ended.set()


def time_browsers(logs: list[CallLog]) -> WireTimes:
    """The turns of the answered browser calls in `logs`, as wire_turns.py times the SIP
    wire, with the caller's own send and arrival times for packets."""
    times = WireTimes()
    for log in logs:
        if isinstance(log, BrowserCallLog) and log.answered():
            for phrase in log.phrases:
                time_phrase(phrase, log.caller_voice, log.agent_voice, times)
    return times
