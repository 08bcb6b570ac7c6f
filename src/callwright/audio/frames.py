"""The audio frame every part of callwright speaks: 16 kHz mono int16, 20 ms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE_HZ = 16_000
FRAME_MS = 20
SAMPLES_PER_FRAME = SAMPLE_RATE_HZ * FRAME_MS // 1000  # 320
BYTES_PER_FRAME = SAMPLES_PER_FRAME * 2


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """20 ms of 16 kHz mono signed 16-bit audio.

    `samples` always holds exactly SAMPLES_PER_FRAME int16 values.
    `utterance_id` tags outbound frames with the agent utterance they belong to
    (None for comfort silence and for inbound audio), so the call can tell what
    the caller actually heard.
    """

    samples: np.ndarray
    utterance_id: int | None = None

    @classmethod
    def silence(cls) -> AudioFrame:
        return cls(_SILENCE)

    def pcm_bytes(self) -> bytes:
        return self.samples.astype("<i2", copy=False).tobytes()


_SILENCE = np.zeros(SAMPLES_PER_FRAME, dtype=np.int16)
_SILENCE.setflags(write=False)


def split_into_frames(pcm: np.ndarray, utterance_id: int | None = None) -> list[AudioFrame]:
    """Cut 16 kHz int16 audio into whole 20 ms frames, zero-padding the last one."""
    pcm = np.asarray(pcm, dtype=np.int16)
    remainder = len(pcm) % SAMPLES_PER_FRAME
    if remainder:
        pcm = np.concatenate([pcm, np.zeros(SAMPLES_PER_FRAME - remainder, dtype=np.int16)])
    return [
        AudioFrame(pcm[i : i + SAMPLES_PER_FRAME], utterance_id)
        for i in range(0, len(pcm), SAMPLES_PER_FRAME)
    ]
