"""Dates as a caller says them, resolved against the day of the call.

Readings, documented because callers are ambiguous:
- A weekday ("Monday", "this Friday", "on Friday", "next Thursday") is the nearest one after
  today; "next Thursday" is read the same way (the common reading), with less confidence since
  some callers mean the week after. "This Friday" said on a Friday is today; "Thursday next
  week" is the Thursday of the next Monday-to-Sunday week; "a week from Tuesday" is seven days
  after the nearest Tuesday.
- A day with no year is the next one on or after today; with `past=True` (a birth date, "when
  did it happen") the latest one on or before today.
- A two-digit year ("eighty five", "'85", "3/14/85") takes the century that puts the date
  nearest to today, or with `past=True` the latest that is not in the future, with less
  confidence.
- A day of the month alone ("on the 3rd") is the next such day (or the last, with `past`), with
  low confidence: the dialogue should read it back.
- A date said right after "not" ("Thursday, not Tuesday") is the one being corrected: skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from callwright.agent.understanding.calendar_dates import (
    CONFIDENCE_KEYED,
    CONFIDENCE_NO_YEAR,
    DAYS_IN_MONTH_MAX,
    calendar_date,
    keyed_date,
    safe_date,
    written_date,
)
from callwright.agent.understanding.entity import DATE, Entity
from callwright.agent.understanding.numbers import (
    Reading,
    Token,
    cardinal,
    number_runs,
    ordinal_at,
    run_at,
    span,
    tokenize,
)

WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1,
    "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11,
    "dec": 12,
}  # fmt: skip
RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
SPAN_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14}
COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "couple": 2, "few": 3}
NEGATIONS = frozenset({"not", "isnt", "wasnt", "never"})
NEGATION_PAIRS = (("instead", "of"), ("rather", "than"))
TIME_WORDS = frozenset({"am", "pm", "oclock", "a", "p", "in", "at", "thirty", "fifteen"})
"""After a day, a number followed by these is a time ("December 5th 10 am"), not a year."""
DAYS_PER_WEEK = 7
YEAR_MIN, YEAR_MAX = 1900, 2100

CONFIDENCE_WEEKDAY = 0.9
CONFIDENCE_NEXT_WEEKDAY = 0.8
CONFIDENCE_SAME_WEEKDAY = 0.7  # "Monday" said on a Monday: today or a week on
CONFIDENCE_DAY_ONLY = 0.6
CONFIDENCE_RELATIVE = 0.95  # "today", "tomorrow"
# which reading wins when several are said, the most specific first
MONTH_PRIORITY, WEEKDAY_PRIORITY, RELATIVE_PRIORITY, DAY_ONLY_PRIORITY, KEYED_PRIORITY = (
    4,
    3,
    2,
    1,
    0,
)


@dataclass(frozen=True, slots=True)
class _Found:
    value: date
    confidence: float
    first: int  # token span
    stop: int
    priority: int  # the more specific the reading, the higher


def extract_date(text: str, today: date | None = None, *, past: bool = False) -> Entity | None:
    """The date the caller means, or None.

    Args:
        today: the day of the call in the business's time zone; the local date when None.
        past: the date is in the past (a birth date): resolves missing or two-digit years and
            weekdays backwards.
    """
    today = today or date.today()
    written = written_date(text, today, past)
    if written is not None:
        return written
    tokens = tokenize(text)
    candidates = [
        found
        for reader in (_month_dates, _weekday_dates, _relative_dates, _day_only_dates, _keyed)
        for found in reader(tokens, today, past)
        if not _negated(tokens, found.first)
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda found: (found.priority, -found.first))
    if best.priority == WEEKDAY_PRIORITY:
        best = _with_day_of_month(best, candidates, past)
    return Entity(DATE, best.value, span(text, tokens, best.first, best.stop), best.confidence)


def _with_day_of_month(weekday: _Found, candidates: list[_Found], past: bool) -> _Found:
    """ "Thursday the 5th": the nearest 5th that is a Thursday, when a day of the month was said."""
    days = [found for found in candidates if found.priority == DAY_ONLY_PRIORITY]
    if not days:
        return weekday
    day = days[0]
    step = -1 if past else 1
    candidate = day.value
    for _ in range(0, 13):
        if candidate.weekday() == weekday.value.weekday():
            first, stop = min(weekday.first, day.first), max(weekday.stop, day.stop)
            return _Found(candidate, CONFIDENCE_NO_YEAR, first, stop, WEEKDAY_PRIORITY)
        months = candidate.month - 1 + step
        shifted = safe_date(candidate.year + months // 12, months % 12 + 1, candidate.day)
        while shifted is None:  # no 31st this month: the one after
            months += step
            shifted = safe_date(candidate.year + months // 12, months % 12 + 1, candidate.day)
        candidate = shifted
    return weekday


def _month_dates(tokens: list[Token], today: date, past: bool) -> list[_Found]:
    """ "March 14th (1985)", "March the fourteenth", "the 14th of March (eighty five)"."""
    found: list[_Found] = []
    for index, token in enumerate(tokens):
        month = MONTHS.get(token.word)
        if month is None:
            continue
        after = index + 1 + _skip(tokens, index + 1, ("the",))
        day = _day_at(tokens, after)
        before = _day_before(tokens, index - 1 - _skip_back(tokens, index - 1, ("of", "the")))
        said_before = before is not None and (
            day is None or ordinal_at(tokens, before[1] + (tokens[before[1]].word == "the"))
        )  # "the fourteenth of March, nineteen ...": the ordinal is the day
        if before is not None and said_before:
            first, day_value, day_stop = before[1], before[0][0], index + 1
        elif day is not None:
            first, (day_value, day_stop) = index, day
        else:
            continue
        year, stop = _year_at(tokens, day_stop + _skip(tokens, day_stop, ("of", "in")))
        resolved = calendar_date(month, day_value, year, today, past)
        if resolved is not None:
            stop = stop if year is not None else max(day_stop, index + 1)
            found.append(_Found(resolved[0], resolved[1], first, stop, MONTH_PRIORITY))
    return found


def _day_at(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """(day of month, next index) of "14th", "fourteenth", "twenty first", "14", "fourteen"."""
    ordinal = ordinal_at(tokens, index)
    if ordinal is not None:
        return ordinal if 1 <= ordinal[0] <= DAYS_IN_MONTH_MAX else None
    if index >= len(tokens):
        return None
    word = tokens[index].word
    if word.isdigit():
        value = int(word)
        return (value, index + 1) if 1 <= value <= DAYS_IN_MONTH_MAX and len(word) <= 2 else None
    for size in (2, 1):
        value = cardinal([token.word for token in tokens[index : index + size]])
        if value is not None and 1 <= value <= DAYS_IN_MONTH_MAX and index + size <= len(tokens):
            return value, index + size
    return None


def _day_before(tokens: list[Token], last: int) -> tuple[tuple[int, int], int] | None:
    """((day, _), first index) of a day that ends at tokens[last]: "the fourteenth (of March)"."""
    for size in (2, 1):
        first = last - size + 1
        if first < 0:
            continue
        day = _day_at(tokens, first)
        if day is not None and day[1] == last + 1:
            return day, first - (1 if first > 0 and tokens[first - 1].word == "the" else 0)
    return None


def _year_at(tokens: list[Token], index: int) -> tuple[str | None, int]:
    """(year digits, next index) of a year at tokens[index]: "1985", "nineteen eighty five"."""
    run = run_at(tokens, index)
    if run is None or _words(tokens, run.stop, 1)[:1] in {(word,) for word in TIME_WORDS}:
        return None, index
    for reading in run.readings:
        digits = reading.digits
        if (len(digits) == 4 and YEAR_MIN <= int(digits) <= YEAR_MAX) or len(digits) == 2:
            return digits, run.stop
    return None, index


def _weekday_dates(tokens: list[Token], today: date, past: bool) -> list[_Found]:
    found: list[_Found] = []
    for index, token in enumerate(tokens):
        weekday = WEEKDAYS.get(token.word.removesuffix("s"))
        if weekday is None:
            continue
        before = tokens[index - 1].word if index > 0 else ""
        first, stop = index - (before in ("next", "this", "coming", "last", "on")), index + 1
        ahead = (weekday - today.weekday()) % DAYS_PER_WEEK
        confidence = CONFIDENCE_WEEKDAY
        if past or before == "last":
            value = today - timedelta(days=(today.weekday() - weekday) % DAYS_PER_WEEK or 7)
        elif _words(tokens, index + 1, 2) == ("next", "week"):
            value = today + timedelta(days=DAYS_PER_WEEK - today.weekday() + weekday)
            stop += 2
        elif before == "this" and ahead == 0:
            value = today
        else:
            if before == "next":
                confidence = CONFIDENCE_NEXT_WEEKDAY
            if ahead == 0:
                ahead, confidence = DAYS_PER_WEEK, CONFIDENCE_SAME_WEEKDAY
            if _words(tokens, index + 1, 2) == ("after", "next"):
                ahead, stop = ahead + DAYS_PER_WEEK, stop + 2
            value = today + timedelta(days=ahead)
        if _words(tokens, first - 3, 3) in (("a", "week", "from"), ("one", "week", "from")):
            value, first = value + timedelta(days=DAYS_PER_WEEK), first - 3
        found.append(_Found(value, confidence, first, stop, WEEKDAY_PRIORITY))
    return found


def _relative_dates(tokens: list[Token], today: date, past: bool) -> list[_Found]:
    """ "today", "tomorrow", "the day after tomorrow", "in two weeks", "three days from now"."""
    found: list[_Found] = []
    for index, token in enumerate(tokens):
        if token.word in RELATIVE_DAYS:
            offset, first = RELATIVE_DAYS[token.word], index
            if token.word == "tomorrow" and _words(tokens, index - 2, 2) == ("day", "after"):
                offset, first = 2, index - 2 - (_words(tokens, index - 3, 1) == ("the",))
            found.append(
                _Found(
                    today + timedelta(days=offset),
                    CONFIDENCE_RELATIVE,
                    first,
                    index + 1,
                    RELATIVE_PRIORITY,
                )
            )
        elif token.word in SPAN_DAYS and index > 0:
            count = _count_before(tokens, index)
            if count is None:
                continue
            amount, first = count
            after = _words(tokens, index + 1, 2)
            if after in (("from", "now"), ("from", "today")):
                sign, stop = 1, index + 3
            elif after[:1] in (("later",), ("ago",)):
                sign, stop = (1 if after[0] == "later" else -1), index + 2
            elif first > 0 and tokens[first - 1].word == "in":
                sign, stop, first = 1, index + 1, first - 1
            else:
                continue
            value = today + timedelta(days=sign * amount * SPAN_DAYS[token.word])
            found.append(_Found(value, CONFIDENCE_NO_YEAR, first, stop, RELATIVE_PRIORITY))
    return found


def _count_before(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """(count, first index) of the number before tokens[index]: "two (weeks)", "a couple of"."""
    position = index - 1 - (tokens[index - 1].word == "of")
    if position < 0:
        return None
    word = tokens[position].word
    if word in COUNT_WORDS:
        first = position - (word == "couple" and position > 0 and tokens[position - 1].word == "a")
        return COUNT_WORDS[word], first
    if word.isdigit():
        return int(word), position
    for size in (2, 1):
        first = position - size + 1
        if first >= 0:
            value = cardinal([token.word for token in tokens[first : position + 1]])
            if value is not None:
                return value, first
    return None


def _day_only_dates(tokens: list[Token], today: date, past: bool) -> list[_Found]:
    """ "on the 3rd", "the fifteenth": the next (or last) such day of a month."""
    found: list[_Found] = []
    for index, token in enumerate(tokens):
        if token.word not in ("the", "on"):
            continue
        day = ordinal_at(tokens, index + 1)
        if day is None or not 1 <= day[0] <= DAYS_IN_MONTH_MAX:
            continue
        following = _words(tokens, day[1], 2)
        if following[:1] in (("one",), ("option",), ("time",)) or following in (
            ("of", "them"),
            ("of", "those"),
        ):
            continue  # "the first one": a choice, not a day
        month_start = today.replace(day=1)
        for step in range(0, 13):
            months = month_start.month - 1 + (-step if past else step)
            year = month_start.year + months // 12
            value = safe_date(year, months % 12 + 1, day[0])
            if value is not None and (value <= today if past else value >= today):
                found.append(_Found(value, CONFIDENCE_DAY_ONLY, index, day[1], DAY_ONLY_PRIORITY))
                break
    return found


def _keyed(tokens: list[Token], today: date, past: bool) -> list[_Found]:
    """Numbers only, as keyed or read from a form (see `keyed_date`)."""
    runs = number_runs(tokens)
    if len(runs) != 1 or runs[0].first != 0 or runs[0].stop != len(tokens):
        return []
    value = keyed_date([reading.digits for reading in runs[0].readings], today, past)
    if value is None and past:  # a birth date in spoken groups: "six five seventy nine"
        value = _month_day_year(runs[0].readings, today)
    if value is None:
        return []
    return [_Found(value, CONFIDENCE_KEYED, 0, len(tokens), KEYED_PRIORITY)]


def _month_day_year(readings: Sequence[Reading], today: date) -> date | None:
    """The past date of the first reading said as three numbers: month, day and a year of two
    or four digits."""
    for reading in readings:
        groups = reading.group_digits
        if len(groups) == 3 and max(map(len, groups[:2])) <= 2 and len(groups[2]) in (2, 4):
            resolved = calendar_date(int(groups[0]), int(groups[1]), groups[2], today, True)
            if resolved is not None:
                return resolved[0]
    return None


def _negated(tokens: list[Token], index: int) -> bool:
    """Whether the date at tokens[index] is the one being corrected: "not Tuesday"."""
    if index > 0 and tokens[index - 1].word in NEGATIONS:
        return True
    return _words(tokens, index - 2, 2) in NEGATION_PAIRS


def _skip(tokens: list[Token], index: int, words: tuple[str, ...]) -> int:
    count = 0
    while index + count < len(tokens) and tokens[index + count].word in words:
        count += 1
    return count


def _skip_back(tokens: list[Token], index: int, words: tuple[str, ...]) -> int:
    count = 0
    while index - count >= 0 and tokens[index - count].word in words:
        count += 1
    return count


def _words(tokens: list[Token], index: int, count: int) -> tuple[str, ...]:
    if index < 0:
        return ()
    return tuple(token.word for token in tokens[index : index + count])
