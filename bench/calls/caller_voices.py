"""The simulated caller's voice on a voice call (bench/calls/voice_run.py).

The voice is synthetic speech that is not the agent's: the agent speaks Piper "joe", callers
speak espeak-ng voices and variants or flite voices, at a speaking rate, through a telephone
band (300-3400 Hz) with white or pink line noise at a signal-to-noise ratio. Each scenario
gets its voice, rate and noise from a hash of its id, so reruns meet the same caller. All
audio here is 16 kHz mono int16, in 20 ms frames on the line.
The phone that carries it is bench/calls/sip_phone.py.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME
from callwright.audio.wav import read_wav

ESPEAK_VOICES = ("en-us", "en-us+f3", "en-us+m3", "en-gb")
FLITE_VOICES = ("kal", "slt", "rms", "awb")
RATES_WPM = (145, 160, 175)  # espeak-ng's -s; flite's rate is stretched to match
FLITE_NATURAL_WPM = 160  # flite's own pace at duration_stretch 1
NOISE_SNRS_DB = (None, 20.0, 15.0, 10.0)  # None: a clean line
NOISE_COLOURS = ("white", "pink")
BAND_LOW_HZ, BAND_HIGH_HZ = 300.0, 3400.0
SPEECH_RMS = 3000.0  # int16 RMS of the voiced speech (about -21 dBFS)
VOICED_PEAK = 300  # int16 magnitude that counts as voice, synthesized or heard (-40 dBFS)
NOISE_LOOP_S = 7.3  # length of the line noise, played round and round
SYNTH_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class CallerVoice:
    """Who the caller sounds like and what the line adds."""

    engine: str  # "espeak-ng" or "flite"
    name: str
    rate_wpm: int
    noise: str  # "white" or "pink"; unused when snr_db is None
    snr_db: float | None
    seed: int

    def describe(self) -> str:
        line = "clean line" if self.snr_db is None else f"{self.noise} noise {self.snr_db:g} dB"
        return f"{self.engine} {self.name} {self.rate_wpm} wpm, {line}"


def voice_for(scenario_id: str) -> CallerVoice:
    """The voice, rate and line noise of scenario `scenario_id`: always the same for an id."""
    digest = hashlib.sha256(scenario_id.encode()).digest()
    voices = [("espeak-ng", v) for v in ESPEAK_VOICES] + [("flite", v) for v in FLITE_VOICES]
    engine, name = voices[digest[0] % len(voices)]
    return CallerVoice(
        engine=engine,
        name=name,
        rate_wpm=RATES_WPM[digest[1] % len(RATES_WPM)],
        noise=NOISE_COLOURS[digest[2] % len(NOISE_COLOURS)],
        snr_db=NOISE_SNRS_DB[digest[3] % len(NOISE_SNRS_DB)],
        seed=int.from_bytes(digest[4:8], "little"),
    )


def speak(text: str, voice: CallerVoice, telephone: bool = True) -> np.ndarray:
    """`text` in `voice`: trimmed to its voiced part, telephone band (unless not
    `telephone`), at SPEECH_RMS."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        if voice.engine == "flite":
            stretch = FLITE_NATURAL_WPM / voice.rate_wpm
            command = ["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch:.2f}",
                       "-t", text, "-o", str(path)]  # fmt: skip
        else:
            command = ["espeak-ng", "-v", voice.name, "-s", str(voice.rate_wpm),
                       "-w", str(path), "--", text]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=SYNTH_TIMEOUT_S)
        pcm, _ = read_wav(path, target_hz=SAMPLE_RATE_HZ)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= VOICED_PEAK)
    if len(loud) == 0:
        return np.zeros(0, np.int16)
    speech = pcm[loud[0] : loud[-1] + 1].astype(np.float64)
    if telephone:
        speech = telephone_band(speech)
    rms = float(np.sqrt(np.mean(speech**2))) or 1.0
    return _to_int16(speech * (SPEECH_RMS / rms))


