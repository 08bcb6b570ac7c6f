"""Keypad (DTMF) tones played in-band: each key is two sine tones at once (ITU-T Q.23).

Used when the far end did not negotiate RFC 4733 telephone events: the key presses go out
as audio in the agent's own 20 ms frames. `check_keys` is the one place that says which
keys exist; the RFC 4733 sender uses it and the timing constants too.
"""

from __future__ import annotations

import numpy as np

from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, AudioFrame, split_into_frames

KEYPAD_ROWS = ("123A", "456B", "789C", "*0#D")
ROW_FREQUENCIES_HZ = (697, 770, 852, 941)  # the low group, one per keypad row
COLUMN_FREQUENCIES_HZ = (1209, 1336, 1477, 1633)  # the high group, one per keypad column
KEYS = "0123456789*#ABCD"
PAUSE_KEY = "w"  # not a key: wait PAUSE_MS before the next one, as a phone's dial string does
KEY_PRESS_MS = 100  # how long each key is held down
KEY_GAP_MS = 70  # at least this long between one key's release and the next press
PAUSE_MS = 500
LOW_TONE_AMPLITUDE = 7_000  # about -13 dBFS; the high group 2 dB louder (Q.24's twist)
HIGH_TONE_AMPLITUDE = 8_800
RAMP_MS = 2  # each press fades in and out this long, so it starts and stops without a click

_TONES_HZ = {
    key: (row_hz, column_hz)
    for row, row_hz in zip(KEYPAD_ROWS, ROW_FREQUENCIES_HZ, strict=True)
    for key, column_hz in zip(row, COLUMN_FREQUENCIES_HZ, strict=True)
}


def check_keys(keys: str) -> str:
    """`keys` as sent: 0-9 * # A-D (a-d are taken as A-D) and `PAUSE_KEY`; raises
    ValueError naming what is not a key."""
    if not keys:
        raise ValueError("no keys to press; give digits from 0-9, *, #, A-D (w to pause)")
    normal = "".join(key if key == PAUSE_KEY else key.upper() for key in keys)
    known = KEYS + PAUSE_KEY
    wrong = sorted({key for key, up in zip(keys, normal, strict=True) if up not in known})
    if wrong:
        raise ValueError(
            f"cannot press {', '.join(repr(key) for key in wrong)} in {keys!r}: "
            f"keys are 0-9, *, #, A-D, and {PAUSE_KEY!r} pauses {PAUSE_MS} ms"
        )
    return normal


def frames_for(ms: int) -> int:
    """Whole 20 ms frames (or packets) that last at least `ms`."""
    return -(-ms // FRAME_MS)


def keypad_frames(keys: str) -> list[AudioFrame]:
    """The 16 kHz frames of pressing `keys` one after another: each press KEY_PRESS_MS of
    its two tones and then at least KEY_GAP_MS of silence; a pause key is PAUSE_MS of
    silence. Raises ValueError for anything that is not a key (see `check_keys`)."""
    frames: list[AudioFrame] = []
    for key in check_keys(keys):
        if key == PAUSE_KEY:
            frames += [AudioFrame.silence() for _ in range(frames_for(PAUSE_MS))]
            continue
        frames += split_into_frames(_press(key))
        frames += [AudioFrame.silence() for _ in range(frames_for(KEY_GAP_MS))]
    return frames


def _press(key: str) -> np.ndarray:
    low_hz, high_hz = _TONES_HZ[key]
    samples = frames_for(KEY_PRESS_MS) * FRAME_MS * SAMPLE_RATE_HZ // 1000
    t = np.arange(samples) / SAMPLE_RATE_HZ
    tone = LOW_TONE_AMPLITUDE * np.sin(2 * np.pi * low_hz * t)
    tone += HIGH_TONE_AMPLITUDE * np.sin(2 * np.pi * high_hz * t)
    ramp = np.linspace(0.0, 1.0, RAMP_MS * SAMPLE_RATE_HZ // 1000)
    tone[: len(ramp)] *= ramp
    tone[len(tone) - len(ramp) :] *= ramp[::-1]
    return np.round(tone).astype(np.int16)
