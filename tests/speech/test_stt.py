"""Whisper STT on telephone audio: the words a caller says, and nothing for silence."""

from __future__ import annotations

import asyncio
import re

import numpy as np
import pytest

from callwright.audio import g711
from callwright.audio.resample import resample
from callwright.audio.wav import read_wav
from callwright.speech.engines import Transcript
from callwright.speech.loader import load_speech_engines
from callwright.speech.stt.whisper import WhisperStt, _cut_loop
from tests.support.voices import speak


@pytest.fixture(scope="module")
def stt() -> WhisperStt:
    return load_speech_engines().stt


def over_the_phone(pcm: np.ndarray) -> np.ndarray:
    narrow = resample(pcm, 16_000, g711.SAMPLE_RATE_HZ)
    return resample(g711.ulaw_decode(g711.ulaw_encode(narrow)), g711.SAMPLE_RATE_HZ, 16_000)


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


@pytest.mark.parametrize(
    ("phrase", "voice", "key_words"),
    [
        ("I am calling about my order.", "en-us", {"calling", "order"}),
        ("I want to pay my bill.", "en-gb", {"pay", "bill"}),
    ],
)
async def test_caller_phrase_over_g711_has_its_key_words(stt, tmp_path, phrase, voice, key_words):
    pcm = over_the_phone(read_wav(speak(phrase, tmp_path / "caller.wav", voice=voice))[0])
    transcript = await stt.transcribe(pcm)
    assert key_words <= words(transcript.text), transcript.text
    assert 0.3 < transcript.confidence <= 1.0
    assert transcript.audio_seconds == pytest.approx(len(pcm) / 16_000)


@pytest.mark.parametrize(
    "pcm",
    [
        np.zeros(16_000, dtype=np.int16),
        (np.random.default_rng(3).standard_normal(32_000) * 20).astype(np.int16),  # -64 dBFS hiss
        (np.random.default_rng(4).standard_normal(32_000) * 500).astype(np.int16),  # -36 dBFS noise
        np.full(800, 8_000, dtype=np.int16),  # 50 ms click: too short to be words
        np.zeros(0, dtype=np.int16),
    ],
    ids=["silence", "hiss", "line-noise", "click", "empty"],
)
async def test_no_speech_gives_empty_transcript(stt, pcm):
    assert await stt.transcribe(pcm) == Transcript("", 0.0, len(pcm) / 16_000)


async def test_concurrent_calls_queue_and_all_complete(stt, tmp_path):
    pcm = over_the_phone(read_wav(speak("I am calling about my order.", tmp_path / "a.wav"))[0])
    results = await asyncio.gather(*(stt.transcribe(pcm) for _ in range(3)))
    assert len({result.text for result in results}) == 1  # same audio, same greedy decode
    assert "order" in words(results[0].text)


async def test_utterances_of_several_calls_decoded_together_read_as_each_alone(stt, tmp_path):
    phrases = ["I want to pay my bill.", "Can I talk to a real person?", "four eight two one",
               "What time do you close on Saturday?", ""]
    pcms = [over_the_phone(read_wav(speak(p, tmp_path / f"{i}.wav"))[0]) if p
            else np.zeros(16_000, np.int16) for i, p in enumerate(phrases)]  # fmt: skip
    alone = [stt.transcribe_blocking(pcm, "Harbor Bank.") for pcm in pcms]
    together = await asyncio.gather(*(stt.transcribe(pcm, "Harbor Bank.") for pcm in pcms))
    assert [t.text for t in together] == [t.text for t in alone]
    assert together[-1].text == "" and "pay" in words(together[0].text)


@pytest.mark.parametrize(
    ("decoded", "kept"),
    [
        ("My name is Sarah. My name is Sarah. My name is", "My name is Sarah."),
        ("you're a breath, you're a breath, you're", "you're a breath"),
        ("bye bye bye bye bye", "bye"),
        ("no, no, no", "no, no, no"),
        ("thank you, thank you", "thank you, thank you"),
        ("I need to book, I need to book a table", "I need to book, I need to book a table"),
        ("The MIT, I-F-F-F-F-F-F-F-F-F-F-F-F", "The MIT, I-F"),
        ("L-L-O-Y-D", "L-L-O-Y-D"),
    ],
)
def test_decoding_loops_are_cut_and_real_repeats_kept(decoded, kept):
    assert _cut_loop(decoded) == kept
