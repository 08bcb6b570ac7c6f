"""Entity extraction from speech-to-text output: the one call a slot-filling dialogue makes.

`extract(kind, text, ...)` finds the value of one slot kind in what the caller said, with a
confidence the dialogue compares against its own threshold (low: ask a targeted question, do not
guess). Transcripts mix digits and words, punctuation, fillers, spelled letters and "oh" for
zero; each kind's reader lives in its own module and documents the readings it picks:
`entities_dates` (dates), `entities_times` (times), `entities_people` (names, phone numbers),
`entities_values` (numbers, amounts, yes/no, choices). All are pure functions: tens to hundreds
of microseconds per utterance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

from callwright.agent.understanding.entities_dates import extract_date
from callwright.agent.understanding.entities_people import extract_person_name, extract_phone_number
from callwright.agent.understanding.entities_times import BUSINESS_HOURS, extract_time
from callwright.agent.understanding.entities_values import (
    extract_amount,
    extract_choice,
    extract_number,
)
from callwright.agent.understanding.entities_yes_no import extract_yes_no
from callwright.agent.understanding.entity import (
    AMOUNT,
    CHOICE,
    DATE,
    KINDS,
    NUMBER,
    PERSON_NAME,
    PHONE_NUMBER,
    TEXT,
    TIME,
    YES_NO,
    Entity,
    PersonName,
)

__all__ = [
    "BUSINESS_HOURS", "KINDS", "Entity", "PersonName", "extract", "extract_amount",
    "extract_choice", "extract_date", "extract_number", "extract_person_name",
    "extract_phone_number", "extract_text", "extract_time", "extract_yes_no",
]  # fmt: skip

_SPACES = re.compile(r"\s+")


def extract(
    kind: str,
    text: str,
    *,
    today: date | None = None,
    options: Sequence[str] = (),
    digits: int | tuple[int, int] | None = None,
    default_region: str = "US",
    past: bool = False,
    prefer_between: tuple[time, time] | None = BUSINESS_HOURS,
) -> Entity | None:
    """The value of a slot of `kind` in `text`, or None when the caller did not give one.

    Args:
        today: the day of the call, for relative dates; the local date when None.
        options: the choices offered, for "choice".
        digits: expected length of a "number", exact or an inclusive (min, max) range.
        default_region: country of a phone number said without a country code.
        past: a "date" that lies in the past (a birth date).
        prefer_between: business hours, to read "two thirty" as 14:30; None keeps it as heard.
    """
    if kind == DATE:
        return extract_date(text, today, past=past)
    if kind == TIME:
        return extract_time(text, prefer_between=prefer_between)
    if kind == PERSON_NAME:
        return extract_person_name(text)
    if kind == PHONE_NUMBER:
        return extract_phone_number(text, default_region)
    if kind == NUMBER:
        return extract_number(text, digits)
    if kind == AMOUNT:
        return extract_amount(text)
    if kind == YES_NO:
        return extract_yes_no(text)
    if kind == CHOICE:
        return extract_choice(text, options)
    if kind == TEXT:
        return extract_text(text)
    raise ValueError(f"unknown entity kind {kind!r}; use one of {', '.join(KINDS)}")


def extract_text(text: str) -> Entity | None:
    """Free text: what the caller said, spaces tidied; None when they said nothing."""
    tidy = _SPACES.sub(" ", text).strip()
    return Entity(TEXT, tidy, tidy, 1.0) if tidy else None
