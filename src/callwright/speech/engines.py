"""The small protocols behind which speech engines sit.

Engines load once per process and are shared by all calls. Blocking inference
runs off the event loop (the async methods do that themselves).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from callwright.audio.frames import AudioFrame


class VoiceActivityStream(Protocol):
    """Per-call VAD state. Cheap, synchronous, called once per 20 ms frame."""

    def speech_probability(self, frame: AudioFrame) -> float:
        """Probability (0..1) that the most recent audio is speech."""
        ...


class VoiceActivityDetector(Protocol):
    def new_stream(self) -> VoiceActivityStream: ...


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str  # "" when nothing intelligible was heard
    confidence: float  # 0..1
    audio_seconds: float


class SpeechToText(Protocol):
    async def transcribe(self, pcm: np.ndarray, context: str = "") -> Transcript:
        """Transcribe one utterance of 16 kHz mono int16 audio.

        `context` is text the caller is likely to say (the agent's names and typical
        phrases); engines that can use it bias recognition toward it.
        """
        ...


class TextToSpeech(Protocol):
    voice: str

    def synthesize_stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """Yield 16 kHz mono int16 audio clause by clause, first clause as soon as ready.

        Leading silence of each clause is trimmed.
        """
        ...

    def synthesize_clauses(self, clauses: list[str]) -> AsyncIterator[np.ndarray]:
        """Yield the audio of each of `clauses` in turn (cut by the caller), as above."""
        ...

    async def synthesize(self, text: str) -> np.ndarray:
        """Whole text as one 16 kHz mono int16 array (used to pre-synthesize prompts)."""
        ...
