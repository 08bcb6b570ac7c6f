"""One task call of bench/task_latency.py over Twilio Media Streams, from Twilio's side: POST
the voice webhook as Twilio does, open the `<Stream>` its TwiML names, and play Twilio for the
caller: the caller's voice goes up as 20 ms mu-law `media` frames at real-time pace (silence
between lines, as Twilio sends continuous audio), and the agent's frames fill a simulated
playout buffer (`CarrierBuffer`) that the caller hears from, echoes each `mark` once the audio
before it has played, and drops on `clear`. The dialogue itself is caller.py's `talk`, as over
SIP.

The timing is the caller's own clock (time.time() at each send and arrival; on loopback the
carrier plays audio as it arrives): voice-to-voice from the end of the line's last voiced
frame sent to the first voiced agent frame after it, as wire_turns.py does with packets;
barge-in stop at the `clear` that dropped the agent's audio (or the end of its voice, if that
came first).
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import functools
import json
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
import numpy as np
import websockets
from websockets.asyncio.client import ClientConnection

from bench.calls.caller_voices import VOICED_PEAK, CallAudio, CallerVoice
from bench.calls.sip_phone import LineState
from bench.latency.caller import CONNECT_TIMEOUT_S, HANG_UP_TIMEOUT_S, CallLog, Dialogue, talk
from bench.latency.phones import STAGGER_S, PlannedCall
from bench.latency.wire_turns import WireTimes, time_phrase, voice_stop
from callwright.audio import g711
from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ
from callwright.audio.resample import StreamResampler

FRAME_S = FRAME_MS / 1000
ACCOUNT_SID = "AC" + "0" * 32  # the (made-up) Twilio account the calls come from
CALLED_NUMBER = "+15550100000"  # the Twilio number the callers dial
MULAW = {"encoding": "audio/x-mulaw", "sampleRate": g711.SAMPLE_RATE_HZ, "channels": 1}
MAX_SEND_LAG_S = 0.1  # a longer stall of the caller's clock skips its missed frames
BUSY = 486  # the status a `<Reject reason="busy"/>` is counted under (SIP's Busy Here)


@dataclass(slots=True)
class StreamCallLog(CallLog):
    """A call over a Twilio stream: `call_id` is its CallSid (the server's id of the call),
    and the caller's clock of what crossed the socket (time.time())."""

    stream_sid: str = ""  # set once the stream has started
    caller_voice: list[float] = field(default_factory=list)  # each voiced caller frame sent
    agent_voice: list[float] = field(default_factory=list)  # each voiced agent frame arrived
    marks: list[tuple[str, float]] = field(default_factory=list)  # (mark, echoed): heard to here
    clears: list[float] = field(default_factory=list)  # each `clear` arrived

    def answered(self) -> bool:
        return bool(self.call_id and not self.refused and self.stream_sid)


class CarrierBuffer:
    """Twilio's playout buffer of the agent's audio, on a clock of seconds: each frame plays
    20 ms, from when it arrives or when the one before it ends; a mark is due once the audio
    before it has played; `clear` drops what has not played and returns the marks behind it,
    which Twilio echoes at once."""

    def __init__(self) -> None:
        self._frames: deque[tuple[float, bytes]] = deque()  # (starts playing at, payload)
        self._marks: deque[tuple[float, str]] = deque()  # (due at, name), in order
        self._ends_at = float("-inf")  # when the audio buffered so far has all played

    def media(self, payload: bytes, now: float) -> None:
        start = max(now, self._ends_at)
        self._frames.append((start, payload))
        self._ends_at = start + FRAME_S

    def mark(self, name: str, now: float) -> None:
        self._marks.append((max(now, self._ends_at), name))

    def clear(self, now: float) -> list[str]:
        self._frames.clear()
        self._ends_at = now
        names = [name for _, name in self._marks]
        self._marks.clear()
        return names

    def due_marks(self, now: float) -> list[str]:
        """The marks whose audio has all played by `now`, in order (each returned once)."""
        names = []
        while self._marks and self._marks[0][0] <= now:
            names.append(self._marks.popleft()[1])
        return names

    def playing(self, now: float) -> bytes | None:
        """The frame that starts playing by `now` (each returned once); None: silence."""
        if self._frames and self._frames[0][0] <= now:
            return self._frames.popleft()[1]
        return None


async def run_streams(calls: list[PlannedCall], api: str) -> list[StreamCallLog]:
    """All of `calls` at once over Twilio streams to the server at `api`, STAGGER_S apart;
    logs in call order."""

    async def due(index: int, call: PlannedCall) -> StreamCallLog:
        await asyncio.sleep(index * STAGGER_S)
        return await run_stream_call(api, call.dialogue, call.voice, call.speech)

    return list(await asyncio.gather(*(due(index, call) for index, call in enumerate(calls))))


async def run_stream_call(
    api: str, dialogue: Dialogue, voice: CallerVoice, speech: dict[str, np.ndarray]
) -> StreamCallLog:
    """Call `dialogue.agent` at `api` through its Twilio webhook and carry out `dialogue` in
    `voice`, whose lines `speech` holds ready."""
    log = StreamCallLog(dialogue.agent, voice.describe(), call_id="CA" + uuid.uuid4().hex)
    try:
        async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT_S) as client:
            url, parameters = await _answer(client, api, dialogue, log)
            if url is None:
                return log
            stream = _TwilioStream(log, CallAudio(voice), parameters)
            await stream.run(url, lambda audio, line: talk(dialogue, audio, line, speech,
                                                           log.phrases))  # fmt: skip
            if stream.closed_by_server:  # the agent hung up: Twilio asks what next
                await client.post(f"{api}/twilio/after/{dialogue.agent}", data=_form(log, dialogue))
    except Exception as error:  # noqa: BLE001 - one broken call must not stop the level
        log.problem = f"call failed: {error!r}"
    return log


