"""The outbound half of a Transport, as every transport serves it: from one paced queue of
the agent's frames (an RTP session, a carrier stream's playout, a WebRTC track)."""

from __future__ import annotations

from typing import Protocol

from callwright.audio.frames import AudioFrame
from callwright.telephony.transport import FrameSentListener


class OutboundQueue(Protocol):
    def play(self, frame: AudioFrame) -> None: ...
    def clear(self) -> list[AudioFrame]: ...
    def queued_frames(self) -> int: ...
    def on_frame_sent(self, listener: FrameSentListener) -> None: ...


class PlaysThroughQueue:
    """Transport.play, clear, queued_frames and on_frame_sent, served by `outbound`."""

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
