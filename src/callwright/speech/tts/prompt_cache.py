"""Fixed prompts (greetings, hold messages, goodbyes) synthesized once, when an agent loads."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from callwright.speech.engines import TextToSpeech


def prompt_key(text: str) -> str:
    """Cache key: the text with runs of whitespace collapsed to one space and ends stripped."""
    return " ".join(text.split())


class PromptCache:
    """Pre-synthesized 16 kHz int16 audio for known texts, from one TextToSpeech engine."""

    def __init__(self, tts: TextToSpeech) -> None:
        self._tts = tts
        self._audio: dict[str, np.ndarray] = {}

    async def warm(self, texts: Iterable[str]) -> None:
        """Synthesize every text not cached yet, one after another."""
        for text in texts:
            key = prompt_key(text)
            if key and key not in self._audio:
                audio = await self._tts.synthesize(key)
                audio.setflags(write=False)  # shared by every call that plays it
                self._audio[key] = audio

    def get(self, text: str) -> np.ndarray | None:
        """The cached audio for `text` (whitespace-insensitive), or None."""
        return self._audio.get(prompt_key(text))

    def __len__(self) -> int:
        return len(self._audio)
