"""Dates from numbers: a month, day and year resolved against the day of the call, and dates
written (2026-03-14, 3/14/85) or keyed (031485) as digits.

A two-digit year takes the century that puts the date nearest to today, or with `past` (a
birth date) the latest that is not in the future; a date with no year is the next one, or
with `past` the last one. The day an item is on (an appointment's start) is told apart from
a new day the caller asks for (`same_day_named`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from callwright.agent.understanding.entity import DATE, Entity

DAYS_IN_MONTH_MAX = 31
CENTURY_YEARS = 100
CONFIDENCE_EXPLICIT = 0.95  # ISO date, or month, day and four-digit year
CONFIDENCE_NO_YEAR = 0.9
CONFIDENCE_NUMERIC = 0.85  # 3/14/85: month-first is a US habit
CONFIDENCE_TWO_DIGIT_YEAR = 0.75
CONFIDENCE_KEYED = 0.6  # "oh three one four eight five": digits only, read as MM DD YY
MONTH_DIGITS_BY_LENGTH = {6: 2, 8: 2}  # MM DD YY, MM DD YYYY
BIRTH_MONTH_DIGITS_BY_LENGTH = {5: 1, 7: 1}  # "seven twenty-one ninety": M DD YY(YY)

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"(?<![\d/.:-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/:-]|\.\d)")


def written_date(text: str, today: date, past: bool) -> Entity | None:
    """A date written in digits: ISO (2026-03-14) or month first (3/14/85, 3-14)."""
    for pattern, order, confidence in (
        (_ISO, (1, 2, 3), CONFIDENCE_EXPLICIT),
        (_NUMERIC, (4, 1, 3), CONFIDENCE_NUMERIC),
    ):
        for match in pattern.finditer(text):
            year, month, day = (match.group(index) for index in order)
            if pattern is _NUMERIC and match.group(2) == "." and year is None:
                continue  # "10.30" is a time or an amount
            found = calendar_date(int(month), int(day), year, today, past)
            if found is not None:
                value, year_confidence = found
                return Entity(DATE, value, match.group(), min(confidence, year_confidence))
    return None


def keyed_date(readings: list[str], today: date, past: bool) -> date | None:
    """The date of the first reading of a run of digits that is one: MM DD YY(YY), or for a
    birth date (`past`) a one-digit month said as a number ("seven twenty-one ninety")."""
    lengths = {**MONTH_DIGITS_BY_LENGTH, **(BIRTH_MONTH_DIGITS_BY_LENGTH if past else {})}
    for digits in readings:
        month_digits = lengths.get(len(digits))
        if month_digits is None or digits[0] == "0" and month_digits == 1:
            continue
        month, day = digits[:month_digits], digits[month_digits : month_digits + 2]
        resolved = calendar_date(int(month), int(day), digits[month_digits + 2 :], today, past)
        if resolved is not None:
            return resolved[0]
    return None


def calendar_date(
    month: int, day: int, year: str | None, today: date, past: bool
) -> tuple[date, float] | None:
    """The date of month/day in the year said (four digits, two digits or none) and how sure."""
    if not 1 <= month <= 12 or not 1 <= day <= DAYS_IN_MONTH_MAX:
        return None
    if year is not None and len(year) == 4:
        return safe_date(int(year), month, day), CONFIDENCE_EXPLICIT
    if year is not None:
        two_digits = int(year)
        century = today.year - today.year % CENTURY_YEARS
        options = [
            safe_date(start + two_digits, month, day)
            for start in (century - CENTURY_YEARS, century, century + CENTURY_YEARS)
        ]
        valid = [option for option in options if option is not None]
        if past:
            valid = [option for option in valid if option <= today]
            chosen = max(valid, default=None)
        else:
            chosen = min(valid, key=lambda option: abs(option - today), default=None)
        return None if chosen is None else (chosen, CONFIDENCE_TWO_DIGIT_YEAR)
    for offset in range(0, 5):  # five years find even the next 29 February
        candidate = safe_date(today.year + (-offset if past else offset), month, day)
        if candidate is not None and (candidate <= today if past else candidate >= today):
            return candidate, CONFIDENCE_NO_YEAR
    return None


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the day does not exist (30 February)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def same_day_named(said: Any, days: set[date]) -> bool:
    """Whether a date said names one of `days`, also by its weekday a week off: "my
    cleaning on Tuesday next week" is the Tuesday it is on, whichever week the caller meant."""
    return isinstance(said, date) and any(
        said == day or (said.weekday() == day.weekday() and abs((said - day).days) <= 7)
        for day in days
    )


def day_of(value: Any) -> date | None:
    """The day of a datetime, or of an ISO date and time written as text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value.date() if isinstance(value, datetime) else None
