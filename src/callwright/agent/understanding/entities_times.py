"""Times of day as a caller says them: "2:30 pm", "two thirty", "half past three", "noon".

A caller rarely says am or pm. An hour from 1 to 12 with no "am", "pm", "in the morning" or
"tonight" is read as the reading that falls inside `prefer_between` (business hours by
default: "two thirty" -> 14:30, "nine" -> 09:00), with less confidence; with
`prefer_between=None` it is returned as heard (02:30) with low confidence, a flag for the
dialogue to ask "morning or afternoon?". Hours 13-23 and 0 are a 24-hour clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from callwright.agent.understanding.entities_dates import MONTHS
from callwright.agent.understanding.entity import TIME, Entity
from callwright.agent.understanding.numbers import (
    TEENS,
    TENS,
    UNITS,
    ZERO_WORDS,
    Token,
    span,
    tokenize,
)

BUSINESS_HOURS = (time(7), time(19))
"""Default window for an hour said without am or pm: from 7:00 up to (not including) 19:00."""
HOURS_PER_HALF_DAY = 12
MINUTES_PER_HOUR = 60
NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}
MINUTES_BEFORE = {"to": -1, "till": -1, "til": -1, "before": -1, "of": -1}
MINUTES_AFTER = {"past": 1, "after": 1}
MINUTE_WORDS = {"half": 30, "quarter": 15}
DAY_PARTS = {
    "morning": "am", "afternoon": "pm", "evening": "pm", "tonight": "pm", "night": "pm",
    "lunchtime": "pm",
}  # fmt: skip
PARTS_OF_DAY = (  # a time of day without a clock: the earliest start it allows
    ("first thing", time(8)), ("early morning", time(8)), ("late morning", time(10, 30)),
    ("mid morning", time(10)), ("mid-morning", time(10)), ("before lunch", time(10, 30)),
    ("around lunch", time(12)), ("lunchtime", time(12)), ("lunch time", time(12)),
    ("after lunch", time(13)), ("early afternoon", time(12)), ("late afternoon", time(15)),
    ("mid afternoon", time(14)), ("end of the day", time(15, 30)), ("after work", time(16)),
    ("afternoon", time(12)), ("morning", time(8)), ("evening", time(16)),
)  # fmt: skip
"""Longer phrases first. The value is the earliest start, as offered slots go from it."""
CONFIDENCE_PART_OF_DAY = 0.7
_FREE_FROM = re.compile(
    r"\b(?:get|getting|i'm|am|be) (?:off|out|done|finished)(?: (?:of )?(?:work|school|class))?"
    r"(?: (?:at|by|around|about))?\s*$"
    r"|\b(?:finish|finishes|leave|end|ends) (?:work|school|class|my shift)?\s*(?:at|by|around)\s*$",
    re.I,
)
"""Before a time the caller is busy until ("I get off at three", "I finish work at five")."""
FREE_FROM_MARGIN = 30  # minutes from being free to being at the appointment
GREETING_WORD = "good"  # "good morning" is a greeting, not a time of day
BARE_HOUR_BEFORE = frozenset(
    """please works work would is if maybe then okay ok or and sounds for on today tomorrow
    monday tuesday wednesday thursday friday saturday sunday""".split()
) | {""}
"""A bare number ("ten") is an hour only at the end or before these: "I have 3 kids" is not."""

CONFIDENCE_EXPLICIT = 0.95  # am/pm, 24-hour clock, "noon"
CONFIDENCE_DAY_PART = 0.9  # "ten in the morning"
CONFIDENCE_WINDOW = 0.8  # one reading inside prefer_between
CONFIDENCE_WINDOW_BOTH = 0.6  # both readings inside prefer_between
CONFIDENCE_AS_HEARD = 0.5  # no window, or neither reading inside it
BARE_HOUR_FACTOR = 0.85  # "ten" alone, with no "at", "o'clock" or minutes


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    first: int
    stop: int
    strength: int  # 2: marked as a time ("at", ":", "o'clock", am/pm); 1: hour and minutes; 0: hour
    meridiem: str | None = None
    fixed: bool = False  # the hour needs no am/pm: "noon", "fourteen hundred"


def extract_time(
    text: str, *, prefer_between: tuple[time, time] | None = BUSINESS_HOURS
) -> Entity | None:
    """The time of day the caller means, or None."""
    tokens = tokenize(text)
    clocks = [clock for index in range(len(tokens)) if (clock := _clock_at(text, tokens, index))]
    if not clocks:
        return _part_of_day(text)
    best = max(clocks, key=lambda clock: (clock.strength, -clock.first))
    meridiem, confidence = best.meridiem, CONFIDENCE_EXPLICIT
    if meridiem is None and not best.fixed:
        meridiem = _day_part(tokens)
        confidence = CONFIDENCE_DAY_PART
    value, confidence = _resolve(best, meridiem, confidence, prefer_between)
    if best.strength == 0:
        confidence *= BARE_HOUR_FACTOR
    said = span(text, tokens, best.first, best.stop)
    if _FREE_FROM.search(text[: text.find(said)] if said in text else ""):
        value = _later(value, FREE_FROM_MARGIN)  # "I get off at three": from half past
        part = _part_of_day(text)  # "end of the day, I get off at three": the later one
        if part is not None and part.value > value:
            value = part.value
    return Entity(TIME, value, said, round(confidence, 3))


def _later(moment: time, minutes: int) -> time:
    total = min(moment.hour * MINUTES_PER_HOUR + moment.minute + minutes, 24 * 60 - 1)
    return time(total // MINUTES_PER_HOUR, total % MINUTES_PER_HOUR)


def _part_of_day(text: str) -> Entity | None:
    """ "afternoon", "first thing", "after lunch": the earliest time that part of the day allows
    (never "good morning", a greeting)."""
    lowered = " ".join(text.lower().replace(",", " ").split())
    for phrase, start in PARTS_OF_DAY:
        found = lowered.find(phrase)
        if found >= 0 and not lowered[:found].rstrip().endswith(GREETING_WORD):
            return Entity(TIME, start, phrase, CONFIDENCE_PART_OF_DAY)
    return None


def _resolve(
    clock: _Clock, meridiem: str | None, confidence: float, window: tuple[time, time] | None
) -> tuple[time, float]:
    hour, minute = clock.hour, clock.minute
    if clock.fixed or hour == 0 or hour > HOURS_PER_HALF_DAY:
        return time(hour % 24, minute), CONFIDENCE_EXPLICIT
    if meridiem is not None:
        return time(hour % HOURS_PER_HALF_DAY + (12 if meridiem == "pm" else 0), minute), confidence
    readings = [
        time(hour % HOURS_PER_HALF_DAY, minute),
        time(hour % HOURS_PER_HALF_DAY + 12, minute),
    ]
    if hour == HOURS_PER_HALF_DAY:
        readings.reverse()  # "twelve thirty" is after noon before it is after midnight
    if window is None:
        return readings[0], CONFIDENCE_AS_HEARD
    inside = [reading for reading in readings if window[0] <= reading < window[1]]
    if not inside:
        return readings[0], CONFIDENCE_AS_HEARD
    return inside[0], CONFIDENCE_WINDOW if len(inside) == 1 else CONFIDENCE_WINDOW_BOTH


def _clock_at(text: str, tokens: list[Token], index: int) -> _Clock | None:
    """The time that starts at tokens[index], if one does."""
    word = tokens[index].word
    if word in NAMED_TIMES:
        named = NAMED_TIMES[word]
        first = index - (index > 0 and tokens[index - 1].word in ("twelve", "12"))
        return _Clock(named.hour, named.minute, first, index + 1, 2, fixed=True)
    relative = _relative_clock(tokens, index)
    if relative is not None:
        return relative
    if index > 0 and _is_clock_part(tokens, index - 1):
        return None  # inside a time that starts earlier
    hour_found = _hour_at(tokens, index)
    if hour_found is None:
        return None
    hour, stop = hour_found
    minute, strength, fixed = 0, 0, hour > HOURS_PER_HALF_DAY
    minutes = _minutes_at(tokens, stop)
    packed = tokens[index].word.isdigit() and len(tokens[index].word) in (3, 4)
    if packed:
        hour, minute = divmod(int(tokens[index].word), 100)
    elif minutes is not None:
        minute, stop, marked = minutes
        strength = 2 if marked or ":" in text[tokens[index].end : tokens[index + 1].start] else 1
        fixed = fixed or tokens[stop - 1].word == "hundred"
    if hour > 23 or minute >= MINUTES_PER_HOUR:
        return None
    closed = tokens[stop - 1].word in ("o'clock", "oclock", "clock")  # "the ten o'clock one"
    if stop < len(tokens) and _is_clock_part(tokens, stop) and not packed and not closed:
        return None  # more numbers follow: "twelve forty nine ninety nine" is no time
    meridiem, stop = _meridiem_at(tokens, stop)
    before = tokens[index - 1].word if index > 0 else ""
    if meridiem is not None or before in ("at", "around", "by", "about", "after", "before"):
        strength = 2
    after = _next_word(tokens, stop)
    if strength == 0 and (before in MONTHS or before == "the" or after not in BARE_HOUR_BEFORE):
        return None
    if packed and strength < 2:
        return None
    return _Clock(hour, minute, index, stop, strength, meridiem, fixed)


def _hour_at(tokens: list[Token], index: int) -> tuple[int, int] | None:
    word = tokens[index].word
    if word.isdigit():
        return (int(word), index + 1) if len(word) <= 4 else None
    if word == "twenty" and _next_word(tokens, index + 1) in ("one", "two", "three"):
        return 20 + UNITS[tokens[index + 1].word], index + 2
    if word in UNITS and word != "zero":
        return UNITS[word], index + 1
    if word in TEENS or word == "twenty":
        return TEENS.get(word, 20), index + 1
    return None


def _minutes_at(tokens: list[Token], index: int) -> tuple[int, int, bool] | None:
    """(minute, next index, marked as a time) of "30", "thirty", "oh five", "o'clock", "hundred"."""
    word = _next_word(tokens, index)
    after = _next_word(tokens, index + 1)
    if word == "oclock":
        return 0, index + 1, True
    if word == "hundred":
        return 0, index + 1, True
    if word.isdigit() and len(word) == 2:
        return int(word), index + 1, False
    if word in ZERO_WORDS and after in UNITS and after != "zero":
        return UNITS[after], index + 2, True
    if word in TEENS:
        return TEENS[word], index + 1, False
    if word in TENS and TENS[word] < MINUTES_PER_HOUR:
        if after in UNITS and after != "zero":
            return TENS[word] + UNITS[after], index + 2, False
        return TENS[word], index + 1, False
    return None


def _relative_clock(tokens: list[Token], index: int) -> _Clock | None:
    """ "half past three", "quarter to five", "ten after two", "twenty minutes to six"."""
    word = tokens[index].word
    if word in MINUTE_WORDS:
        minutes, stop = MINUTE_WORDS[word], index + 1
    else:
        found = _count_at(tokens, index)
        if found is None:
            return None
        minutes, stop = found
        stop += _next_word(tokens, stop) in ("minutes", "minute")
    direction_word = _next_word(tokens, stop)
    direction = MINUTES_AFTER.get(direction_word, MINUTES_BEFORE.get(direction_word))
    if direction is None or not 0 < minutes < MINUTES_PER_HOUR:
        return None
    target = _hour_at(tokens, stop + 1) if stop + 1 < len(tokens) else None
    fixed = False
    if target is None:
        named = NAMED_TIMES.get(_next_word(tokens, stop + 1))
        if named is None:
            return None
        target, fixed = (named.hour or 24, stop + 2), True
    hour, end = target
    if hour > 24:
        return None
    total = (hour * MINUTES_PER_HOUR + direction * minutes) % (24 * MINUTES_PER_HOUR)
    meridiem, end = _meridiem_at(tokens, end)
    first = index - (index > 0 and tokens[index - 1].word == "a")
    hour_of_day, minute = divmod(total, MINUTES_PER_HOUR)
    fixed = fixed or hour > HOURS_PER_HALF_DAY
    return _Clock(hour_of_day, minute, first, end, 2, meridiem, fixed)


def _count_at(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """(value, next index) of a number below 60 at tokens[index]: "10", "ten", "twenty five"."""
    word, after = tokens[index].word, _next_word(tokens, index + 1)
    if word.isdigit():
        return (int(word), index + 1) if len(word) <= 2 else None
    if word in TENS and after in UNITS and after != "zero":
        return TENS[word] + UNITS[after], index + 2
    value = UNITS.get(word, TEENS.get(word, TENS.get(word)))
    return None if value is None else (value, index + 1)


def _meridiem_at(tokens: list[Token], index: int) -> tuple[str | None, int]:
    """(am or pm, next index) of "pm", "p m", "a.m.", "in the morning", "tonight" at
    tokens[index]; (None, index) if none."""
    word = _next_word(tokens, index)
    if word in ("am", "pm"):
        return word, index + 1
    if word in ("a", "p") and _next_word(tokens, index + 1) == "m":
        return word + "m", index + 2
    for lead in ((), ("in", "the"), ("this",), ("at",), ("in", "this")):
        part = _next_word(tokens, index + len(lead))
        leading = tuple(_next_word(tokens, index + offset) for offset in range(len(lead)))
        if leading == lead and part in DAY_PARTS:
            return DAY_PARTS[part], index + len(lead) + 1
    return None, index


def _day_part(tokens: list[Token]) -> str | None:
    for index, token in enumerate(tokens):
        if token.word in DAY_PARTS and (index == 0 or tokens[index - 1].word != GREETING_WORD):
            return DAY_PARTS[token.word]
    return None


def _is_clock_part(tokens: list[Token], index: int) -> bool:
    word = tokens[index].word
    return word.isdigit() or word in UNITS or word in TEENS or word in TENS or word in ZERO_WORDS


def _next_word(tokens: list[Token], index: int) -> str:
    return tokens[index].word if 0 <= index < len(tokens) else ""
