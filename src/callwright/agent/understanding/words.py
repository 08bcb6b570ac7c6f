"""Words as speech-to-text writes them, made comparable: the text side of understanding.

`words` lowercases, expands contractions (with or without the apostrophe, since transcripts
often drop it), splits "9am" into "9 am" and drops filler words. `terms` goes further for
matching: numbers become digits ("forty five" -> "45"), stop words go, each word is stemmed and
front-desk synonyms add a shared concept term (``open``, ``hours``, ``close`` -> ``#hours``).
Everything here is table look-ups and string operations: microseconds per utterance.
"""

from __future__ import annotations

import re

FILLERS = frozenset(
    "um umm uh uhh uhm erm er ah hmm mm mhm like so well basically actually guys yall".split()
)
FILLER_PHRASES = ("you know", "i mean", "kind of", "sort of")
LIKE_IS_A_VERB_AFTER = frozenset("i we you they would do does did not really".split())
""""like" is a filler except after these: "i would like to speak to ..." keeps its verb."""

_CONTRACTIONS = (
    (re.compile(r"\b(can)'?t\b"), r"\1 not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\b(what|where|that|it|there|how|who|when|here)'?s\b"), r"\1 is"),
    (re.compile(r"\b(\w+)'re\b"), r"\1 are"),
    (re.compile(r"\b(\w+)'ll\b"), r"\1 will"),
    (re.compile(r"\b(\w+)'ve\b"), r"\1 have"),
    (re.compile(r"\b(\w+)'d\b"), r"\1 would"),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\b(don|doesn|didn|isn|aren|wasn|couldn|wouldn|shouldn)t\b"), r"\1 not"),
    (re.compile(r"\b(you|they|we)re\b"), r"\1 are"),
    (re.compile(r"\b(\w+)'s\b"), r"\1"),  # possessive: "men's" -> "men"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DIGIT_THEN_LETTER = re.compile(r"(\d)([a-z])")
_MONEY = re.compile(r"\$\s*(\d+)")

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip

STOP_WORDS = frozenset(
    """a an the i me my we us our you your it its this that these those is are am be was were
    been do does did to of in on at for and or can could would will should shall may might
    please there here what which who have has had any some just know tell want wanted need
    wondering wonder if about with also okay ok hi hello hey thanks thank get got how not
    then than by from ask question like""".split()
)

_PHRASES = (
    ("how much", "price"),
    ("get there", "directions"),
    ("get to you", "directions"),
    ("how long", "duration"),
    ("walk in", "walkin"),
    ("drop in", "walkin"),
    ("no show", "cancel"),
    ("call off", "cancel"),
    ("set up", "book"),
    ("get in", "book"),
)

CONCEPTS = {
    "hours": "open opening opens hours hour close closing closes closed shut time times late",
    "day": """today tonight tomorrow week weekend weekday monday tuesday wednesday thursday
        friday saturday sunday morning afternoon evening""",
    "location": """where address located location locate directions direction find street
        road near nearby map""",
    "price": "cost costs price prices pricing charge charges fee fees rate rates expensive cheap",
    "booking": "book booking schedule reserve reservation slot slots availability available",
    "cancel": "cancel cancellation cancelling canceling",
    "move": "reschedule postpone rebook move moving push shift",
    "payment": """pay payment paying card cards cash credit debit contactless cheque visa
        mastercard amex""",
    "parking": "park parking car garage",
    "contact": "phone number call email reach contact",
    "website": "website online site web internet",
}
"""Front-desk words that mean the same thing to a caller; each adds the term ``#<concept>``."""

_IRREGULAR = {
    "children": "child", "kids": "kid", "paid": "pay", "took": "take", "went": "go",
    "gone": "go", "men": "man", "women": "woman", "colour": "color", "colours": "color",
    "colouring": "color", "better": "good", "best": "good",
}  # fmt: skip
_UNDOUBLE = frozenset("bdgmnprt")


def words(text: str) -> list[str]:
    """Lowercase words without punctuation, contractions expanded, fillers dropped."""
    text = text.lower().replace("\u2019", "'")
    text = _MONEY.sub(r"\1 dollars", text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _DIGIT_THEN_LETTER.sub(r"\1 \2", _NOT_WORD.sub(" ", text))
    text = f" {text} "
    for phrase in FILLER_PHRASES:
        text = text.replace(f" {phrase} ", " ")
    kept: list[str] = []
    for word in text.split():
        if word not in FILLERS or (word == "like" and kept and kept[-1] in LIKE_IS_A_VERB_AFTER):
            kept.append(word)
    return kept


def numbers_as_digits(tokens: list[str]) -> list[str]:
    """["forty", "five", "dollars"] -> ["45", "dollars"]; digits stay as they are."""
    result: list[str] = []
    for token in tokens:
        if token in _UNITS and _UNITS[token] < 10 and result and result[-1].isdigit():
            previous = int(result[-1])
            if previous >= 20 and previous % 10 == 0:
                result[-1] = str(previous + _UNITS[token])
                continue
        if token in _UNITS or token in _TENS:
            result.append(str(_UNITS.get(token, _TENS.get(token))))
        else:
            result.append(token)
    return result


def stem(word: str) -> str:
    """A light English stemmer: enough to make "booking", "booked" and "books" one term."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ations", "ate"), ("ation", "ate"), ("ies", "y"), ("sses", "ss")):
        if word.endswith(suffix):
            word = word[: -len(suffix)] + replacement
            break
    else:
        for suffix in ("ing", "ed"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                if word[-1] == word[-2] and word[-1] in _UNDOUBLE:
                    word = word[:-1]
                break
        else:
            if word.endswith("s") and not word.endswith(("ss", "us", "is")):
                word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


_CONCEPT_OF = {stem(word): f"#{name}" for name, text in CONCEPTS.items() for word in text.split()}


def join_phrases(tokens: list[str]) -> list[str]:
    """Replace multi-word expressions ("how much") with the one word they mean ("price")."""
    text = f" {' '.join(tokens)} "
    for phrase, word in _PHRASES:
        text = text.replace(f" {phrase} ", f" {word} ")
    return text.split()


def terms(tokens: list[str]) -> set[str]:
    """The matching terms of some words: stems of the content words plus their concepts."""
    result: set[str] = set()
    for token in numbers_as_digits(join_phrases(tokens)):
        if token in STOP_WORDS:
            continue
        stemmed = stem(token)
        result.add(stemmed)
        concept = _CONCEPT_OF.get(stemmed)
        if concept is not None:
            result.add(concept)
    return result


def spoken_digit(text: str) -> str | None:
    """The menu digit in "two", "option 2" or "press two, please"; None for anything else."""
    tokens = [
        t
        for t in numbers_as_digits(words(text))
        if t not in FILLERS and t not in ("option", "press", "number", "please", "the", "um")
    ]
    if len(tokens) == 1 and len(tokens[0]) == 1 and tokens[0].isdigit():
        return tokens[0]
    return None
