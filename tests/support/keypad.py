"""Reading keypad (DTMF) tones back out of audio, for tests: each loud run's two strongest
frequencies, by FFT, looked up in the ITU-T Q.23 table."""

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME

Q23_HZ = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}  # fmt: skip
TOLERANCE_HZ = 20
LOUD = 1000  # a frame peaking above this is part of a press


def strongest_two_hz(samples: np.ndarray) -> tuple[float, float]:
    """The two strongest frequencies of 16 kHz `samples`, low first (1 Hz FFT grid)."""
    window = samples.astype(np.float64) * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(window, n=SAMPLE_RATE_HZ))
    peaks = []
    for _ in range(2):
        peak = int(np.argmax(spectrum))
        peaks.append(float(peak))
        spectrum[max(0, peak - 60) : peak + 60] = 0  # the same tone's skirt is not a second one
    low, high = sorted(peaks)
    return low, high


def key_of(low_hz: float, high_hz: float) -> str | None:
    for key, (row, column) in Q23_HZ.items():
        if abs(low_hz - row) < TOLERANCE_HZ and abs(high_hz - column) < TOLERANCE_HZ:
            return key
    return None


def decode_keys(pcm: np.ndarray) -> str:
    """The keys pressed in 16 kHz `pcm`: one per run of loud 20 ms frames ("?" for a run that
    is no key)."""
    frames = len(pcm) // SAMPLES_PER_FRAME
    peaks = np.abs(pcm[: frames * SAMPLES_PER_FRAME].astype(np.int32)).reshape(frames, -1)
    loud = (peaks.max(axis=1) > LOUD).astype(int)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud, [0]))))
    keys = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        run = pcm[start * SAMPLES_PER_FRAME : end * SAMPLES_PER_FRAME]
        keys.append(key_of(*strongest_two_hz(run)) or "?")
    return "".join(keys)
