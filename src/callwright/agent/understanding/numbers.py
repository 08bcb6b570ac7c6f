"""Spoken numbers as speech-to-text writes them: words, digits and both mixed.

A caller reads an order number as "four four one seven", "forty four seventeen" or "4417", a
year as "nineteen eighty five", a price as "twelve forty nine ninety nine". `number_runs` finds
each run of number words in `tokenize`d text and reads it every plausible way: the run is cut
into groups that are each a cardinal number ("forty four", "one hundred two", "oh", "double
five", "0001") and the groups' digits are joined. Readings with fewer groups come first, since
a speaker who says "one hundred two" means 102 more often than "100" then "2", and cuts where
nobody pauses ("forty | four") cost extra; a caller of `best_reading` passes the expected digit
count to choose among them.
Everything is table look-ups and a small dynamic programme: microseconds per utterance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from callwright.agent.understanding.words import FILLER_PHRASES, FILLERS

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}  # fmt: skip
ZERO_WORDS = frozenset({"oh", "o"})
"""Zero in a run of number words ("five five five oh one"); a plain word elsewhere."""
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
REPEATS = {"double": 2, "triple": 3}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")
ONE_AS_PRONOUN_AFTER = frozenset(
    "the that this which each either another any no other same last first second new old".split()
)
""""the one ending in 4821": after these words "one" means a thing, not the number 1."""
MAX_READINGS = 32  # readings kept per run, likeliest first
MAX_GROUP_TOKENS = 12  # longest cardinal read as one group ("one million two hundred ...")

_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)\b|\d+|[^\W\d_]+(?:['\u2019][^\W\d_]+)*", re.IGNORECASE)
_FILLER_PAIRS = frozenset(tuple(phrase.split()) for phrase in FILLER_PHRASES)
_NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | frozenset(SCALES)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the caller's text and where it sits in that text."""

    word: str
    """Lowercase, apostrophes removed: "It's" -> "its", "o'clock" -> "oclock"."""
    raw: str
    """The word as written."""
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a run of number words as digits."""

    digits: str
    cost: int
    """How many spoken numbers the run was cut into, plus one for each unlikely cut ("forty"
    then "four", "two thousand" then "five"): the lower, the likelier."""
    group_digits: tuple[str, ...]
    """The digits of each group: ("12", "49", "99") for "twelve forty nine ninety nine"."""


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive number words (tokens[first:stop]) and their readings, likeliest first."""

    first: int
    stop: int
    readings: tuple[Reading, ...]


def tokenize(text: str, *, keep_fillers: bool = False) -> list[Token]:
    """The words of `text` with their positions; fillers ("um", "you know") dropped."""
    tokens = [
        Token(m.group().lower().replace("'", "").replace("\u2019", ""), m.group(), *m.span())
        for m in _TOKEN.finditer(text)
    ]
    if keep_fillers:
        return tokens
    kept: list[Token] = []
    index = 0
    while index < len(tokens):
        pair = tuple(token.word for token in tokens[index : index + 2])
        if pair in _FILLER_PAIRS:
            index += 2
            continue
        if tokens[index].word not in FILLERS:
            kept.append(tokens[index])
        index += 1
    return kept


def span(text: str, tokens: Sequence[Token], first: int, stop: int) -> str:
    """The part of `text` that tokens[first:stop] cover."""
    return text[tokens[first].start : tokens[stop - 1].end]


def ordinal_at(tokens: Sequence[Token], index: int) -> tuple[int, int] | None:
    """(value, next index) of an ordinal at tokens[index]: "14th", "fourteenth", "twenty first"."""
    if index >= len(tokens):
        return None
    word = tokens[index].word
    if word[:-2].isdigit() and word.endswith(ORDINAL_SUFFIXES):
        return int(word[:-2]), index + 1
    if word in ORDINALS:
        return ORDINALS[word], index + 1
    if word in TENS and index + 1 < len(tokens):
        following = ORDINALS.get(tokens[index + 1].word)
        if following is not None and following < 10:
            return TENS[word] + following, index + 2
    return None


