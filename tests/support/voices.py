"""Synthetic callers: espeak-ng speech, a different voice from the agent's Piper voice.

Tests and benchmarks use these WAVs as "the caller", so speech engines are checked
against a voice they were not tuned on.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from callwright.speech.stt.whisper import WhisperStt

VOICED_THRESHOLD = 300  # int16 magnitude (about -40 dBFS) that counts as voice
ESPEAK_TIMEOUT_SECONDS = 30


def speak(text: str, path: Path, voice: str = "en-us", rate_wpm: int = 160) -> Path:
    """Write `text` spoken by espeak-ng as a 16 kHz mono 16-bit WAV at `path`."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        try:
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(raw), "--", text],
                check=True,
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_SECONDS,
            )
        except FileNotFoundError as error:
            raise RuntimeError("espeak-ng is missing: apt-get install espeak-ng") from error
        pcm, _ = read_wav(raw, target_hz=SAMPLE_RATE_HZ)
    write_wav(path, pcm, SAMPLE_RATE_HZ)
    return path


def voiced_span(pcm: np.ndarray) -> tuple[int, int]:
    """(first, last + 1) sample index whose magnitude reaches VOICED_THRESHOLD; (0, 0) if none."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= VOICED_THRESHOLD)
    if len(loud) == 0:
        return 0, 0
    return int(loud[0]), int(loud[-1]) + 1


def caller_script_wav(
    phrases: list[str],
    path: Path,
    gap_s: float,
    lead_s: float,
    tail_s: float,
    voice: str = "en-us",
    rate_wpm: int = 160,
) -> tuple[Path, list[tuple[float, float]]]:
    """Speak `phrases` one after another with silences between them into one 16 kHz WAV.

    Each phrase is trimmed to its voiced part, so `lead_s`, `gap_s` and `tail_s` are the
    true silences. Returns (path, [(start_s, end_s) of each phrase's voiced part]).
    """
    path = Path(path)
    silence = {
        name: np.zeros(round(seconds * SAMPLE_RATE_HZ), dtype=np.int16)
        for name, seconds in (("lead", lead_s), ("gap", gap_s), ("tail", tail_s))
    }
    parts = [silence["lead"]]
    spans: list[tuple[float, float]] = []
    offset = len(silence["lead"])
    with tempfile.TemporaryDirectory() as tmp:
        for index, phrase in enumerate(phrases):
            pcm, _ = read_wav(speak(phrase, Path(tmp) / f"{index}.wav", voice, rate_wpm))
            first, end = voiced_span(pcm)
            voiced = pcm[first:end]
            if index:
                parts.append(silence["gap"])
                offset += len(silence["gap"])
            parts.append(voiced)
            spans.append((offset / SAMPLE_RATE_HZ, (offset + len(voiced)) / SAMPLE_RATE_HZ))
            offset += len(voiced)
    parts.append(silence["tail"])
    write_wav(path, np.concatenate(parts), SAMPLE_RATE_HZ)
    return path, spans


def spoken_script(workdir: Path, parts: list[str | float | np.ndarray]) -> Path:
    """A caller WAV: strings are spoken (trimmed to their voiced part), numbers are seconds
    of silence, arrays are 16 kHz audio as it is (a tone)."""
    pieces = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            pcm, _ = read_wav(speak(part, workdir / f"phrase{index}.wav"))
            first, end = voiced_span(pcm)
            pieces.append(pcm[first:end])
        elif isinstance(part, np.ndarray):
            pieces.append(part.astype(np.int16))
        else:
            pieces.append(np.zeros(int(part * SAMPLE_RATE_HZ), np.int16))
    path = workdir / "caller.wav"
    write_wav(path, np.concatenate(pieces), SAMPLE_RATE_HZ)
    return path


def words(text: str) -> str:
    """Lowercase words and digits only, one space apart: for comparing what was heard."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def transcribe(stt: WhisperStt, pcm: np.ndarray) -> str:
    """What a phone heard, in words, transcribed 20 s at a time."""
    chunk = 20 * SAMPLE_RATE_HZ
    pieces = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)]
    return words(" ".join(stt.transcribe_blocking(piece).text for piece in pieces))
