"""The simulated caller's voice: the telephone band takes away what a phone line does."""

import numpy as np

from bench.calls.caller_voices import BAND_HIGH_HZ, CallerVoice, speak
from callwright.audio.frames import SAMPLE_RATE_HZ

VOICE = CallerVoice("espeak-ng", "en-us", 160, "white", None, seed=1)


def _share_above_band(pcm: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(pcm.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / SAMPLE_RATE_HZ)
    return float(power[freqs > BAND_HIGH_HZ + 100].sum() / power.sum())


def test_a_phone_line_carries_nothing_above_its_band_and_a_wideband_one_does() -> None:
    phoned = speak("seven seven zero three", VOICE)
    wide = speak("seven seven zero three", VOICE, telephone=False)
    assert _share_above_band(phoned) < 0.001
    assert _share_above_band(wide) > 0.01  # the "s" of "seven" lives up there
