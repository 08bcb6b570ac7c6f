"""The browser's decoded audio (aiortc's av.AudioFrames) as our 16 kHz mono 20 ms frames."""

from __future__ import annotations

import av
import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME
from callwright.telephony.webrtc.inbound import InboundFrames

OPUS_HZ = 48_000
OPUS_SAMPLES = 960  # 20 ms at 48 kHz, what aiortc's Opus decoder yields
TONE_HZ = 1_000


def tone(rate_hz: int, start: int, count: int, amplitude: float = 8000) -> np.ndarray:
    t = (start + np.arange(count)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)


def decoded(left: np.ndarray, right: np.ndarray | None = None, rate_hz: int = OPUS_HZ):
    """An av.AudioFrame as aiortc's decoders make it: packed s16, stereo or mono."""
    if right is None:
        frame = av.AudioFrame.from_ndarray(left.reshape(1, -1), format="s16", layout="mono")
    else:
        interleaved = np.column_stack((left, right)).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout="stereo")
    frame.sample_rate = rate_hz
    return frame


def dominant_hz(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.fft.rfftfreq(len(pcm), 1 / SAMPLE_RATE_HZ)[spectrum.argmax()])


def test_48k_stereo_becomes_16k_mono_20ms_frames():
    inbound = InboundFrames()
    frames = []
    for n in range(50):  # one second
        samples = tone(OPUS_HZ, n * OPUS_SAMPLES, OPUS_SAMPLES)
        frames += inbound.convert(decoded(samples, samples))
    assert all(len(frame.samples) == SAMPLES_PER_FRAME for frame in frames)
    assert all(frame.samples.dtype == np.int16 for frame in frames)
    assert 48 <= len(frames) <= 50  # the resampler holds back at most a little
    pcm = np.concatenate([frame.samples for frame in frames])
    assert dominant_hz(pcm[SAMPLE_RATE_HZ // 10 :]) == pytest.approx(TONE_HZ, abs=5)
    steady = pcm[SAMPLE_RATE_HZ // 10 :]
    assert np.abs(steady).max() == pytest.approx(8000, rel=0.05)


def test_the_channels_are_averaged():
    inbound = InboundFrames()
    frames = []
    for n in range(25):
        frames += inbound.convert(
            decoded(tone(OPUS_HZ, n * OPUS_SAMPLES, OPUS_SAMPLES), np.zeros(OPUS_SAMPLES, np.int16))
        )
    steady = np.concatenate([frame.samples for frame in frames])[SAMPLE_RATE_HZ // 10 :]
    assert np.abs(steady).max() == pytest.approx(4000, rel=0.05)


def test_8k_mono_g711_is_upsampled():
    inbound = InboundFrames()
    frames = []
    for n in range(10):
        frames += inbound.convert(decoded(tone(8_000, n * 160, 160), rate_hz=8_000))
    assert len(frames) == 10  # the 2x FIR holds nothing back
    pcm = np.concatenate([frame.samples for frame in frames])
    assert dominant_hz(pcm) == pytest.approx(TONE_HZ, abs=10)


def test_leftover_samples_wait_for_the_next_packet():
    inbound = InboundFrames()
    half = tone(8_000, 0, 80)  # 10 ms
    assert inbound.convert(decoded(half, rate_hz=8_000)) == []
    assert len(inbound.convert(decoded(half, rate_hz=8_000))) == 1


def test_other_sample_formats_are_refused():
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.float32), format="flt", layout="mono")
    frame.sample_rate = OPUS_HZ
    with pytest.raises(ValueError, match="s16"):
        InboundFrames().convert(frame)
