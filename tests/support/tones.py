"""Test tones: each phone speaks a tone of its own, so what each heard shows who talked to
whom."""

from __future__ import annotations

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ

TONE_AMPLITUDE = 6000
TONE_BAND_HZ = 50
WINDOW_S = 0.1
DOMINANT_SHARE = 0.6  # a window is "the tone" when this share of its energy is near it


def tone(hz: float, seconds: float, silence_s: float = 0.0) -> np.ndarray:
    """`silence_s` of silence, then `seconds` of a sine at `hz`, 16 kHz int16."""
    t = np.arange(int(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    pcm = (TONE_AMPLITUDE * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    return np.concatenate([np.zeros(int(silence_s * SAMPLE_RATE_HZ), np.int16), pcm])


def tone_share(heard: np.ndarray, hz: float) -> float:
    """The share of the energy of what a phone heard that lies within TONE_BAND_HZ of hz."""
    power = np.abs(np.fft.rfft(heard.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(heard), 1 / SAMPLE_RATE_HZ)
    return float(power[np.abs(frequencies - hz) < TONE_BAND_HZ].sum() / max(power.sum(), 1.0))


def loud_s(heard: np.ndarray) -> float:
    """Seconds of what a phone heard that were loud (a tone, not silence or hiss)."""
    return np.count_nonzero(np.abs(heard) > TONE_AMPLITUDE / 4) / SAMPLE_RATE_HZ


def tone_seconds(heard: np.ndarray, hz: float) -> float:
    """Seconds of what a phone heard that were loud and mostly the tone at `hz`."""
    size = int(WINDOW_S * SAMPLE_RATE_HZ)
    windows = [heard[i : i + size] for i in range(0, len(heard) - size + 1, size)]
    loud = [w for w in windows if np.abs(w).max() > TONE_AMPLITUDE / 4]
    return sum(WINDOW_S for w in loud if tone_share(w, hz) > DOMINANT_SHARE)
