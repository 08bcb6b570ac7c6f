"""Our side of a browser call: the agent's frames go out one per 20 ms, on an absolute
schedule like RTP (telephony/rtp/session.py), as the audio track aiortc sends.

aiortc's sender calls `recv()` in a loop; each call waits for the next 20 ms slot and
returns the next queued frame, or silence when the queue is empty, so the Opus stream never
stalls. Every frame, speech or silence, goes to the frame-sent listeners with the time it
left. `clear()` drops the queue at once (barge-in): the browser's own jitter buffer holds
only a few tens of milliseconds more.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections import deque

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame
from callwright.telephony.transport import FrameSentListener

log = logging.getLogger("callwright.webrtc")

FRAME_S = FRAME_MS / 1000
MAX_SEND_LAG_S = 0.1  # a longer stall of the sender skips its missed slots
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE_HZ)


class AgentTrack(MediaStreamTrack):
    """The agent's voice as an aiortc audio track, fed with `play(frame)`."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue: deque[AudioFrame] = deque()
        self._listeners: list[FrameSentListener] = []
        self._slot_at: float | None = None  # when the next frame is due (time.monotonic())
        self._pts = 0  # the next frame's timestamp, in samples since the first

    def play(self, frame: AudioFrame) -> None:
        self._queue.append(frame)

    def clear(self) -> list[AudioFrame]:
        dropped = list(self._queue)
        self._queue.clear()
        return dropped

    def queued_frames(self) -> int:
        return len(self._queue)

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self._listeners.append(listener)

    async def recv(self) -> av.AudioFrame:
        """The next frame, at its 20 ms slot. A short stall of ours is caught up slot by
        slot; a longer one skips the slots it missed (their silence is never sent)."""
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._slot_at is None or now - self._slot_at > MAX_SEND_LAG_S:
            if self._slot_at is not None:
                self._pts += round((now - self._slot_at) / FRAME_S) * SAMPLES_PER_FRAME
            self._slot_at = now
        elif self._slot_at > now:
            await asyncio.sleep(self._slot_at - now)
        if self.readyState != "live":  # stopped while we waited
            raise MediaStreamError
        frame = self._queue.popleft() if self._queue else AudioFrame.silence()
        sent_at = time.monotonic()
        for listener in self._listeners:
            try:
                listener(frame, sent_at)
            except Exception:
                log.exception("frame-sent listener failed")
        self._slot_at += FRAME_S
        out = _av_frame(frame, self._pts)
        self._pts += SAMPLES_PER_FRAME
        return out


def _av_frame(frame: AudioFrame, pts: int) -> av.AudioFrame:
    out = av.AudioFrame.from_ndarray(frame.samples.reshape(1, -1), format="s16", layout="mono")
    out.sample_rate = SAMPLE_RATE_HZ
    out.time_base = TIME_BASE
    out.pts = pts
    return out
