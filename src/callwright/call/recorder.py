"""Stereo call recording: the caller on the left, the agent on the right.

Both directions are already continuous 20 ms streams (the jitter buffer conceals
lost packets, the sender fills gaps with comfort silence), so each side is kept
as a list of frames and aligned by the monotonic time of its first frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ, AudioFrame
from callwright.audio.wav import write_wav


class CallRecorder:
    def __init__(self) -> None:
        self._caller: list[np.ndarray] = []
        self._agent: list[np.ndarray] = []
        self._caller_start: float | None = None
        self._agent_start: float | None = None

    def add_caller(self, frame: AudioFrame, at: float) -> None:
        if self._caller_start is None:
            self._caller_start = at
        self._caller.append(frame.samples)

    def add_agent(self, frame: AudioFrame, at: float) -> None:
        if self._agent_start is None:
            self._agent_start = at
        self._agent.append(frame.samples)

    def stereo(self) -> np.ndarray:
        """The recording as an (n, 2) int16 array."""
        starts = [s for s in (self._caller_start, self._agent_start) if s is not None]
        origin = min(starts) if starts else 0.0
        left = _placed(self._caller, self._caller_start, origin)
        right = _placed(self._agent, self._agent_start, origin)
        length = max(len(left), len(right))
        out = np.zeros((length, 2), dtype=np.int16)
        out[: len(left), 0] = left
        out[: len(right), 1] = right
        return out

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, self.stereo(), SAMPLE_RATE_HZ)
        return path


def _placed(frames: list[np.ndarray], start: float | None, origin: float) -> np.ndarray:
    if not frames or start is None:
        return np.zeros(0, dtype=np.int16)
    lead = np.zeros(int(round((start - origin) * SAMPLE_RATE_HZ)), dtype=np.int16)
    return np.concatenate([lead, *frames])
