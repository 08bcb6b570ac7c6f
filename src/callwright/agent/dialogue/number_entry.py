"""Numbers keyed on the keypad or said in groups with pauses.

A caller keys a card number digit by digit, or says it a few digits at a time ("four
eight", pause, "two one"). `NumberEntry` gathers those digits across turns into one number;
what to do with the number, once complete, is the task's business.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from callwright.agent.spec.tasks import SlotSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.words import FILLERS, words

KEYPAD_DATE_DIGITS = 8  # MMDDYYYY
US_NUMBER_DIGITS = 10  # a phone number keyed without '#' is complete at this length
NUMBER_OTHER_WORDS_MAX = 3  # words besides the digits in a group said on its own ("my card is")
NUMBER_LEAD_INS = frozenset("it's it is its and then yes yeah okay ok the next".split())


class NumberEntry:
    """The digits of one number so far, keyed or said, until it is complete."""

    def __init__(self) -> None:
        self._digits = ""

    @property
    def so_far(self) -> str:
        """The digits gathered so far ("" when none are pending)."""
        return self._digits

    def clear(self) -> None:
        """Forget the digits so far (the slot was filled some other way)."""
        self._digits = ""

    def key(self, digit: str, spec: SlotSpec) -> str | None:
        """Add a keyed digit for `spec`: all the digits once complete ('#', or the slot's
        length), or None while more are to come."""
        expected = spec.digits or (KEYPAD_DATE_DIGITS if spec.type == "date" else None)
        if digit != "#":
            self._digits += digit
        if spec.type == "phone_number":  # a North American number: 10 digits, or 1 + 10
            expected = US_NUMBER_DIGITS + self._digits.startswith("1")
        if digit == "#" or (expected is not None and len(self._digits) >= expected):
            return self._taken()
        return None

    def said(self, group: str, spec: SlotSpec) -> str | None:
        """Add a group of digits said for `spec` (see `digit_group`): all the digits once
        there are as many as the slot's length or more, or None while more are to come."""
        self._digits += group
        if spec.digits is not None and len(self._digits) < spec.digits:
            return None
        return self._taken()

    def _taken(self) -> str:
        digits, self._digits = self._digits, ""
        return digits


def digit_group(text: str, spec: SlotSpec) -> str | None:
    """The digits of words that are a group of digits for a number slot of known length
    ("four eight", "it's two one"), or None (a sentence with a number in it is not one)."""
    if spec.type != "number" or spec.digits is None:
        return None
    heard = extract("number", text)
    if heard is None or not _mostly_number(text, heard.text):
        return None
    return str(heard.value)


def keyable(spec: SlotSpec) -> bool:
    """Whether a caller can key this slot: numbers of a known length, phone numbers, dates."""
    return (spec.type == "number" and spec.digits is not None) or spec.type in (
        "phone_number", "date"
    )


def keyed_value(spec: SlotSpec, digits: str) -> Any:
    """The slot's value from keyed digits (a date as MMDDYYYY), or None if they do not fit."""
    if spec.type == "date":
        if len(digits) != KEYPAD_DATE_DIGITS:
            return None
        try:
            return date(int(digits[4:]), int(digits[:2]), int(digits[2:4]))
        except ValueError:
            return None
    if spec.type == "phone_number":
        entity = extract("phone_number", digits)
        return None if entity is None else entity.value
    if spec.digits is not None and len(digits) != spec.digits:
        return None
    return digits or None


def _mostly_number(text: str, number_text: str) -> bool:
    """Whether the words are a group of digits ("four eight", "it's two one"), not a
    sentence with a number in it ("the coffee one is mine")."""
    others = [w for w in words(text) if w not in FILLERS and w not in NUMBER_LEAD_INS]
    return len(others) - len(words(number_text)) <= NUMBER_OTHER_WORDS_MAX


def gives_number(
    spec: SlotSpec, text: str, so_far: str, value: Callable[[SlotSpec, str], Any]
) -> bool | None:
    """Whether `text` gives the number of known length or the phone number `spec` asks for
    (None: it asks for neither); `so_far`: digits already said; `value` reads the slot. Not
    dates: Whisper base recovered digits that tiny.en dropped on the simulated callers'
    lines, but none of their spoken birth dates."""
    if spec.type != "phone_number" and (spec.type != "number" or spec.digits is None):
        return None
    if so_far:  # the rest of a number: its digits complete it
        return len(so_far) + len(digit_group(text, spec) or "") >= (spec.digits or 0)
    return value(spec, text) is not None
