"""Line noise learned from silence and taken out of speech; a clean line is left alone."""

import numpy as np

from callwright.audio.denoise import NoiseProfile, suppress
from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME


def _noise(seconds: float, rms: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, rms, int(seconds * SAMPLE_RATE_HZ))


def _profile(noise: np.ndarray) -> NoiseProfile:
    profile = NoiseProfile()
    for start in range(0, len(noise) - SAMPLES_PER_FRAME + 1, SAMPLES_PER_FRAME):
        profile.hear_silence(noise[start : start + SAMPLES_PER_FRAME].astype(np.int16))
    return profile


def test_steady_noise_is_taken_out_and_the_voice_kept():
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    voice = 3000 * np.sin(2 * np.pi * 440 * t)  # a steady vowel-like tone
    noise = _noise(1.0, 300, seed=1)
    heard = np.clip(voice + noise, -32768, 32767).astype(np.int16)
    cleaned = suppress(heard, _profile(_noise(1.0, 300, seed=2)).power).astype(np.float64)
    residual_before = np.sqrt(np.mean((heard - voice) ** 2))
    residual_after = np.sqrt(np.mean((cleaned - voice) ** 2))
    assert residual_after < residual_before * 0.7  # the gain floor keeps some on purpose
    assert abs(np.sqrt(np.mean(cleaned**2)) / np.sqrt(np.mean(voice**2)) - 1) < 0.1
    assert np.abs(cleaned[:50] - voice[:50]).max() < 5 * residual_after  # no edge burst


def test_no_profile_before_enough_silence_and_then_nothing_changes():
    profile = _profile(_noise(0.1, 300, seed=3))
    assert profile.power is None
    speech = _noise(0.5, 3000, seed=4).astype(np.int16)
    assert suppress(speech, profile.power) is speech


def test_a_clean_line_is_left_as_it_is():
    quiet = _profile(_noise(1.0, 3, seed=6))  # a digital line's silence: a few bits of hiss
    assert quiet.power is None
    speech = _noise(0.5, 3000, seed=5).astype(np.int16)
    assert suppress(speech, quiet.power) is speech