def _form(log: StreamCallLog, dialogue: Dialogue) -> dict[str, str]:
    """The fields of Twilio's webhook requests that the server reads."""
    return {
        "CallSid": log.call_id,
        "AccountSid": ACCOUNT_SID,
        "From": dialogue.caller_id,
        "To": CALLED_NUMBER,
    }


async def _answer(
    client: httpx.AsyncClient, api: str, dialogue: Dialogue, log: StreamCallLog
) -> tuple[str | None, dict[str, str]]:
    """POST the voice webhook: the `<Stream>` URL and its `<Parameter>`s, or (None, {}) when
    the answer is no stream (`log` says why)."""
    response = await client.post(f"{api}/twilio/voice/{dialogue.agent}",
                                 data=_form(log, dialogue))  # fmt: skip
    log.status = response.status_code
    if response.status_code != 200:
        log.problem = f"webhook answered {response.status_code}: {response.text[:200]}"
        return None, {}
    twiml = ElementTree.fromstring(response.text)
    stream = twiml.find("./Connect/Stream")
    if stream is None:
        log.refused = twiml.find("./Reject") is not None
        log.status = BUSY if log.refused else log.status
        if not log.refused:
            log.problem = f"no <Connect><Stream> in the TwiML: {response.text[:200]}"
        return None, {}
    parameters = {
        item.get("name", ""): item.get("value", "") for item in stream.findall("Parameter")
    }
    return stream.get("url"), parameters


