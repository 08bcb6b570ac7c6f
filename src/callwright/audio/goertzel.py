"""Tone power (the Goertzel algorithm) and the answering machine's beep found with it.

Goertzel gives the power of one frequency in a block of samples: one DFT term at any
frequency, not only at the FFT's bins. For a 20 ms frame and a few dozen frequencies the
same terms come faster as one matrix product with precomputed sines and cosines (numpy:
microseconds per frame) than as the per-sample recurrence in Python, so that is how they are
computed here; the values are Goertzel's. A Hann window keeps a tone between two analysed
frequencies from falling into a null of the other.

A beep is a steady tone: one frequency holding most of each frame's energy, frame after
frame, for at least `min_tone_ms`. Speech does not pass: its energy is spread over many
harmonics and formants, and its pitch moves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, SAMPLES_PER_FRAME

COMMON_BEEP_FREQUENCIES_HZ = (440, 480, 700, 800, 850, 900, 1000, 1400)
"""Beeps of common answering machines and voicemail systems (Asterisk's is 700 Hz)."""
BEEP_FREQUENCIES_HZ: tuple[int, ...] = tuple(
    sorted(set(COMMON_BEEP_FREQUENCIES_HZ) | set(range(400, 2001, 25)))
)
"""Analysed frequencies: the common beeps and a 25 Hz grid from 400 to 2000 Hz, so an
uncommon beep is heard too (a tone 12.5 Hz off the grid keeps ~95 % of its power)."""
MIN_TONE_MS = 120
MIN_PURITY = 0.88
"""Share of a frame's energy one analysed frequency must hold to count as a tone frame
(1.0 for a pure tone exactly at that frequency). Over all 358 Asterisk English prompts, a
female voice's strongest harmonic held 0.85-0.93 of some frames but never for 120 ms at
this share; Asterisk's beep under white noise 12 dB down still holds about 0.9."""
MIN_TONE_RMS = 150.0  # int16 RMS (about -47 dBFS): quieter frames are the line, not a beep
STEADY_HZ = 30.0  # a tone may wander this far from its first frame's frequency


def _basis(frequencies_hz: tuple[int, ...], samples: int) -> tuple[np.ndarray, float]:
    """Windowed cosine/sine rows for each frequency, and the scale that makes a pure
    tone's share of the frame energy 1.0."""
    window = np.hanning(samples + 2)[1:-1]  # no zero ends: every sample counts
    n = np.arange(samples)
    phase = 2 * np.pi * np.outer(frequencies_hz, n) / SAMPLE_RATE_HZ
    rows = np.concatenate([np.cos(phase), np.sin(phase)]) * window
    # pure tone: |X|^2 = (A sum(w) / 2)^2; its windowed energy is A^2 sum(w^2) / 2
    scale = 2 * float(np.sum(window**2)) / float(np.sum(window)) ** 2
    return rows.astype(np.float32), scale


_ROWS, _PURITY_SCALE = _basis(BEEP_FREQUENCIES_HZ, SAMPLES_PER_FRAME)
_WINDOW = np.hanning(SAMPLES_PER_FRAME + 2)[1:-1].astype(np.float32)


def tone_powers(samples: np.ndarray) -> np.ndarray:
    """The Goertzel power of each of BEEP_FREQUENCIES_HZ in one 20 ms frame (Hann window)."""
    terms = _ROWS @ samples.astype(np.float32)
    count = len(BEEP_FREQUENCIES_HZ)
    return terms[:count] ** 2 + terms[count:] ** 2


def strongest_tone(samples: np.ndarray) -> tuple[float, float]:
    """(frequency in Hz, purity) of the analysed frequency holding most of the frame's
    energy; purity 1.0 is a pure tone at that frequency, 0.0 a silent frame."""
    windowed = samples.astype(np.float32) * _WINDOW
    energy = float(np.dot(windowed, windowed))
    if energy == 0.0:
        return 0.0, 0.0
    powers = tone_powers(samples)
    best = int(np.argmax(powers))
    return float(BEEP_FREQUENCIES_HZ[best]), float(powers[best]) * _PURITY_SCALE / energy


@dataclass(frozen=True, slots=True)
class Beep:
    """A steady tone heard on the line, times in seconds on the caller's clock."""

    hz: float
    started_at: float
    ended_at: float | None = None  # None while it still sounds

    @property
    def duration_s(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class BeepDetector:
    """Fed one 20 ms frame at a time; reports a beep once it has lasted `min_tone_ms`, and
    again when it ends."""

    def __init__(
        self, min_tone_ms: float = MIN_TONE_MS, min_purity: float = MIN_PURITY
    ) -> None:
        self._min_tone_s = min_tone_ms / 1000
        self._min_purity = min_purity
        self._tone: Beep | None = None  # the tone sounding now, heard as a beep or not yet
        self._reported = False

    @property
    def sounding(self) -> bool:
        """Whether a tone sounds on the latest frame (a beep or the start of one)."""
        return self._tone is not None

    def hear(self, samples: np.ndarray, at: float) -> Beep | None:
        """One frame that ended at `at` (seconds); the beep when it reached `min_tone_ms`
        on this frame (`ended_at` None) or ended on it, else None."""
        hz, purity = strongest_tone(samples)
        rms = float(np.sqrt(np.mean(samples.astype(np.float32) ** 2)))
        tonal = purity >= self._min_purity and rms >= MIN_TONE_RMS
        started = at - FRAME_MS / 1000
        tone = self._tone
        if tonal and tone is not None and abs(hz - tone.hz) <= STEADY_HZ:
            if not self._reported and at - tone.started_at >= self._min_tone_s - 1e-9:
                self._reported = True
                return tone
            return None
        ended = tone if self._reported else None
        self._tone = Beep(hz, started) if tonal else None
        self._reported = False
        return None if ended is None else replace(ended, ended_at=started)
