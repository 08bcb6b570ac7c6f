"""StreamCall: one call a carrier delivers as a media stream over a WebSocket, as a `Transport`.

Inbound, the carrier's 8 kHz G.711 becomes 16 kHz 20 ms AudioFrames, key presses become
DtmfDigit events, and a "stop" frame or the socket closing ends the call (RemoteHangup).
Outbound, `Playout` sends the agent's frames on an absolute 20 ms schedule, like RTP, with a
mark after each burst: `marks` says when the caller heard each one (latency at the ear).

A frame that cannot be read is logged and dropped and the call goes on; a run of
MAX_BAD_FRAMES_IN_A_ROW of them ends it ("protocol error"). Only one writer task sends on
the socket, so frames leave in the order they were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Protocol

import numpy as np

from callwright.audio import g711
from callwright.audio.frames import FRAME_MS, SAMPLES_PER_FRAME, AudioFrame
from callwright.audio.frames import SAMPLE_RATE_HZ as FRAME_RATE_HZ
from callwright.audio.resample import StreamResampler
from callwright.telephony.outbound import PlaysThroughQueue
from callwright.telephony.streams.events import (
    StreamAudio,
    StreamDtmf,
    StreamMark,
    StreamProtocolError,
    StreamSerializer,
    StreamStarted,
    StreamStopped,
)
from callwright.telephony.streams.playout import Playout, PlayoutMark
from callwright.telephony.transport import (
    TRANSFER_TIMEOUT_S,
    DtmfDigit,
    InboundAudio,
    RemoteHangup,
    TransferResult,
    TransportEvent,
)

log = logging.getLogger("callwright.streams")

FRAME_S = FRAME_MS / 1000
START_TIMEOUT_S = 10.0  # a socket that sends no valid start frame by then is dropped
MAX_BAD_FRAMES_IN_A_ROW = 50  # one second of garbage in place of audio ends the call
LOGGED_BAD_FRAMES = 10  # bad frames logged as warnings per call; the rest at debug level
MAX_SEND_LAG_S = 0.1  # a longer stall of the sender skips its missed slots
INBOUND_GAP_S = 0.1  # no audio from the carrier this long: the caller is heard as silence
PLAYOUT_WAIT_S = 2.0  # hangup() waits this long at most for our last words to be heard


class MessageSocket(Protocol):
    """A WebSocket as the call sees it (the api layer adapts the web framework's)."""

    async def receive(self) -> str | bytes | None:
        """The next message; None once the socket has closed."""
        ...

    async def send(self, text: str) -> None:
        """Send one text message; raises once the socket has closed."""
        ...

    async def close(self) -> None: ...


Transferring = Callable[[str, str], None]
"""(call id, target): remember that the carrier should connect the caller to `target`
once this stream has ended (Twilio asks the `<Connect action>` URL what to do next)."""

_LOCAL_HANGUP = object()  # ends events() after hangup()
_CLOSE = object()  # ends the writer after what was queued before it


class StreamCall(PlaysThroughQueue):
    """A live call over a carrier's media stream. Implements telephony.transport.Transport.
    Create with `await StreamCall.answer(socket, serializer)`."""

    def __init__(
        self,
        socket: MessageSocket,
        serializer: StreamSerializer,
        started: StreamStarted,
        on_transfer: Transferring | None = None,
    ) -> None:
        self.transport_name = serializer.name  # the call record's transport
        self.call_id = started.call_id
        self.caller = (
            f"tel:{started.caller}" if started.caller else f"{serializer.name}:{started.call_id}"
        )
        self.callee = f"tel:{started.callee}" if started.callee else ""
        self.parameters: Mapping[str, str] = started.parameters
        self.bad_frames = 0  # frames dropped because they could not be read
        self._socket = socket
        self._serializer = serializer
        self._on_transfer = on_transfer
        self._decode = g711.CODECS[started.codec][1]
        self._events: asyncio.Queue[TransportEvent | object] = asyncio.Queue()
        self._upsampler = StreamResampler(g711.SAMPLE_RATE_HZ, FRAME_RATE_HZ)
        self._partial = np.empty(0, dtype=np.int16)
        self._last_audio_at = time.monotonic()
        self._outbox: asyncio.Queue[str | object] = asyncio.Queue()
        self._playout = Playout(
            serializer, started.stream_id, started.codec, self._outbox.put_nowait
        )
        self.outbound = self._playout
        self._ended = False  # the call is over for us (either side ended it)
        self._closing: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    async def answer(
        cls,
        socket: MessageSocket,
        serializer: StreamSerializer,
        on_transfer: Transferring | None = None,
        timeout_s: float = START_TIMEOUT_S,
    ) -> StreamCall:
        """Read the stream up to its start frame, then run the call's media.

        Raises StreamProtocolError when no valid start frame comes within `timeout_s`
        (the socket closed, sent garbage, or stayed silent)."""
        try:
            started = await asyncio.wait_for(_read_start(socket, serializer), timeout_s)
        except TimeoutError:
            raise StreamProtocolError(f"no valid start frame within {timeout_s:g} s") from None
        call = cls(socket, serializer, started, on_transfer)
        loop = asyncio.get_running_loop()
        call._tasks = [
            loop.create_task(call._receive()),
            loop.create_task(call._tick()),
            loop.create_task(call._write()),
        ]
        return call

    # --- Transport ---------------------------------------------------------------------

    async def events(self) -> AsyncIterator[TransportEvent]:
        while True:
            event = await self._events.get()
            if event is _LOCAL_HANGUP:
                return
            assert isinstance(event, InboundAudio | DtmfDigit | RemoteHangup)
            yield event
            if isinstance(event, RemoteHangup):
                return

    @property
    def marks(self) -> list[PlayoutMark]:
        """Every burst of speech the caller has heard, with when, in order."""
        return self._playout.marks

    async def transfer(
        self,
        target: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TRANSFER_TIMEOUT_S,
    ) -> TransferResult:
        """Blind transfer, where the carrier supports it: remember `target` for the carrier's
        what-next request (Twilio's `<Connect action>`), then end the stream once the caller
        has heard our last words. `headers` are not passed on."""
        if self._on_transfer is None:
            return TransferResult(
                False, 0, f"a {self.transport_name} media stream cannot transfer the call"
            )
        if self._ended:
            return TransferResult(False, 0, "the call has already ended")
        self._on_transfer(self.call_id, target)
        await self.hangup()
        log.info("call %s: stream ended for a transfer to %s", self.call_id, target)
        return TransferResult(True, 0, f"stream ended; {self.transport_name} dials {target}")

    async def hangup(self) -> None:
        """End the call from our side: once the caller has heard what we sent (at most
        PLAYOUT_WAIT_S), close the socket. The carrier then ends the call or, for Twilio,
        asks the `<Connect action>` URL what to do next."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close(hung_up_here=not self._ended))
            self._ended = True
            self._events.put_nowait(_LOCAL_HANGUP)
        await asyncio.shield(self._closing)

    # --- receiving ---------------------------------------------------------------------

    async def _receive(self) -> None:
        reason = "the stream closed"
        in_a_row = 0
        try:
            while (message := await self._socket.receive()) is not None:
                received_at = time.monotonic()
                try:
                    event = self._serializer.decode(message)
                except StreamProtocolError as error:
                    in_a_row += 1
                    self._bad_frame(error)
                    if in_a_row >= MAX_BAD_FRAMES_IN_A_ROW:
                        reason = "protocol error"
                        break
                    continue
                in_a_row = 0
                if isinstance(event, StreamStopped):
                    reason = event.reason
                    break
                self._handle(event, received_at)
        except Exception:
            log.exception("call %s: reading the stream failed", self.call_id)
        self._remote_ended(reason)

    def _handle(self, event: object, received_at: float) -> None:
        if isinstance(event, StreamAudio):
            self._last_audio_at = received_at
            pcm = self._upsampler.process(self._decode(event.payload))
            if self._partial.size:
                pcm = np.concatenate((self._partial, pcm))
            whole = len(pcm) - len(pcm) % SAMPLES_PER_FRAME
            for start in range(0, whole, SAMPLES_PER_FRAME):
                frame = AudioFrame(pcm[start : start + SAMPLES_PER_FRAME])
                self._events.put_nowait(InboundAudio(frame, received_at))
            self._partial = pcm[whole:]
        elif isinstance(event, StreamDtmf):
            self._events.put_nowait(DtmfDigit(event.digit, received_at))
        elif isinstance(event, StreamMark):
            self._playout.heard(event.name, received_at)

    def _bad_frame(self, error: StreamProtocolError) -> None:
        self.bad_frames += 1
        level = logging.WARNING if self.bad_frames <= LOGGED_BAD_FRAMES else logging.DEBUG
        log.log(level, "call %s: dropped a %s frame: %s", self.call_id, self.transport_name, error)

    def _remote_ended(self, reason: str) -> None:
        if not self._ended:
            self._ended = True
            log.info("call %s: %s stream ended (%s)", self.call_id, self.transport_name, reason)
            self._events.put_nowait(RemoteHangup(reason))

    # --- sending -----------------------------------------------------------------------

    async def _tick(self) -> None:
        """Every 20 ms on an absolute schedule: the next outbound slot, and silence for the
        caller if the carrier's audio stalled. A short stall of ours is caught up slot by
        slot; a longer one skips the slots it missed."""
        slot_at = time.monotonic()
        while True:
            now = time.monotonic()
            self._playout.send_slot(now)
            self._fill_inbound_gap(now)
            slot_at += FRAME_S
            if now - slot_at > MAX_SEND_LAG_S:
                slot_at = now
            await asyncio.sleep(slot_at - time.monotonic())

    def _fill_inbound_gap(self, now: float) -> None:
        """A carrier that pauses its audio (a network stall) is heard as silence on our
        own clock, so end-of-turn and no-input timing never wait for packets."""
        if now - self._last_audio_at >= INBOUND_GAP_S and not self._ended:
            self._last_audio_at = now - INBOUND_GAP_S + FRAME_S  # the next one a slot later
            self._events.put_nowait(InboundAudio(AudioFrame.silence(), now))

    async def _write(self) -> None:
        while (message := await self._outbox.get()) is not _CLOSE:
            try:
                await self._socket.send(str(message))
            except Exception as error:
                log.debug("call %s: the stream closed while sending: %s", self.call_id, error)
                self._remote_ended("the stream closed")
                return

    # --- ending ------------------------------------------------------------------------

    async def _close(self, hung_up_here: bool) -> None:
        receiver, sender, writer = self._tasks
        if hung_up_here and not receiver.done():
            deadline = time.monotonic() + PLAYOUT_WAIT_S
            while not self._playout.heard_everything() and time.monotonic() < deadline:
                await asyncio.sleep(FRAME_S)
        sender.cancel()
        self._outbox.put_nowait(_CLOSE)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer), PLAYOUT_WAIT_S)
        with contextlib.suppress(Exception):
            await self._socket.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _read_start(socket: MessageSocket, serializer: StreamSerializer) -> StreamStarted:
    """Skip to the start frame ("connected" and the like come first)."""
    in_a_row = 0
    while (message := await socket.receive()) is not None:
        try:
            event = serializer.decode(message)
        except StreamProtocolError as error:
            in_a_row += 1
            log.warning("dropped a %s frame before the start: %s", serializer.name, error)
            if in_a_row >= MAX_BAD_FRAMES_IN_A_ROW:
                break
            continue
        in_a_row = 0
        if isinstance(event, StreamStarted):
            return event
        if isinstance(event, StreamStopped):
            break
    raise StreamProtocolError(f"the {serializer.name} stream ended before a valid start frame")