class _TwilioStream:
    """The stream of one call as Twilio runs it: a sender on a 20 ms clock (the caller's
    frame up, the buffer's frame into the caller's ear, due marks echoed), a receiver, and
    the dialogue."""

    def __init__(self, log: StreamCallLog, audio: CallAudio, parameters: dict[str, str]) -> None:
        self.closed_by_server = False
        self._log, self._audio, self._parameters = log, audio, parameters
        self._line = LineState()
        self._buffer = CarrierBuffer()
        self._down = StreamResampler(SAMPLE_RATE_HZ, g711.SAMPLE_RATE_HZ)
        self._up = StreamResampler(g711.SAMPLE_RATE_HZ, SAMPLE_RATE_HZ)
        self._sequence = 0
        self._chunks = 0
        self._sending = True

    async def run(
        self, url: str, dialogue: Callable[[CallAudio, LineState], Awaitable[None]]
    ) -> None:
        """Start the stream, carry out `dialogue` on it, then hang up (unless the server
        did)."""
        log = self._log
        log.stream_sid = "MZ" + uuid.uuid4().hex
        async with websockets.connect(url, open_timeout=CONNECT_TIMEOUT_S) as socket:
            await self._send(socket, {"event": "connected", "protocol": "Call",
                                      "version": "1.0.0"})  # fmt: skip
            await self._send(socket, {"event": "start", "start": {
                "accountSid": ACCOUNT_SID, "streamSid": log.stream_sid, "callSid": log.call_id,
                "tracks": ["inbound"], "customParameters": self._parameters,
                "mediaFormat": MULAW}})  # fmt: skip
            self._line.connected.set()
            log.status = 200
            started = time.monotonic()
            receiver = asyncio.create_task(self._receive(socket))
            sender = asyncio.create_task(self._send_audio(socket, started))
            try:
                await dialogue(self._audio, self._line)
            finally:
                self._sending = False
                await sender
            if not self._line.ended.is_set():  # the caller hangs up
                await self._send(socket, {"event": "stop", "stop": {
                    "accountSid": ACCOUNT_SID, "callSid": log.call_id}})  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(receiver), HANG_UP_TIMEOUT_S)
            receiver.cancel()

    async def _send(self, socket: ClientConnection, frame: dict) -> None:
        if frame["event"] != "connected":  # Twilio numbers the frames from "start" on
            self._sequence += 1
            frame = {**frame, "sequenceNumber": str(self._sequence),
                     "streamSid": self._log.stream_sid}  # fmt: skip
        await socket.send(json.dumps(frame, separators=(",", ":")))

    async def _send_audio(self, socket: ClientConnection, started: float) -> None:
        """Every 20 ms on an absolute schedule: the caller's next frame up, the buffer's next
        frame into the caller's ear, and the marks whose audio has played echoed."""
        try:
            await self._pace(socket, started)
        except websockets.ConnectionClosed:
            return  # the server hung up: the receiver ends the line
        except Exception:
            self._line.ended.set()  # the dialogue stops; the failure is raised where awaited
            raise

    async def _pace(self, socket: ClientConnection, started: float) -> None:
        slot_at = time.monotonic()
        while self._sending and not self._line.ended.is_set():
            now = time.monotonic()
            pcm = self._down.process(np.frombuffer(self._audio.next_frame(), np.int16))
            self._chunks += 1
            if int(np.abs(pcm.astype(np.int32)).max()) >= VOICED_PEAK:
                self._log.caller_voice.append(time.time())
            await self._send(socket, {"event": "media", "media": {
                "track": "inbound", "chunk": str(self._chunks),
                "timestamp": str(round((now - started) * 1000)),
                "payload": base64.b64encode(g711.ulaw_encode(pcm)).decode("ascii")}})  # fmt: skip
            heard = self._buffer.playing(now)
            self._audio.receive(b"" if heard is None else
                                self._up.process(g711.ulaw_decode(heard)).tobytes())  # fmt: skip
            await self._echo(socket, self._buffer.due_marks(now))
            slot_at += FRAME_S
            if now - slot_at > MAX_SEND_LAG_S:
                slot_at = now
            await asyncio.sleep(max(0.0, slot_at - time.monotonic()))

    async def _echo(self, socket: ClientConnection, names: list[str]) -> None:
        """Echo marks `names`: their audio has been heard."""
        for name in names:
            self._log.marks.append((name, time.time()))
            await self._send(socket, {"event": "mark", "mark": {"name": name}})

    async def _receive(self, socket: ClientConnection) -> None:
        """The server's frames until it closes the socket."""
        try:
            async for message in socket:
                arrived, now = time.time(), time.monotonic()
                frame = json.loads(message)
                match frame.get("event"):
                    case "media":
                        payload = base64.b64decode(frame["media"]["payload"])
                        peak = int(np.abs(g711.ulaw_decode(payload).astype(np.int32)).max())
                        if peak >= VOICED_PEAK:
                            self._log.agent_voice.append(arrived)
                        self._buffer.media(payload, now)
                    case "mark":
                        self._buffer.mark(frame["mark"]["name"], now)
                    case "clear":
                        self._log.clears.append(arrived)
                        await self._echo(socket, self._buffer.clear(now))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed_by_server = self._sending  # before the caller had hung up
            self._line.ended.set()


def time_streams(logs: list[CallLog]) -> WireTimes:
    """The turns of the answered stream calls in `logs`, as wire_turns.py times the SIP
    wire, with the caller's own send and arrival times for packets; barge-in stop at the
    `clear` that cut the agent off."""
    times = WireTimes()
    for log in logs:
        if not isinstance(log, StreamCallLog) or not log.answered():
            continue
        for phrase in log.phrases:
            time_phrase(phrase, log.caller_voice, log.agent_voice, times,
                        functools.partial(cut_off, log.clears))  # fmt: skip
    return times


def cut_off(clears: list[float], agent: list[float], onset: float) -> float | None:
    """When the caller stopped hearing the agent, talking at `onset`: the first `clear` after
    `onset`, or the end of its voice if that came first (None: it was not talking)."""
    stop = voice_stop(agent, onset)
    if stop is None:
        return None
    index = bisect.bisect_left(clears, onset)
    return min(stop, clears[index]) if index < len(clears) else stop