def is_number_word(tokens: Sequence[Token], index: int) -> bool:
    """Whether tokens[index] belongs to a spoken number, judged with its neighbours."""
    word = tokens[index].word
    before = tokens[index - 1].word if index > 0 else ""
    after = tokens[index + 1].word if index + 1 < len(tokens) else ""
    if word.isdigit():
        return True
    if word == "one":
        return before not in ONE_AS_PRONOUN_AFTER and after != "of"
    if word in _NUMBER_WORDS:
        return True
    if word in ZERO_WORDS:
        return _zeros_touch_digits(tokens, index)
    if word == "a":
        return after in SCALES
    if word in REPEATS:
        return after in UNITS or after in ZERO_WORDS or (after.isdigit() and len(after) == 1)
    if word == "and":
        return before in SCALES and after in _NUMBER_WORDS
    return False


def number_runs(tokens: Sequence[Token]) -> list[NumberRun]:
    """Every run of number words in `tokens` that reads as digits, in order."""
    runs: list[NumberRun] = []
    index = 0
    while index < len(tokens):
        run = run_at(tokens, index)
        if run is not None:
            runs.append(run)
        index = max(index + 1, _run_stop(tokens, index))
    return runs


def run_at(tokens: Sequence[Token], index: int) -> NumberRun | None:
    """The run of number words that starts at tokens[index], if one does and reads as digits."""
    stop = _run_stop(tokens, index)
    if stop == index:
        return None
    readings = read_digits([token.word for token in tokens[index:stop]])
    return NumberRun(index, stop, readings) if readings else None


def _run_stop(tokens: Sequence[Token], index: int) -> int:
    stop = index
    while stop < len(tokens) and is_number_word(tokens, stop):
        stop += 1
    return stop


def read_digits(words: Sequence[str]) -> tuple[Reading, ...]:
    """Every reading of number words as digits, likeliest first.

    >>> [r.digits for r in read_digits("one hundred two thirty four".split())][:2]
    ['10234', '100234']
    """
    count = len(words)
    # best[i]: digits of words[i:] -> (cost, group digits), the cheapest kept
    best: list[dict[str, tuple[int, tuple[str, ...]]]] = [{} for _ in range(count + 1)]
    best[count][""] = (0, ())
    for start in range(count - 1, -1, -1):
        found: dict[str, tuple[int, tuple[str, ...]]] = {}
        for stop, group in _groups_at(words, start):
            for rest, (rest_cost, parts) in best[stop].items():
                digits = group + rest
                cost = rest_cost + 1 + _unlikely_cut(words[stop - 1], parts)
                if digits not in found or found[digits][0] > cost:
                    found[digits] = (cost, (group, *parts))
        ranked = sorted(found.items(), key=lambda item: item[1][0])[:MAX_READINGS]
        best[start] = dict(ranked)
    return tuple(
        Reading(digits, cost, parts)
        for digits, (cost, parts) in sorted(best[0].items(), key=lambda item: item[1][0])
    )


def best_reading(
    run: NumberRun, digits: int | tuple[int, int] | None = None
) -> tuple[Reading, bool] | None:
    """The likeliest reading of `run` with an expected digit count, and whether it is clear.

    `digits` is an exact count or an inclusive (min, max) range; None accepts any. A reading is
    clear when no other fitting reading is within one cut of it.
    """
    fitting = [reading for reading in run.readings if _fits(reading.digits, digits)]
    if not fitting:
        return None
    clear = all(reading.cost > fitting[0].cost + 1 for reading in fitting[1:])
    return fitting[0], clear


def words_to_number(text: str, digits: int | tuple[int, int] | None = None) -> str | None:
    """The digits of the first spoken number in `text` that fits `digits`, or None.

    "four four one seven" and "forty four seventeen" -> "4417"; "one thousand two hundred
    forty nine" -> "1249"; "twelve forty nine ninety nine" -> "124999"; "oh" reads as 0 and
    "double five" as 55 inside a number.
    """
    for run in number_runs(tokenize(text)):
        found = best_reading(run, digits)
        if found is not None:
            return found[0].digits
    return None