def telephone_band(signal: np.ndarray) -> np.ndarray:
    """`signal` (16 kHz) with everything outside 300-3400 Hz removed, as a phone line does."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(len(signal), 1 / SAMPLE_RATE_HZ)
    spectrum[(freqs < BAND_LOW_HZ) | (freqs > BAND_HIGH_HZ)] = 0
    return np.fft.irfft(spectrum, len(signal))


class LineNoise:
    """Continuous line noise of a voice: white or pink, telephone band, at the voice's SNR
    against SPEECH_RMS; silence on a clean line."""

    def __init__(self, voice: CallerVoice) -> None:
        self._loop = np.zeros(0, np.float32)
        self._at = 0
        if voice.snr_db is None:
            return
        rng = np.random.default_rng(voice.seed)
        samples = int(NOISE_LOOP_S * SAMPLE_RATE_HZ)
        spectrum = np.fft.rfft(rng.standard_normal(samples))
        if voice.noise == "pink":  # power falling 3 dB per octave: amplitude 1/sqrt(f)
            freqs = np.fft.rfftfreq(samples, 1 / SAMPLE_RATE_HZ)
            spectrum /= np.sqrt(np.maximum(freqs, 1.0))
        noise = telephone_band(np.fft.irfft(spectrum, samples))
        target_rms = SPEECH_RMS / 10 ** (voice.snr_db / 20)
        self._loop = (noise * (target_rms / np.sqrt(np.mean(noise**2)))).astype(np.float32)

    def next(self, count: int) -> np.ndarray | None:
        """The next `count` samples of noise (float), or None on a clean line."""
        if not len(self._loop):
            return None
        index = (self._at + np.arange(count)) % len(self._loop)
        self._at = int(index[-1] + 1) % len(self._loop)
        return self._loop[index]


def mix(speech: np.ndarray, noise: np.ndarray | None) -> np.ndarray:
    """A frame of speech (int16) with the line noise (float) added, clipped to int16."""
    if noise is None:
        return speech
    return _to_int16(speech.astype(np.float32) + noise)


def _to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


class CallAudio:
    """The caller's end of one call's audio, shared by pjsua2's media thread (which takes
    `next_frame` to send and gives `receive` what arrived, 20 ms at a time) and the caller's
    loop (which queues speech with `play` and reads `frames`/`voiced`)."""

    def __init__(self, voice: CallerVoice) -> None:
        self._noise = LineNoise(voice)
        self._lock = threading.Lock()
        self._queue: deque[np.ndarray] = deque()
        self.frames: list[np.ndarray] = []  # what the caller heard, 20 ms each, in order
        self.voiced: list[bool] = []  # per frame: did it hold the agent's voice

    def play(self, pcm: np.ndarray) -> None:
        """Queue `pcm` to be sent after whatever is still playing."""
        with self._lock:
            for start in range(0, len(pcm), SAMPLES_PER_FRAME):
                frame = pcm[start : start + SAMPLES_PER_FRAME]
                self._queue.append(np.pad(frame, (0, SAMPLES_PER_FRAME - len(frame))))

    def playing(self) -> bool:
        return bool(self._queue)

    def next_frame(self) -> bytes:
        """The next 20 ms to send: queued speech or silence, with the line noise."""
        with self._lock:
            speech = self._queue.popleft() if self._queue else _SILENT_FRAME
        return mix(speech, self._noise.next(SAMPLES_PER_FRAME)).tobytes()

    def receive(self, data: bytes) -> None:
        """Keep 20 ms heard from the line (b"" when nothing came: silence)."""
        frame = np.frombuffer(data, np.int16) if data else _SILENT_FRAME
        self.frames.append(frame)
        peak = int(np.abs(frame.astype(np.int32)).max()) if len(frame) else 0
        self.voiced.append(peak >= VOICED_PEAK)

    def heard(self, first: int, end: int) -> np.ndarray:
        """Frames [first, end) as one array."""
        return np.concatenate(self.frames[first:end] or [np.zeros(0, np.int16)])


_SILENT_FRAME = np.zeros(SAMPLES_PER_FRAME, np.int16)
