"""Values a caller reads out or picks: reference numbers, amounts of money, a choice.

- A number ("four four one seven", "forty four seventeen", "order 100587") is a digit string;
  `digits` (an exact count or a (min, max) range) picks the reading and the run that fits.
- An amount is a Decimal: "$1,249.99", "one thousand two hundred forty nine dollars and ninety
  nine cents", and with no currency word, a last group of two digits is cents ("three fifty" ->
  3.50, "twelve forty nine ninety nine" -> 1249.99) at lower confidence.
- A choice is one of the options offered: by position ("the second one"), by a time or number
  it holds ("the ten o'clock one") or by its distinctive words, forgiving misheard spelling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

import jellyfish
from rapidfuzz import fuzz

from callwright.agent.understanding.entities_times import extract_time
from callwright.agent.understanding.entity import AMOUNT, CHOICE, NUMBER, Entity
from callwright.agent.understanding.numbers import (
    ORDINALS,
    NumberRun,
    Token,
    best_reading,
    cardinal,
    number_runs,
    span,
    tokenize,
)

CONFIDENCE_NUMBER = 0.95
CONFIDENCE_NUMBER_RIVALS = 0.7  # other numbers of the expected length were said too
CONFIDENCE_NUMBER_UNCLEAR = 0.6  # "one hundred two thirty four": 10234 or 100234?
CONFIDENCE_AMOUNT = 0.95  # "$3.50", "three dollars fifty"
CONFIDENCE_AMOUNT_BARE = 0.85  # "3.50"
CONFIDENCE_AMOUNT_WORDS = 0.75  # "three fifty": cents inferred
CONFIDENCE_CENTS = 0.9  # "ninety nine cents"
CENTS_DIGITS = 2
DOLLAR_WORDS = frozenset({"dollar", "dollars", "bucks", "buck", "usd"})
CENT_WORDS = frozenset({"cent", "cents"})

CHOICE_MIN_SCORE = 0.7
"""A choice scoring below this (0-1) is no choice: the dialogue asks again."""
CONFIDENCE_BY_POSITION = 0.9  # "the second one"
SCORE_SAME_TIME = 0.95  # "2:30 PM" for "two thirty"
SCORE_SAME_DIAL = 0.9  # "10:00 PM" for "ten o'clock": the options are the context
SCORE_SAME_DIGITS = 0.95  # "4417" for "forty four seventeen"
CHOICE_MIN_MARGIN = 0.1  # over the runner-up, else the caller was not clear
CHOICE_READINGS = 3  # readings of a spoken number compared with an option's digits
SHARED_WORDS_FACTOR = 0.8  # an option with no word of its own matches less surely
FUZZY_WORD_MIN_SCORE = 80.0  # rapidfuzz ratio, 0-100, for a misheard word of an option
FUZZY_WORD_MIN_CHARS = 4
SCORE_SOUNDS_ALIKE = 0.8  # "Chan" for "Chen": the same metaphone key, said on a phone line
SOUNDS_ALIKE_MIN_CHARS = 4
POSITION_WORDS = {
    **ORDINALS,
    "last": -1,
    "latter": -1,
    "former": 1,
    "earliest": 1,
    "soonest": 1,
    "latest": -1,
}
POSITION_NOUNS = frozenset({"one", "option", "choice", "number"})
CHOICE_STOP_WORDS = frozenset(
    """the a an with at on in for of to and or dr doctor mr mrs ms one please appointment
    option i id like want take that this at oclock""".split()
)
NONE_OF_THEM = frozenset({"neither", "none", "nothing"})

_MONEY = re.compile(
    r"(\$\s*)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(\s*(?:dollars?|bucks|usd)\b)?", re.I
)


_CLAUSE_END = re.compile(r"[,;.!?](?:\s|$)")
"""Where a count said twice over ("one fifty, so a hundred fifty") splits: never inside
"2,500" or "1.5"."""
_CORRECTED = re.compile(r"\b(?:actually|no|sorry|i mean|rather|more like|make it)\b", re.I)
"""A count corrected in the same breath: the last one said counts ("eighty. Actually, no,
more like a hundred and ten")."""
_SOUNDALIKE_DIGIT = {"for": "four", "fore": "four", "to": "two", "too": "two", "ate": "eight",
                     "won": "one"}  # fmt: skip
_DIGIT_SOUNDALIKES = re.compile(rf"\b(?:{'|'.join(_SOUNDALIKE_DIGIT)})\b", re.IGNORECASE)
"""Words speech-to-text writes for digits ("for eight to one"): read as digits only when the
number asked for is then complete."""


def extract_number(text: str, digits: int | tuple[int, int] | None = None) -> Entity | None:
    """An order, reference, prescription or card number as a digit string, or None.

    Args:
        digits: the expected length, exact or an inclusive (min, max) range.
    """
    if digits is None and _CLAUSE_END.search(text):  # "one fifty, so a hundred fifty": 150
        said = [extract_number(clause) for clause in _CLAUSE_END.split(text) if clause.strip()]
        counts = [entity for entity in said if entity is not None]
        if not counts:
            return None
        return counts[-1] if _CORRECTED.search(text) else counts[0]
    tokens = tokenize(text)
    fitting: list[tuple[NumberRun, str, bool]] = []
    for run in number_runs(tokens):
        found = best_reading(run, digits)
        if found is not None:
            fitting.append((run, found[0].digits, found[1]))
    if not fitting:
        if digits is None:
            return None
        heard_as_digits = _DIGIT_SOUNDALIKES.sub(lambda m: _SOUNDALIKE_DIGIT[m[0].lower()], text)
        return None if heard_as_digits == text else extract_number(heard_as_digits, digits)
    run, value, clear = max(fitting, key=lambda item: (len(item[1]), -item[0].first))
    confidence = CONFIDENCE_NUMBER if clear else CONFIDENCE_NUMBER_UNCLEAR
    if any(other != value and len(other) == len(value) for _, other, _ in fitting):
        confidence = min(confidence, CONFIDENCE_NUMBER_RIVALS)
    return Entity(NUMBER, value, span(text, tokens, run.first, run.stop), confidence)


def extract_amount(text: str) -> Entity | None:
    """An amount of money as a Decimal with cents, or None."""
    for match in _MONEY.finditer(text):
        currency, whole, cents, unit = match.groups()
        if currency or unit or cents:
            value = Decimal(whole.replace(",", "")) + Decimal(cents or 0) / (
                10 ** len(cents or "0")
            )
            confidence = CONFIDENCE_AMOUNT if currency or unit else CONFIDENCE_AMOUNT_BARE
            return Entity(AMOUNT, _cents(value), match.group().strip(), confidence)
    tokens = tokenize(text)
    runs = number_runs(tokens)
    for position, run in enumerate(runs):
        after = _word(tokens, run.stop)
        dollars = _integer(run)
        if after in DOLLAR_WORDS:
            stop, cents = run.stop + 1, Decimal(0)
            later = runs[position + 1] if position + 1 < len(runs) else None
            gap = [token.word for token in tokens[stop : later.first]] if later else []
            if later is not None and gap in ([], ["and"]) and _integer(later) < 100:
                cents, stop = Decimal(_integer(later)), later.stop
                stop += _word(tokens, stop) in CENT_WORDS
            value = _cents(Decimal(dollars) + cents / 100)
            return Entity(AMOUNT, value, span(text, tokens, run.first, stop), CONFIDENCE_AMOUNT)
        if after in CENT_WORDS and dollars < 100:
            value = _cents(Decimal(dollars) / 100)
            return Entity(
                AMOUNT, value, span(text, tokens, run.first, run.stop + 1), CONFIDENCE_CENTS
            )
        if (
            after == "point"
            and position + 1 < len(runs)
            and runs[position + 1].first == run.stop + 1
        ):
            fraction = runs[position + 1].readings[0].digits
            value = _cents(Decimal(f"{dollars}.{fraction}"))
            stop = runs[position + 1].stop
            return Entity(AMOUNT, value, span(text, tokens, run.first, stop), CONFIDENCE_AMOUNT)
    if not runs:
        return None
    run = runs[0]
    groups = run.readings[0].group_digits
    if len(groups) >= 2 and len(groups[-1]) == CENTS_DIGITS:
        value = _cents(Decimal("".join(groups[:-1])) + Decimal(groups[-1]) / 100)
    else:
        value = _cents(Decimal(run.readings[0].digits))
    return Entity(AMOUNT, value, span(text, tokens, run.first, run.stop), CONFIDENCE_AMOUNT_WORDS)


def _integer(run: NumberRun) -> int:
    return int(run.readings[0].digits)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _word(tokens: list[Token], index: int) -> str:
    return tokens[index].word if 0 <= index < len(tokens) else ""


def extract_choice(text: str, options: Sequence[str], *, by_position: bool = True) -> Entity | None:
    """The option the caller picked, as given in `options`, or None when it is not clear.
    Without `by_position`, only an option named by its words counts: words said unasked
    ("born November second") pick no option by their place in a list."""
    tokens = tokenize(text)
    words = [token.word for token in tokens]
    if not options or not words or (set(words) & NONE_OF_THEM):
        return None
    positioned = _choice_by_position(text, tokens, options) if by_position else None
    if positioned is not None:
        return positioned
    said = _Said.parse(text, tokens)
    scores = [_option_score(said, option, options) for option in options]
    if len(tokens) > 1 and words[-1] == "one" and words[-2] not in POSITION_NOUNS:
        # "the ten thirty one": a pronoun, or the end of a number ("fifty five twenty one")
        shorter = _Said.parse(text[: tokens[-1].start], tokens[:-1])
        scores = [
            max(score, _option_score(shorter, option, options))
            for score, option in zip(scores, options, strict=True)
        ]
    ranked = sorted(range(len(options)), key=lambda position: -scores[position])
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    if scores[best] < CHOICE_MIN_SCORE or scores[best] - runner_up < CHOICE_MIN_MARGIN:
        return None
    return Entity(CHOICE, options[best], text.strip(), round(scores[best], 3))


def _choice_by_position(text: str, tokens: list[Token], options: Sequence[str]) -> Entity | None:
    """ "the first one", "the second", "the last option", "number two", "option 3"."""
    said_in_options = {word for option in options for word in _content_words(option)}
    for index, token in enumerate(tokens):
        position, stop = POSITION_WORDS.get(token.word), index + 1
        if position is None and token.word in ("number", "option") and index + 1 < len(tokens):
            after = tokens[index + 1].word
            position = int(after) if after.isdigit() else cardinal([after])
            stop = index + 2
        if position is None or token.word in said_in_options:
            continue
        chosen = position - 1 if position > 0 else len(options) + position
        if 0 <= chosen < len(options):
            stop += _word(tokens, stop) in POSITION_NOUNS
            first = index - (_word(tokens, index - 1) == "the")
            return Entity(
                CHOICE, options[chosen], span(text, tokens, first, stop), CONFIDENCE_BY_POSITION
            )
    return None


@dataclass(frozen=True, slots=True)
class _Said:
    """What the caller said, read once to score every option against."""

    words: tuple[str, ...]
    time: time | None
    numbers: frozenset[str]
    """Digits of each number said, in its likeliest few readings."""

    @classmethod
    def parse(cls, text: str, tokens: list[Token]) -> _Said:
        numbers = {r.digits for run in number_runs(tokens) for r in run.readings[:CHOICE_READINGS]}
        return cls(tuple(token.word for token in tokens), _time_of(text), frozenset(numbers))


def _option_score(said: _Said, option: str, options: Sequence[str]) -> float:
    """How well the caller's words name `option`, 0-1."""
    option_words = _content_words(option)
    if option_words and f" {' '.join(option_words)} " in f" {' '.join(said.words)} ":
        return 1.0
    score = 0.0
    option_time = _time_of(option)
    if option_time is not None and said.time is not None:
        if option_time == said.time:
            score = SCORE_SAME_TIME
        elif (
            option_time.hour - said.time.hour
        ) % 12 == 0 and option_time.minute == said.time.minute:
            score = SCORE_SAME_DIAL
    option_digits = "".join(character for character in option if character.isdigit())
    if option_digits and option_time is None and option_digits in said.numbers:
        score = max(score, SCORE_SAME_DIGITS)
    others = {word for other in options if other != option for word in _content_words(other)}
    for word in option_words:  # a word other options share says less about this one
        weight = SHARED_WORDS_FACTOR if word in others else 1.0
        best = max((_word_match(word, heard) for heard in said.words), default=0.0)
        score = max(score, best * weight)
    return score


def _time_of(text: str) -> time | None:
    found = extract_time(text, prefer_between=None)
    return found.value if found is not None and isinstance(found.value, time) else None


def _word_match(expected: str, heard: str) -> float:
    if expected == heard:
        return 1.0
    if min(len(expected), len(heard)) < FUZZY_WORD_MIN_CHARS:
        return 0.0
    ratio = fuzz.ratio(expected, heard)
    if ratio >= FUZZY_WORD_MIN_SCORE:
        return ratio / 100
    return SCORE_SOUNDS_ALIKE if sounds_like(expected, heard) else 0.0


def sounds_like(expected: str, heard: str, min_score: float = FUZZY_WORD_MIN_SCORE) -> bool:
    """The same word, or one a phone line could turn it into: close in spelling (a rapidfuzz
    ratio of `min_score`), or the same metaphone key ("Chan" for "Chen", "Patil" for
    "Patel")."""
    expected, heard = expected.lower(), heard.lower()
    if expected == heard:
        return True
    if min(len(expected), len(heard)) < FUZZY_WORD_MIN_CHARS:
        return False
    if fuzz.ratio(expected, heard) >= min_score:
        return True
    return min(len(expected), len(heard)) >= SOUNDS_ALIKE_MIN_CHARS and (
        jellyfish.metaphone(expected) == jellyfish.metaphone(heard)
    )


def _content_words(option: str) -> list[str]:
    return [token.word for token in tokenize(option) if token.word not in CHOICE_STOP_WORDS]
