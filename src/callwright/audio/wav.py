"""Reading and writing WAV files as int16 numpy arrays."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from callwright.audio.resample import resample


class WavFormatError(ValueError):
    """The file is not a 16-bit PCM WAV file."""


def read_wav(path: str | Path, target_hz: int | None = None) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV; stereo is mixed down to mono.

    Returns (samples, sample_rate); resampled to `target_hz` when given.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise WavFormatError(f"{path}: only 16-bit PCM WAV is supported")
            rate = wav.getframerate()
            channels = wav.getnchannels()
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except wave.Error as error:
        raise WavFormatError(f"{path}: not a PCM WAV file ({error})") from error
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    if target_hz is not None and target_hz != rate:
        return resample(data, rate, target_hz), target_hz
    return data.astype(np.int16), rate


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write int16 audio; a 2-D array of shape (n, channels) is written interleaved."""
    samples = np.asarray(samples, dtype=np.int16)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.astype("<i2").tobytes())
