"""Getting through a business's phone menu (IVR) on a call the agent placed.

The agent file lists the menu's choices (`phone_menu`: words of a prompt, keys to press).
Each caller-side turn is a prompt the menu played, ended by silence as every turn is, so
pressing as the reply to it presses after the prompt. A turn gets at most one press: the
choice whose words it holds best. Words that hold no choice but sound like a recording
("please hold", "press 9 to repeat") keep the agent quiet; any other words are a person's,
and the menu is over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

if TYPE_CHECKING:
    from callwright.agent.spec.agent_file import MenuChoice

MATCH_SCORE = 85  # rapidfuzz partial_ratio (0-100) for a prompt to hold a choice's words
MAX_PRESSES_PER_CHOICE = 2  # a menu that plays the same prompt again gets one more try
RECORDING_WORDS = (
    "press",
    "dial",
    "option",
    "menu",
    "extension",
    "hold",
    "your call",
    "recorded",
    "please wait",
    "stay on the line",
    "transfer",
    "connecting",
    "business hours",
    "para español",
)
"""Words of a menu or a hold message rather than of a person who answered."""


class PhoneMenu:
    """One call's way through the menu: which choices were pressed, and whether it's over."""

    def __init__(self, choices: Sequence[MenuChoice]) -> None:
        self._choices = list(choices)
        self._presses = [0] * len(self._choices)  # per choice, how often it was pressed

    def hear(self, text: str) -> str | None:
        """What to do after the menu said `text` ("" for silence): the keys to press, ""
        to stay quiet (a prompt with no choice of ours, hold, silence), or None when the
        words are a person's and the agent should talk."""
        heard = " ".join(text.lower().split())
        if not heard:
            return ""
        best, best_score = None, 0.0
        for index, choice in enumerate(self._choices):
            if self._presses[index] >= MAX_PRESSES_PER_CHOICE:
                continue
            words = " ".join(choice.when.lower().split())
            # within longer words, roughly; a short "Pharmacy?" must be the words, not a part
            match = fuzz.partial_ratio if len(heard) >= len(words) else fuzz.ratio
            score = match(words, heard)
            if score >= MATCH_SCORE and score > best_score:
                best, best_score = index, score
        if best is not None:
            self._presses[best] += 1
            return self._choices[best].press
        return "" if any(words in heard for words in RECORDING_WORDS) else None
