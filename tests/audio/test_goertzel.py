"""Goertzel tone power and the beep detector: synthetic tones, Asterisk's recorded beep, and
speech (recorded prompts and synthetic voices) that must not pass for a beep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ, split_into_frames
from callwright.audio.g711 import ulaw_decode, ulaw_encode
from callwright.audio.goertzel import (
    BEEP_FREQUENCIES_HZ,
    COMMON_BEEP_FREQUENCIES_HZ,
    Beep,
    BeepDetector,
    strongest_tone,
    tone_powers,
)
from callwright.audio.resample import resample
from callwright.audio.wav import read_wav
from tests.support.tones import tone
from tests.support.voices import speak

SOUNDS = Path("/usr/share/asterisk/sounds/en")
needs_sounds = pytest.mark.skipif(
    not SOUNDS.is_dir(), reason="apt-get install asterisk-core-sounds-en-wav"
)


def beeps(pcm: np.ndarray) -> list[Beep]:
    detector = BeepDetector()
    heard = []
    for index, frame in enumerate(split_into_frames(pcm), start=1):
        beep = detector.hear(frame.samples, index * 0.02)
        if beep is not None:
            heard.append(beep)
    return heard


def test_tone_power_peaks_at_the_tone_and_purity_is_one_for_a_pure_tone():
    frame = tone(1000, 0.02)
    powers = tone_powers(frame)
    assert BEEP_FREQUENCIES_HZ[int(np.argmax(powers))] == 1000
    hz, purity = strongest_tone(frame)
    assert hz == 1000 and purity == pytest.approx(1.0, abs=0.05)
    assert strongest_tone(np.zeros(320, np.int16)) == (0.0, 0.0)


@pytest.mark.parametrize("hz", [*COMMON_BEEP_FREQUENCIES_HZ, 1110, 1760])
def test_a_steady_tone_is_a_beep_from_120_ms_and_ends_with_it(hz):
    pcm = np.concatenate([tone(hz, 0.4, silence_s=0.5), np.zeros(8000, np.int16)])
    started, ended = beeps(pcm)
    assert abs(started.hz - hz) <= 15
    assert started.started_at == pytest.approx(0.5, abs=0.021)
    assert started.ended_at is None
    assert ended.ended_at == pytest.approx(0.9, abs=0.021)
    assert ended.duration_s == pytest.approx(0.4, abs=0.041)


def test_a_tone_shorter_than_120_ms_is_no_beep():
    assert beeps(tone(1000, 0.08, silence_s=0.2)) == []


def test_a_beep_through_a_mu_law_phone_line_with_noise_is_heard():
    line = resample(tone(850, 0.3, silence_s=0.2), SAMPLE_RATE_HZ, 8000)
    noise = np.random.default_rng(3).normal(0, 300, len(line))
    line = np.clip(line + noise, -32768, 32767).astype(np.int16)
    heard = resample(ulaw_decode(ulaw_encode(line)), 8000, SAMPLE_RATE_HZ)
    assert [beep.hz for beep in beeps(heard)][:1] == [850]


@needs_sounds
def test_asterisks_recorded_beep_is_heard():
    pcm, _ = read_wav(SOUNDS / "beep.wav", target_hz=SAMPLE_RATE_HZ)
    started, ended = beeps(np.concatenate([np.zeros(1600, np.int16), pcm]))
    assert started.hz == 700 and ended.duration_s == pytest.approx(0.42, abs=0.05)


@needs_sounds
@pytest.mark.parametrize("prompt", ["vm-intro", "vm-theperson", "vm-isunavail",
                                    "vm-nobodyavail", "vm-rec-unv", "ss-noservice",
                                    "vm-marked-urgent", "vm-newuser", "conf-adminmenu"])
def test_recorded_speech_is_no_beep(prompt):
    pcm, _ = read_wav(SOUNDS / f"{prompt}.wav", target_hz=SAMPLE_RATE_HZ)
    assert beeps(pcm) == []


@pytest.mark.parametrize("voice", ["en-us", "en-us+f3", "en-gb"])
def test_synthetic_speech_is_no_beep(tmp_path, voice):
    path = speak("Hello? Hi, this is Dana. Yeah, who is calling please?", tmp_path / "s.wav",
                 voice)
    assert beeps(read_wav(path)[0]) == []
