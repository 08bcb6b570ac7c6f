"""Listening again to an answer: the careful model's words are taken only when they give the
value the agent asked for and the first listen did not."""

from __future__ import annotations

import asyncio

import numpy as np

from callwright.call.listening import Listener
from callwright.speech.engines import Transcript
from callwright.speech.turns import TurnTaking, TurnTakingOptions


class SaysStt:
    """Speech-to-text that hears the same words in any audio, counting its calls."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    async def transcribe(self, pcm: np.ndarray, context: str = "") -> Transcript:
        self.calls += 1
        return Transcript(self.text, 0.9, len(pcm) / 16000)


def listener(careful: SaysStt | None) -> Listener:
    return Listener(
        vad=None, stt=SaysStt(""), turns=TurnTaking(TurnTakingOptions()), speech_context="",
        now=lambda: 0.0, spawn=asyncio.ensure_future, on_event=lambda event: None,
        on_turn=lambda turn: None, on_error=lambda message: None, careful_stt=careful,
    )  # fmt: skip


AUDIO = np.zeros(16000, np.int16)


def four_digits(text: str) -> bool:
    """As the agent asking for a card's last four digits judges an answer."""
    return sum(char.isdigit() for char in text) == 4


async def test_a_number_heard_short_is_listened_to_again() -> None:
    careful = SaysStt("4-8-2-1")
    assert await listener(careful).listen_again(AUDIO, "4", four_digits) == "4-8-2-1"
    assert careful.calls == 1


async def test_the_first_listen_stands_when_it_gave_the_value_or_the_second_does_not() -> None:
    careful = SaysStt("Family, family, free, narrow.")
    assert await listener(careful).listen_again(AUDIO, "7730", four_digits) == "7730"
    assert careful.calls == 0  # never asked: nothing to gain
    assert await listener(careful).listen_again(AUDIO, "7", four_digits) == "7"
    nothing_awaited = await listener(careful).listen_again(AUDIO, "I'm not sure", lambda t: None)
    assert nothing_awaited == "I'm not sure" and careful.calls == 1


async def test_without_a_careful_model_the_first_listen_stands() -> None:
    assert await listener(None).listen_again(AUDIO, "4", four_digits) == "4"


async def test_a_second_listen_begun_in_the_pause_is_used_without_asking_again() -> None:
    careful = SaysStt("never asked")
    started = asyncio.ensure_future(asyncio.sleep(0, result="4-8-2-1"))
    assert await listener(careful).listen_again(AUDIO, "4", four_digits, started) == "4-8-2-1"
    assert careful.calls == 0


async def test_a_long_answer_is_not_listened_to_again() -> None:
    careful = SaysStt("4-8-2-1")
    sentence = np.zeros(5 * 16000, np.int16)  # "Hi, this is Daniel Kim, you left me a message"
    assert await listener(careful).listen_again(sentence, "Hi, this is Daniel", four_digits) == (
        "Hi, this is Daniel")
    assert careful.calls == 0
