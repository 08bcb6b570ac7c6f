"""The browser's audio as our frames: aiortc decodes the caller's Opus to 48 kHz stereo
av.AudioFrames (G.711 to 8 kHz mono); each becomes 16 kHz mono int16, cut into 20 ms
AudioFrames. Leftover samples wait for the next packet, so no audio is dropped or padded."""

from __future__ import annotations

import av
import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame
from callwright.audio.resample import StreamResampler

DECODED_FORMAT = "s16"  # packed 16-bit: what every aiortc audio decoder produces


class InboundFrames:
    """Converts one inbound track's decoded frames; keeps resampler state between them."""

    def __init__(self) -> None:
        self._resampler: StreamResampler | None = None
        self._rate_hz = 0
        self._partial = np.empty(0, dtype=np.int16)

    def convert(self, frame: av.AudioFrame) -> list[AudioFrame]:
        """The whole 20 ms frames that `frame` completes (none, one or more)."""
        if frame.format.name != DECODED_FORMAT:
            raise ValueError(f"expected {DECODED_FORMAT} audio, got {frame.format.name}")
        if frame.sample_rate != self._rate_hz:  # the first frame, or the codec changed
            self._rate_hz = frame.sample_rate
            self._resampler = StreamResampler(frame.sample_rate, SAMPLE_RATE_HZ)
        assert self._resampler is not None
        pcm = self._resampler.process(_mono(frame))
        if self._partial.size:
            pcm = np.concatenate((self._partial, pcm))
        whole = len(pcm) - len(pcm) % SAMPLES_PER_FRAME
        self._partial = pcm[whole:]
        return [
            AudioFrame(pcm[start : start + SAMPLES_PER_FRAME])
            for start in range(0, whole, SAMPLES_PER_FRAME)
        ]


def _mono(frame: av.AudioFrame) -> np.ndarray:
    """The frame's samples as int16 mono, channels averaged (packed s16 interleaves them)."""
    interleaved = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
    if interleaved.shape[1] == 1:
        return interleaved[:, 0]
    return interleaved.mean(axis=1).astype(np.int16)
