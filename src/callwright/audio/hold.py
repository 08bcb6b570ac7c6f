"""Hold audio: a soft, repeating two-note chime the caller hears while a person is called.

Pure function, generated once; quiet enough (about -24 dBFS) not to startle, with a long
pause between chimes so the line never sounds dead nor busy.
"""

from __future__ import annotations

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ

CHIME_NOTES_HZ = (659.25, 523.25)  # E5 then C5
NOTE_S = 0.45
PAUSE_S = 2.1  # silence after each chime
PEAK_AMPLITUDE = 2000  # of 32767
FADE_S = 0.02


def hold_chime() -> np.ndarray:
    """One period of hold audio (chime then pause), 16 kHz int16, to be looped."""
    t = np.arange(int(NOTE_S * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    decay = np.exp(-t * 5.0)
    fade = np.minimum(1.0, np.minimum(t, NOTE_S - t) / FADE_S)
    notes = [np.sin(2 * np.pi * hz * t) * decay * fade for hz in CHIME_NOTES_HZ]
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE_HZ))
    wave = np.concatenate([*notes, pause]) * PEAK_AMPLITUDE
    return wave.astype(np.int16)
