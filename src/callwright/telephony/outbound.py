"""The outbound half of a Transport, as every transport serves it: from one paced queue of
the agent's frames (an RTP session, a carrier stream's playout, a WebRTC track)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Protocol

from callwright.audio.frames import AudioFrame
from callwright.audio.keypad_tones import keypad_frames
from callwright.telephony.transport import FrameSentListener


class OutboundQueue(Protocol):
    def play(self, frame: AudioFrame) -> None: ...
    def clear(self) -> list[AudioFrame]: ...
    def queued_frames(self) -> int: ...
    def on_frame_sent(self, listener: FrameSentListener) -> None: ...


class PlaysThroughQueue:
    """Transport.play, clear, queued_frames, on_frame_sent and send_digits (as keypad tones),
    served by `outbound`."""

    outbound: OutboundQueue

    def play(self, frame: AudioFrame) -> None:
        self.outbound.play(frame)

    def clear(self) -> list[AudioFrame]:
        """Drop every queued frame at once (barge-in); return them, oldest first."""
        return self.outbound.clear()

    def queued_frames(self) -> int:
        return self.outbound.queued_frames()

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self.outbound.on_frame_sent(listener)

    async def send_digits(self, digits: str) -> None:
        """Press `digits` as keypad tones in-band, after the audio queued (see
        `press_in_band`); raises ValueError for anything that is not a key."""
        await press_in_band(self.outbound, digits)


async def press_in_band(outbound: OutboundQueue, digits: str) -> None:
    """Queue the keypad tones of `digits` (audio/keypad_tones.py) behind the audio queued
    and return once the last of them has gone out, or the queue ran empty without it (a
    `clear()` dropped it). Raises ValueError for anything that is not a key."""
    frames = keypad_frames(digits)
    waits = _KEYPAD_WAITS.get(outbound)
    if waits is None:
        waits = _KEYPAD_WAITS[outbound] = _KeypadWaits(outbound)
    sent = waits.add(frames[-1])
    for frame in frames:
        outbound.play(frame)
    await sent


class _KeypadWaits:
    """One frame-sent listener per outbound queue for every in-band press made on it (a
    queue cannot drop a listener, so one per press would pile up on a long call); it does
    nothing while no press is waiting."""

    def __init__(self, outbound: OutboundQueue) -> None:
        self._outbound = weakref.ref(outbound)  # a strong one would keep its dict entry alive
        self._waiting: list[tuple[AudioFrame, asyncio.Future[None]]] = []
        outbound.on_frame_sent(self._frame_sent)

    def add(self, last: AudioFrame) -> asyncio.Future[None]:
        sent = asyncio.get_running_loop().create_future()
        self._waiting.append((last, sent))
        return sent

    def _frame_sent(self, frame: AudioFrame, _at: float) -> None:
        if not self._waiting:
            return
        outbound = self._outbound()
        empty = outbound is None or outbound.queued_frames() == 0
        for last, sent in self._waiting:
            if not sent.done() and (frame is last or empty):
                sent.set_result(None)
        self._waiting = [(last, sent) for last, sent in self._waiting if not sent.done()]


_KEYPAD_WAITS: weakref.WeakKeyDictionary[OutboundQueue, _KeypadWaits] = (
    weakref.WeakKeyDictionary()
)
