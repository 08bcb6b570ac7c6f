"""Our side of a media stream: the agent's frames go out one per 20 ms slot, a mark follows
each burst of speech, and the carrier's echo of the mark says when the caller had heard it.

When nothing is queued we send nothing: the carrier plays silence once its buffer runs dry,
so no comfort noise goes on the wire, but the frame-sent listeners still get a silence frame
every slot, which is what the call's timing and its recording count on. `clear()` drops our
queue and, if the carrier may still hold audio of ours, has it drop that too (barge-in).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from callwright.audio import g711
from callwright.audio.frames import SAMPLE_RATE_HZ as FRAME_RATE_HZ
from callwright.audio.frames import AudioFrame
from callwright.audio.resample import StreamResampler
from callwright.telephony.streams.events import StreamSerializer
from callwright.telephony.transport import FrameSentListener

log = logging.getLogger("callwright.streams")


@dataclass(frozen=True, slots=True)
class PlayoutMark:
    """A burst of the agent's speech, and when the caller had heard all of it."""

    name: str
    sent_at: float  # time.monotonic() when the mark followed the burst's last frame out
    heard_at: float  # when the carrier echoed it: the burst had been played to the caller


class Playout:
    """The outbound queue of one stream; `send_slot` is called every 20 ms and `send`
    takes each encoded frame to the socket, in order."""

    def __init__(
        self, serializer: StreamSerializer, stream_id: str, codec: str, send: Callable[[str], None]
    ) -> None:
        self.marks: list[PlayoutMark] = []  # every burst the caller has heard, in order
        self._serializer = serializer
        self._stream_id = stream_id
        self._encode = g711.CODECS[codec][0]
        self._send = send
        self._queue: deque[AudioFrame] = deque()
        self._listeners: list[FrameSentListener] = []
        self._downsampler: StreamResampler | None = None  # None between bursts
        self._unmarked_speech = False  # speech went out since the last mark
        self._unheard: dict[str, float] = {}  # marks sent, not echoed yet: name -> sent_at
        self._mark_count = 0

    def play(self, frame: AudioFrame) -> None:
        self._queue.append(frame)

    def clear(self) -> list[AudioFrame]:
        """Drop our queue, and the carrier's buffer if it may hold audio of ours; the marks
        behind that audio will never mean "heard": forget them."""
        dropped = list(self._queue)
        self._queue.clear()
        if self._unmarked_speech or self._unheard:
            self._send(self._serializer.encode_clear(self._stream_id))
            self._unmarked_speech = False
            self._unheard.clear()
            self._downsampler = None
        return dropped

    def queued_frames(self) -> int:
        return len(self._queue)

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self._listeners.append(listener)

    def heard(self, name: str, at: float) -> None:
        """The carrier echoed mark `name` at `at`."""
        sent_at = self._unheard.pop(name, None)
        if sent_at is not None:  # else a mark behind cleared audio, returned at once
            self.marks.append(PlayoutMark(name, sent_at, at))

    def heard_everything(self) -> bool:
        """Whether the caller has heard all we queued."""
        return not (self._queue or self._unmarked_speech or self._unheard)

    def send_slot(self, now: float) -> None:
        """The 20 ms slot starting `now`: the next frame, or the mark after a burst."""
        frame = self._queue.popleft() if self._queue else None
        if frame is not None:
            if self._downsampler is None:  # each burst starts from clean filter state
                self._downsampler = StreamResampler(FRAME_RATE_HZ, g711.SAMPLE_RATE_HZ)
            payload = self._encode(self._downsampler.process(frame.samples))
            self._send(self._serializer.encode_audio(self._stream_id, payload))
            self._unmarked_speech = True
        elif self._unmarked_speech:
            self._send_mark(now)
        sent = frame if frame is not None else AudioFrame.silence()
        for listener in self._listeners:
            try:
                listener(sent, now)
            except Exception:
                log.exception("frame-sent listener failed")

    def _send_mark(self, now: float) -> None:
        self._mark_count += 1
        name = f"burst-{self._mark_count}"
        self._send(self._serializer.encode_mark(self._stream_id, name))
        self._unheard[name] = now
        self._unmarked_speech = False
        self._downsampler = None
