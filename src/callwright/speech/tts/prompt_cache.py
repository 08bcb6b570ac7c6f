"""Audio of texts said again and again, shared by every call.

Fixed prompts (greetings, hold messages, goodbyes, template openings) are synthesized once,
when an agent loads. Short clauses synthesized during calls ("Sorry, I didn't", "Thanks,
Maria.") are remembered too, the most recent `REMEMBERED_MAX`, so the next call that says
one has it at once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np

from callwright.speech.engines import TextToSpeech

REMEMBERED_MAX = 512  # clauses remembered from calls (about a second of audio each)
REMEMBERED_WORDS_MAX = 6  # longer clauses hold details of one call: rarely said again


def prompt_key(text: str) -> str:
    """Cache key: the text with runs of whitespace collapsed to one space and ends stripped."""
    return " ".join(text.split())


class PromptCache:
    """Pre-synthesized 16 kHz int16 audio for known texts, from one TextToSpeech engine."""

    def __init__(self, tts: TextToSpeech) -> None:
        self._tts = tts
        self._audio: dict[str, np.ndarray] = {}
        self._remembered: OrderedDict[str, np.ndarray] = OrderedDict()

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
        key = prompt_key(text)
        audio = self._audio.get(key)
        if audio is None and key in self._remembered:
            self._remembered.move_to_end(key)
            audio = self._remembered[key]
        return audio

    def remember(self, text: str, audio: np.ndarray) -> None:
        """Keep a short clause synthesized during a call (the oldest forgotten beyond
        `REMEMBERED_MAX`)."""
        key = prompt_key(text)
        if len(key.split()) > REMEMBERED_WORDS_MAX or key in self._audio:
            return
        audio.setflags(write=False)
        self._remembered[key] = audio
        self._remembered.move_to_end(key)
        while len(self._remembered) > REMEMBERED_MAX:
            self._remembered.popitem(last=False)

    def __len__(self) -> int:
        return len(self._audio)
