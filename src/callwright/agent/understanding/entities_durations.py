"""How long until something, counted in months: "six weeks" is 2, "three, four weeks" 1,
"a year and a half" 18, "right away" 0.

A sales line asks "how soon?" in months, and callers answer in whatever unit comes to mind,
or name a time on the calendar ("next quarter", "end of the year": counted from today).
A number next to a unit word is read in that unit and rounded up to whole months; two numbers
before one unit ("three or four weeks", "three, four weeks") are a range, and its upper end
counts. Words without a number ("a couple of weeks", "next quarter") have fixed counts.
"""

from __future__ import annotations

import math
import re
from datetime import date

from callwright.agent.understanding.entity import NUMBER, Entity
from callwright.agent.understanding.numbers import NumberRun, Token, number_runs, span, tokenize

DAYS_PER_MONTH = 30.44
UNIT_DAYS = {"day": 1, "week": 7, "month": DAYS_PER_MONTH, "year": 12 * DAYS_PER_MONTH}
RANGE_WORDS = frozenset({"or", "to", "and", "maybe"})
CONFIDENCE_DURATION = 0.9

_WORDED = tuple(
    (re.compile(pattern, re.I), months)
    for pattern, months in (
        (r"\b(?:right away|immediately|asap|as soon as possible|straight away|today)\b", 0),
        (r"\b(?:a|the) couple(?: of)? (?:days|weeks)\b|\b(?:a )?few (?:days|weeks)\b", 1),
        (r"\b(?:this|next|within the next|in a) (?:week|month)\b|\bwithin the month\b"
         r"|\bend of (?:the|this) month\b", 1),
        (r"\b(?:a|the) couple(?: of)? months\b", 2),
        (r"\b(?:a )?few months\b|\b(?:within )?(?:a|one) quarter\b", 3),
        (r"\bhalf (?:a|of a) year\b|\bsix months\b", 6),
        (r"\b(?:a )?year and a half\b", 18),
        (r"\bwithin (?:the next |a )?year\b|\b(?:in|for) (?:about |around |roughly |maybe )?"
         r"(?:a|one) year\b|\ba year from now\b", 12),
    )
)
_CALENDAR = re.compile(
    r"\b(?:(?P<this_q>this quarter|end of (?:the )?quarter)|(?P<next_q>next quarter)"
    r"|(?P<this_y>this year|end of (?:the )?year|year[- ]end)|(?P<next_y>next year(?!'s)))\b",
    re.I,
)
"""Times named on the calendar: how many months away depends on today."""
"""Counts said in words of time; the first that fits counts. Never "a month" alone: "3000 a
month" is a rate."""
_WHEN = re.compile(
    r"\b(?:in|within|next|by|start|starting|begin|launch|go live|get going|soon|asap|right away"
    r"|immediately|this (?:week|month|quarter|year))\b",
    re.I,
)
"""Words that make a length of time said unasked an answer to "how soon?": "we have 40 people
working 5 days a week" says nothing about when."""


def extract_months(text: str, today: date | None = None, *, unasked: bool = False) -> Entity | None:
    """How many months the words give for how soon or how long, rounded up; or None.
    `today` places "this quarter" and "next year"; `unasked`: only words that say when ("in
    six weeks", "start this quarter") count."""
    if unasked and _WHEN.search(text) is None:
        return None
    tokens = tokenize(text)
    runs = number_runs(tokens)
    for index, token in enumerate(tokens):
        unit = token.word.removesuffix("s")
        if unit not in UNIT_DAYS:
            continue
        before = [run for run in runs if run.stop == index]
        if not before:
            continue
        run = before[0]
        groups = run.readings[0].group_digits
        count = int(groups[-1])  # "three, four weeks": the range's upper end
        earlier = [r for r in runs if r.stop < run.first and _only_range_words(tokens, r, run)]
        first = earlier[0].first if earlier else run.first
        months = math.ceil(count * UNIT_DAYS[unit] / DAYS_PER_MONTH - 1e-9)
        return Entity(NUMBER, str(months), span(text, tokens, first, index + 1),
                      CONFIDENCE_DURATION)  # fmt: skip
    for pattern, months in _WORDED:
        found = pattern.search(text)
        if found is not None:
            return Entity(NUMBER, str(months), found.group(0), CONFIDENCE_DURATION)
    found = _CALENDAR.search(text)
    if found is None:
        return None
    month = (today or date.today()).month  # 1-12
    to_quarter_end = 3 - (month - 1) % 3  # this month included
    months = {
        "this_q": to_quarter_end, "next_q": to_quarter_end + 1, "this_y": 13 - month,
        "next_y": 14 - month,
    }[found.lastgroup or ""]  # fmt: skip
    return Entity(NUMBER, str(months), found.group(0), CONFIDENCE_DURATION)


def _only_range_words(tokens: list[Token], earlier: NumberRun, run: NumberRun) -> bool:
    """Whether only "or", "to" and the like stand between two runs ("three or four")."""
    between = [token.word for token in tokens[earlier.stop : run.first]]
    return all(word in RANGE_WORDS for word in between)
