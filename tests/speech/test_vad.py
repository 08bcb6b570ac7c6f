"""Silero VAD: speech is speech, silence and line noise are not, streams keep their own state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callwright.audio.frames import FRAME_MS, SAMPLES_PER_FRAME, AudioFrame, split_into_frames
from callwright.audio.wav import read_wav
from callwright.speech.loader import load_speech_engines
from callwright.speech.vad import SileroVad
from tests.support.voices import caller_script_wav

SPEECH = 0.5


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return load_speech_engines().vad


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, list]:
    path = tmp_path_factory.mktemp("vad") / "caller.wav"
    _, spans = caller_script_wav(
        ["Hello, I am calling about my order.", "It has not arrived yet."],
        Path(path), gap_s=1.5, lead_s=1.0, tail_s=1.5,
    )
    return read_wav(path)[0], spans


def probabilities(vad: SileroVad, pcm: np.ndarray) -> np.ndarray:
    stream = vad.new_stream()
    return np.array([stream.speech_probability(frame) for frame in split_into_frames(pcm)])


def frame_at(seconds: float) -> int:
    return int(seconds * 1000 / FRAME_MS)


def test_speech_is_detected_within_the_spoken_phrases(vad, script):
    pcm, spans = script
    probs = probabilities(vad, pcm)
    for start_s, end_s in spans:
        inside = probs[frame_at(start_s) : frame_at(end_s)]
        assert (inside > SPEECH).mean() > 0.7
        onset = frame_at(start_s) + int(np.argmax(inside > SPEECH))
        assert (onset - frame_at(start_s)) * FRAME_MS <= 200  # heard within 200 ms


def test_leading_silence_and_pause_are_not_speech(vad, script):
    pcm, spans = script
    probs = probabilities(vad, pcm)
    assert (probs[: frame_at(spans[0][0])] < SPEECH).all()
    pause = probs[frame_at(spans[0][1] + 0.4) : frame_at(spans[1][0])]
    assert len(pause) > 0 and (pause < SPEECH).all()


@pytest.mark.parametrize("level", [0, 30, 100])  # digital silence, -60 dBFS, -50 dBFS noise
def test_silence_and_low_noise_are_not_speech(vad, level):
    rng = np.random.default_rng(7)
    noise = (rng.standard_normal(16_000 * 3) * level).astype(np.int16)
    assert probabilities(vad, noise).max() < 0.2


def test_streams_are_independent(vad, script):
    pcm, spans = script
    talking, quiet = vad.new_stream(), vad.new_stream()
    silence = AudioFrame.silence()
    voiced = split_into_frames(pcm[int(spans[0][0] * 16_000) : int(spans[0][1] * 16_000)])
    talking_probs = [talking.speech_probability(frame) for frame in voiced]
    quiet_probs = [quiet.speech_probability(silence) for _ in voiced]
    assert max(talking_probs) > 0.9
    assert max(quiet_probs) < 0.2


def test_probability_updates_once_a_chunk_is_complete(vad, script):
    pcm, spans = script
    stream = vad.new_stream()
    start = int(spans[0][0] * 16_000) + 16_000 // 2  # in the middle of speech
    frames = split_into_frames(pcm[start : start + 2 * SAMPLES_PER_FRAME])
    assert stream.speech_probability(frames[0]) == 0.0  # 320 of 512 samples: nothing scored yet
    assert stream.speech_probability(frames[1]) > 0.0
