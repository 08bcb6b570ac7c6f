"""What a phone-line speech recogniser writes for what a caller said.

A scenario's caller lines are text; on a real call they pass through Whisper tiny.en on 8 kHz
G.711 audio with line noise. `Mishearer.hear` turns a line into what that recogniser plausibly
writes, so the text-level evaluation meets the same kinds of errors as real audio: real
confusions (for/four, fifteen/fifty), dropped function words, spoken digit runs regrouped or
reformatted, spoken dates written out, names spelled phonetically, and Whisper's casing and
final punctuation. Negations are never touched, so no error flips what the caller meant; the
one exception is no/know, a real and fair confusion, at a quarter of the substitution rate.

Every choice comes from the instance's own `random.Random(seed)`: the same seed and the same
sequence of lines give the same transcripts.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class MishearProfile:
    """How often each kind of error happens; every rate is a probability from 0 to 1."""

    substitution_rate: float = 0.08
    """Chance that a word in `CONFUSIONS` is written as one of its confusions."""
    drop_rate: float = 0.04
    """Chance that a short function word (`DROPPABLE_WORDS`) is left out."""
    digit_regroup_rate: float = 0.5
    """Chance that a run of 3+ spoken digits, or a spoken date, is written another way."""
    name_rate: float = 0.3
    """Chance that a proper name is spelled phonetically."""

    @property
    def is_clean(self) -> bool:
        """Whether every rate is zero: then the recogniser writes exactly what was said."""
        return not any(getattr(self, field.name) for field in fields(self))


CLEAN = MishearProfile(0, 0, 0, 0)
PHONE_LINE = MishearProfile()
NOISY_LINE = MishearProfile(0.15, 0.08, 0.7, 0.5)

# Real recogniser confusions, keyed by the lowercase word said. Nothing here yields a negation.
CONFUSIONS: dict[str, tuple[str, ...]] = {
    # homophones and near-homophones
    "for": ("four",), "four": ("for",), "to": ("two", "too"), "two": ("to", "too"),
    "too": ("to",), "there": ("their", "they're"), "their": ("there",), "they're": ("there",),
    "buy": ("by",), "by": ("buy",), "right": ("write",), "write": ("right",),
    "eight": ("ate",), "ate": ("eight",), "won": ("one",), "one": ("won",),
    "hour": ("our",), "our": ("hour",), "here": ("hear",), "hear": ("here",),
    "new": ("knew",), "knew": ("new",), "weight": ("wait",), "wait": ("weight",),
    "week": ("weak",), "weak": ("week",), "then": ("than",), "than": ("then",),
    "ten": ("then",), "your": ("you're",), "you're": ("your",), "its": ("it's",),
    "it's": ("its",), "were": ("where",), "where": ("were", "wear"), "would": ("wood",),
    "accept": ("except",), "except": ("accept",), "mail": ("male",), "morning": ("mourning",),
    "dose": ("does",), "does": ("dose",), "pill": ("bill",), "bill": ("pill",),
    "flu": ("flew",), "flew": ("flu",), "last": ("lost",), "lost": ("last",),
    "i'd": ("I",), "i'll": ("I",), "okay": ("OK",), "cancel": ("council",),
    "prescription": ("description",),
    # numbers that sound alike on a narrow band
    "fifteen": ("fifty",), "fifty": ("fifteen",), "thirteen": ("thirty",),
    "thirty": ("thirteen",), "fourteen": ("forty",), "forty": ("fourteen",),
    "sixteen": ("sixty",), "sixty": ("sixteen",), "eighteen": ("eighty",),
    "eighty": ("eighteen",),
    # one word heard as several
    "refill": ("re fill",), "refund": ("re fund",), "appointment": ("a point meant",),
    "afternoon": ("after noon",), "checkup": ("check up",), "account": ("a count",),
    "address": ("a dress",), "online": ("on line",), "anymore": ("any more",),
    "maybe": ("may be",),
    # endings added or dropped
    "tuesday": ("tuesdays",), "thursday": ("thursdays",), "friday": ("fridays",),
    "appointments": ("appointment",), "refills": ("refill",),
    "prescriptions": ("prescription",), "payments": ("payment",), "orders": ("order",),
    "cards": ("card",), "days": ("day",), "weeks": ("week",), "needed": ("need",),
    "wanted": ("want",), "called": ("call",), "booked": ("book",), "ordered": ("order",),
    "moved": ("move",), "charged": ("charge",), "cancelled": ("cancel",),
}
# Said, these are never changed: an error here would change what the caller meant.
NEGATIONS = frozenset({
    "not", "no", "yes", "don't", "didn't", "wasn't", "never", "nope", "can't", "cannot",
    "won't", "isn't", "aren't", "doesn't", "haven't", "hasn't", "shouldn't", "wouldn't",
})
NO_AS_KNOW_RATE_FACTOR = 0.25  # "no" -> "know" at this share of the substitution rate
DROPPABLE_WORDS = frozenset({"a", "an", "the", "uh", "um", "to", "of", "and", "it", "is"})

# Known names (and drug names, which a recogniser treats the same way) as Whisper spells them.
NAME_SPELLINGS: dict[str, tuple[str, ...]] = {
    "lopez": ("Lopes",), "chen": ("Chan",), "patel": ("Patil",), "wilson": ("Willson",),
    "maria": ("Mariah",), "nguyen": ("Win", "Nuyen"), "kim": ("Kym",), "ruiz": ("Reese",),
    "daniel": ("Danielle",), "electromart": ("Electro Mart",),
    "lisinopril": ("Lisa no pill", "listen april"), "atorvastatin": ("a tour vast a tin",),
}
# Phonetic respellings for other names, (pattern, replacement); one that applies is used once.
NAME_RESPELLINGS: tuple[tuple[str, str], ...] = (
    (r"([bcdfgklmnprstz])\1", r"\1"),  # Russell -> Russel
    (r"(?<=[aeiou])([ln])(?=[^aeioulny])", r"\1\1"),  # Nelson -> Nellson
    (r"ph", "f"),  # Stephen -> Stefen
    (r"(?<=[aeiou])f(?=[aeiou])", "ph"),  # Rafael -> Raphael
    (r"y$", "ie"),  # Kelly -> Kellie
    (r"ie$", "y"),  # Connie -> Conny
    (r"son$", "sen"),  # Hanson -> Hansen
    (r"sen$", "son"),  # Jensen -> Jenson
    (r"^C(?=[aou])", "K"),  # Carl -> Karl
    (r"^K(?=[aou])", "C"),  # Katherine -> Catherine
    (r"(?<=[a-z])(?=[A-Z])", " "),  # HomeDepot -> Home Depot
)
# Capitalised mid-sentence, yet no name.
NOT_NAMES = frozenset({
    "i", "i'm", "i'd", "i'll", "i've", "ok", "okay", "mr", "mrs", "ms", "miss", "dr", "doctor",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
})
QUESTION_OPENERS = frozenset({
    "what", "when", "where", "who", "why", "how", "which", "can", "could", "would", "will",
    "do", "does", "did", "is", "are", "was", "should", "may", "have", "has",
})
SENTENCE_ENDS = (".", "?", "!")
# Whisper capitalises these wherever they fall ("may" and "march" are verbs too, so left as said).
_ALWAYS_CAPITALISED = re.compile(
    r"\bi\b|\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|april|june|july"
    r"|august|september|october|november|december)(?=s?\b)"
)

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
MIN_DIGIT_RUN_WORDS = 3
PHONE_GROUP_SIZES = {4: (2, 2), 7: (3, 4), 10: (3, 3, 4)}  # digits -> group sizes; else threes

_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = (
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
)
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
MAX_DATE_PART_WORDS = 5  # "two thousand and twenty five"


def _number_words(n: int) -> str:
    """0-99 as spoken: "seven", "forty eight"."""
    if n < len(_UNITS):
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + (f" {_UNITS[unit]}" if unit else "")


def _day_words() -> dict[str, int]:
    days = {word: day for day, word in enumerate(_ORDINALS) if word}
    days.update({f"twenty {_ORDINALS[unit]}": 20 + unit for unit in range(1, 10)})
    days.update({"thirtieth": 30, "thirty first": 31})
    return days


def _year_words() -> dict[str, int]:
    years = {"nineteen hundred": 1900, "two thousand": 2000}
    for n in range(1, 100):
        two_digits = _number_words(n) if n >= 10 else f"oh {_number_words(n)}"
        years[f"nineteen {two_digits}"] = 1900 + n
        years[f"twenty {two_digits}"] = 2000 + n
        years[f"two thousand {_number_words(n)}"] = 2000 + n
        years[f"two thousand and {_number_words(n)}"] = 2000 + n
    return years


DAY_WORDS = _day_words()
YEAR_WORDS = _year_words()
_EDGES = re.compile(r"^(\W*)(.*?)(\W*)$")


def _split(token: str) -> tuple[str, str, str]:
    """A token as (leading punctuation, word, trailing punctuation)."""
    lead, core, trail = _EDGES.match(token).groups()
    return lead, core, trail


def _key(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def _match_case(said: str, heard: str) -> str:
    return heard[:1].upper() + heard[1:] if said[:1].isupper() else heard


def _match_phrase(tokens: list[str], start: int, table: dict[str, int]) -> tuple[int, int] | None:
    """The longest spoken phrase in `table` at `start`, as (tokens used, value).

    Only the last token of the phrase may carry punctuation.
    """
    words: list[str] = []
    best = None
    for used, token in enumerate(tokens[start : start + MAX_DATE_PART_WORDS], 1):
        lead, core, trail = _split(token)
        if lead and used > 1:
            break
        words.append(_key(core).replace("-", " "))
        if " ".join(words) in table:
            best = used, table[" ".join(words)]
        if trail:
            break
    return best


def _digit_run_length(tokens: list[str], start: int) -> int:
    """How many tokens from `start` are spoken digits, ending at the first punctuation."""
    used = 0
    for token in tokens[start:]:
        lead, core, trail = _split(token)
        if _key(core) not in DIGIT_WORDS or (lead and used):
            break
        used += 1
        if trail:
            break
    return used


def _ordinal_suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _joined(digits: str, spoken: list[str], rng: random.Random) -> str:
    """All in one: "100587"."""
    return digits


def _grouped(digits: str, spoken: list[str], rng: random.Random) -> str:
    """Phone-style groups: "100 587", "48 21", "555 123 4567"."""
    sizes = PHONE_GROUP_SIZES.get(len(digits), (3,) * (len(digits) // 3) + (len(digits) % 3,))
    groups, at = [], 0
    for size in filter(None, sizes):
        groups.append(digits[at : at + size])
        at += size
    return " ".join(groups)


def _split_once(digits: str, spoken: list[str], rng: random.Random) -> str:
    """A pause heard in the wrong place: "10058 7"."""
    at = rng.randrange(1, len(digits))
    return f"{digits[:at]} {digits[at:]}"


def _spaced(digits: str, spoken: list[str], rng: random.Random) -> str:
    """One digit a word, a spoken "oh" as the letter: "1 0 0 5 8 7", "5 o 2"."""
    return " ".join("o" if word == "oh" else DIGIT_WORDS[word] for word in spoken)


def _paired(digits: str, spoken: list[str], rng: random.Random) -> str:
    """Four digits read as two numbers: "forty eight twenty one", "oh five eleven"."""
    pairs = (int(digits[:2]), int(digits[2:]))
    return " ".join(_number_words(n) if n >= 10 else f"oh {_number_words(n)}" for n in pairs)


def _hundreds(digits: str, spoken: list[str], rng: random.Random) -> str:
    """A leading "X zero zero" as a hundred: "one hundred five eight seven"."""
    return " ".join([_number_words(int(digits[0])), "hundred", *spoken[3:]])


DigitLayout = Callable[[str, list[str], random.Random], str]


def _digit_layouts(digits: str) -> list[DigitLayout]:
    """The ways a recogniser may write this run of spoken digits."""
    layouts: list[DigitLayout] = [_joined, _grouped, _split_once, _spaced]
    if len(digits) == 4:
        layouts.append(_paired)
    if digits[0] != "0" and digits[1:3] == "00":
        layouts.append(_hundreds)
    return layouts


def _whisper_format(text: str, question: bool) -> str:
    """Capitals and a final period or question mark where Whisper writes them."""
    if not text:
        return text
    text = _ALWAYS_CAPITALISED.sub(lambda word: word[0].capitalize(), text)
    text = text[0].upper() + text[1:]
    if text.endswith(SENTENCE_ENDS):
        return text
    return text.rstrip(",;:") + ("?" if question else ".")


def _is_name(word: str, sentence_start: bool) -> bool:
    """A known name, or a capitalised word that no sentence start explains."""
    key = _key(word)
    if key in NAME_SPELLINGS:
        return True
    capitalised = word[:1].isupper() and not word.isupper()
    return capitalised and not sentence_start and key not in NOT_NAMES


class Mishearer:
    """A simulated recogniser: `hear` writes what it would transcribe for a caller's line."""

    def __init__(self, profile: MishearProfile = PHONE_LINE, seed: int | str = 0) -> None:
        self.profile = profile
        self._rng = random.Random(seed)

    def hear(self, text: str) -> str:
        """What the recogniser writes for `text`; the same seed and text sequence give the same
        output. A clean profile returns `text` exactly."""
        if self.profile.is_clean:
            return text
        tokens = text.split()
        heard: list[str] = []
        at, sentence_start = 0, True
        while at < len(tokens):
            used, words = (
                self._hear_date(tokens, at)
                or self._hear_digits(tokens, at)
                or (1, self._hear_word(tokens[at], sentence_start))
            )
            if words:
                heard.append(words)
            sentence_start = tokens[at + used - 1].endswith(SENTENCE_ENDS)
            at += used
        question = bool(tokens) and _key(_split(tokens[0])[1]) in QUESTION_OPENERS
        return _whisper_format(" ".join(heard), question)

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def _hear_word(self, token: str, sentence_start: bool) -> str:
        lead, core, trail = _split(token)
        key = _key(core)
        if key == "no":
            rate = self.profile.substitution_rate * NO_AS_KNOW_RATE_FACTOR
            return lead + _match_case(core, "know") + trail if self._chance(rate) else token
        if key in NEGATIONS:
            return token
        if key in DROPPABLE_WORDS and not (lead or trail) and self._chance(self.profile.drop_rate):
            return ""
        if key in CONFUSIONS and self._chance(self.profile.substitution_rate):
            return lead + _match_case(core, self._rng.choice(CONFUSIONS[key])) + trail
        if _is_name(core, sentence_start) and self._chance(self.profile.name_rate):
            return lead + self._misspell(core) + trail
        return token

    def _misspell(self, name: str) -> str:
        if _key(name) in NAME_SPELLINGS:
            return self._rng.choice(NAME_SPELLINGS[_key(name)])
        rules = [(pattern, new) for pattern, new in NAME_RESPELLINGS if re.search(pattern, name)]
        if not rules:
            return name
        pattern, new = self._rng.choice(rules)
        return re.sub(pattern, new, name, count=1)

    def _hear_digits(self, tokens: list[str], start: int) -> tuple[int, str] | None:
        used = _digit_run_length(tokens, start)
        if used < MIN_DIGIT_RUN_WORDS:
            return None
        run = tokens[start : start + used]
        if not self._chance(self.profile.digit_regroup_rate):
            return used, " ".join(run)
        spoken = [_key(_split(token)[1]) for token in run]
        digits = "".join(DIGIT_WORDS[word] for word in spoken)
        layout = self._rng.choice(_digit_layouts(digits))
        return used, _split(run[0])[0] + layout(digits, spoken, self._rng) + _split(run[-1])[2]

    def _hear_date(self, tokens: list[str], start: int) -> tuple[int, str] | None:
        """A spoken month, day and optional year, written out: "March 14th, 1985"."""
        lead, month, trail = _split(tokens[start])
        if _key(month) not in MONTHS or trail:
            return None
        day = _match_phrase(tokens, start + 1, DAY_WORDS)
        if day is None:
            return None
        used = 1 + day[0]
        year = None
        if _split(tokens[start + used - 1])[2] in ("", ","):
            year = _match_phrase(tokens, start + used, YEAR_WORDS)
        if year is not None:
            used += year[0]
        if not self._chance(self.profile.digit_regroup_rate):
            return used, " ".join(tokens[start : start + used])
        suffix = self._rng.choice((_ordinal_suffix(day[1]), ""))
        written = f"{lead}{month.capitalize()} {day[1]}{suffix}"
        if year is not None:
            written += f", {year[1]}"
        return used, written + _split(tokens[start + used - 1])[2]