def cardinal(words: Sequence[str]) -> int | None:
    """The value of words that read as one cardinal number ("two hundred and five"), else None."""
    if not words:
        return None
    if len(words) == 1 and words[0] == "zero":
        return 0
    total, index = 0, 0
    for scale in ("million", "thousand"):
        if scale in words[index:]:
            position = words.index(scale, index)
            value = _below_thousand(words[index:position])
            if value is None or value == 0:
                return None
            total += value * SCALES[scale]
            index = position + 1
            if index < len(words) and words[index] == "and":
                index += 1
                if index == len(words):
                    return None
    if index == len(words):
        return total if total else None
    rest = _below_thousand(words[index:])
    if rest is None or rest == 0:
        return None
    return total + rest


def _below_thousand(words: Sequence[str]) -> int | None:
    if "hundred" not in words:
        return _below_hundred(words)
    position = words.index("hundred")
    head = words[:position]
    multiplier = 1 if list(head) == ["a"] else _below_hundred(head)
    if multiplier is None or multiplier == 0:
        return None
    tail = list(words[position + 1 :])
    if tail and tail[0] == "and":
        tail = tail[1:]
        if not tail:
            return None
    if not tail:
        return multiplier * 100
    rest = _below_hundred(tail)
    return None if rest is None or rest == 0 else multiplier * 100 + rest


def _below_hundred(words: Sequence[str]) -> int | None:
    if len(words) == 1:
        word = words[0]
        if word in UNITS and word != "zero":
            return UNITS[word]
        return TEENS.get(word, TENS.get(word))
    if len(words) == 2 and words[0] in TENS and words[1] in UNITS and words[1] != "zero":
        return TENS[words[0]] + UNITS[words[1]]
    return None


def _groups_at(words: Sequence[str], start: int) -> list[tuple[int, str]]:
    """(stop, digits) of each group that can start at words[start]."""
    word = words[start]
    if word.isdigit():
        return [(start + 1, word)]
    if word in ZERO_WORDS:
        return [(start + 1, "0")]
    if word in REPEATS and start + 1 < len(words):
        following = words[start + 1]
        digit = following if following.isdigit() else _digit_word(following)
        return [(start + 2, digit * REPEATS[word])] if digit else []
    groups = []
    for stop in range(start + 1, min(len(words), start + MAX_GROUP_TOKENS) + 1):
        value = cardinal(words[start:stop])
        if value is not None:
            groups.append((stop, str(value)))
    return groups


def _unlikely_cut(last_word: str, rest: tuple[str, ...]) -> int:
    """1 where a speaker would not pause: "forty | four", "thousand | five", "hundred | forty"."""
    if not rest:
        return 0
    tens_then_unit = last_word in TENS and len(rest[0]) == 1 and rest[0] != "0"
    hundred_then_tens = last_word == "hundred" and len(rest[0]) == 2 and rest[0][0] != "0"
    return int(tens_then_unit or hundred_then_tens or last_word in ("thousand", "million"))


def _digit_word(word: str) -> str | None:
    if word in ZERO_WORDS:
        return "0"
    return str(UNITS[word]) if word in UNITS else None


def _zeros_touch_digits(tokens: Sequence[Token], index: int) -> bool:
    """Whether the "oh"s around tokens[index] sit next to a digit: "three oh oh one", not "oh"."""
    for step in (-1, 1):
        position = index + step
        while 0 <= position < len(tokens) and tokens[position].word in ZERO_WORDS:
            position += step
        if 0 <= position < len(tokens) and _is_digitish(tokens[position].word):
            return True
    return False


def _is_digitish(word: str) -> bool:
    return word.isdigit() or word in UNITS or word in TEENS or word in TENS or word in REPEATS


def _fits(value: str, digits: int | tuple[int, int] | None) -> bool:
    if digits is None:
        return True
    if isinstance(digits, int):
        return len(value) == digits
    return digits[0] <= len(value) <= digits[1]
