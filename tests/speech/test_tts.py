"""Piper TTS: 16 kHz clauses that start at once, stream ahead of playback, and cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

from callwright.speech.loader import SpeechEngines, load_speech_engines
from callwright.speech.tts.clauses import split_clauses
from callwright.speech.tts.piper import SENTENCE_PAUSE_MS, SILENCE_THRESHOLD, PiperTts
from callwright.speech.tts.prompt_cache import PromptCache

SAMPLES_PER_MS = 16


@pytest.fixture(scope="module")
def engines() -> SpeechEngines:
    return load_speech_engines()


@pytest.fixture(scope="module")
def tts(engines) -> PiperTts:
    return engines.tts


def leading_silence_ms(pcm: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= SILENCE_THRESHOLD)
    return loud[0] / SAMPLES_PER_MS


def trailing_silence_ms(pcm: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= SILENCE_THRESHOLD)
    return (len(pcm) - 1 - loud[-1]) / SAMPLES_PER_MS


async def test_clause_audio_is_16khz_plausible_and_starts_at_once(tts):
    reply = "Thanks for calling. Your appointment is on Tuesday at half past nine."
    clauses = [audio async for audio in tts.synthesize_stream(reply)]
    assert len(clauses) == len(split_clauses(reply)) == 2
    for audio, text in zip(clauses, split_clauses(reply), strict=True):
        assert audio.dtype == np.int16 and audio.ndim == 1
        seconds = len(audio) / 16_000  # at 16 kHz, not Piper's native 22.05 kHz
        assert 0.2 * len(text.split()) < seconds < 0.7 * len(text.split())
        assert leading_silence_ms(audio) <= 20
        assert trailing_silence_ms(audio) <= SENTENCE_PAUSE_MS + 5
        assert np.abs(audio).max() > 10_000  # audible, not a whisper


async def test_synthesized_speech_is_understood_by_our_stt(engines):
    audio = await engines.tts.synthesize("Your appointment is confirmed for Tuesday morning.")
    transcript = await engines.stt.transcribe(audio)
    heard = set(re.findall(r"[a-z]+", transcript.text.lower()))
    assert {"appointment", "confirmed", "tuesday"} <= heard, transcript.text


async def test_stream_yields_first_clause_before_synthesizing_past_the_next(tts, monkeypatch):
    synthesized: list[str] = []
    original = PiperTts.synthesize_clause

    def recording(self, clause):
        synthesized.append(clause)
        return original(self, clause)

    monkeypatch.setattr(PiperTts, "synthesize_clause", recording)
    reply = "The first clause is here. The second clause is next. The third clause comes last."
    stream = tts.synthesize_stream(reply)
    first = await anext(stream)
    assert len(first) > 0
    assert len(synthesized) <= 2  # the first, and at most one clause of look-ahead
    await stream.aclose()  # barge-in: the caller interrupted
    assert "The third clause comes last." not in synthesized


async def test_empty_text_yields_nothing(tts):
    assert [audio async for audio in tts.synthesize_stream("  ")] == []
    assert len(await tts.synthesize("")) == 0


class CountingTts:
    voice = "fake"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def synthesize(self, text: str) -> np.ndarray:
        self.calls.append(text)
        return np.full(1_600, len(self.calls), dtype=np.int16)


async def test_prompt_cache_hits_regardless_of_whitespace():
    fake = CountingTts()
    cache = PromptCache(fake)
    await cache.warm(["Thanks for calling  Riverside Dental.", "Please hold."])
    await cache.warm(["Please hold. "])  # already cached: not synthesized again
    assert fake.calls == ["Thanks for calling Riverside Dental.", "Please hold."]
    hit = cache.get("Thanks for calling\nRiverside Dental.")
    assert hit is not None and hit[0] == 1
    assert cache.get("Please hold.")[0] == 2
    assert cache.get("Goodbye.") is None


async def test_prompt_cache_with_piper(tts):
    cache = PromptCache(tts)
    await cache.warm(["Please hold while I check."])
    audio = cache.get("Please hold while I check.")
    assert audio is not None and len(audio) > 16_000 * 0.5
    assert not audio.flags.writeable  # shared between calls


def test_engines_load_once_per_process(engines):
    again = load_speech_engines()
    assert again.vad is engines.vad and again.stt is engines.stt and again.tts is engines.tts


@pytest.mark.parametrize(
    "names", [{"vad": "webrtc"}, {"stt": "whisper-large"}, {"tts": "piper-amy"}]
)
def test_unknown_engine_name_lists_the_known_ones(names):
    known = "silero|whisper-base, whisper-tiny.en|piper-joe"
    with pytest.raises(ValueError, match=f"choose one of: ({known})"):
        load_speech_engines(**names)
