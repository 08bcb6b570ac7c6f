"""How alike a word heard over the phone is to one in the business's records, by spelling and
by sound, and which record a heard phrase or number names, if it names exactly one.

Speech-to-text garbles names ("Lopes"), drugs ("listen april") and merchants; a record is
taken only when it is clearly closer than every other candidate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

RIVAL_MARGIN = 10.0
"""Likeness points (0-100) by which the best candidate must beat every other one; nearer
than this, the two are "comparably close" and neither is taken."""
PHRASE_WINDOW_WORDS = 4  # longest run of words read as one name ("a tor va statin")
NUMBER_EDITS_ALLOWED = 1  # one digit misheard, added or dropped
FILLER_WORDS = frozenset(
    """the a an one ones that this my at from for of on in it its was is i me please um uh
    charge purchase payment transaction prescription medicine medication pill pills
    tablet tablets refill""".split()
)
"""Words a caller wraps around a name ("the electro mart one", "my lisinopril pills")."""

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold_name(name: str) -> str:
    """A name for comparison: no accents, case, spaces, hyphens or apostrophes ("O'Brien-Núñez"
    -> "obriennunez")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", bare.casefold())


def likeness(heard: str, real: str) -> float:
    """0-100: the mean of spelling similarity (rapidfuzz ratio) and sound similarity (ratio of
    the two metaphone codes) of two folded words; 100 only when they sound and spell alike.

    "lopes"/"lopez" 90, "marya"/"maria" 80, "listenapril"/"lisinopril" 84, "mark"/"maria" 73,
    "kevin"/"calvin" 70, "lovastatin"/"atorvastatin" 77.
    """
    if not heard or not real:
        return 0.0
    spelled = fuzz.ratio(heard, real)
    heard_code, real_code = jellyfish.metaphone(heard), jellyfish.metaphone(real)
    if not heard_code or not real_code:  # digits only: spelling is all there is
        return spelled
    return (spelled + fuzz.ratio(heard_code, real_code)) / 2


def sole_best(scores: Sequence[float], minimum: float) -> int | None:
    """The index of the highest score if it reaches `minimum` and beats all others by more
    than RIVAL_MARGIN; None when nothing is close enough or two are comparably close."""
    if not scores:
        return None
    best = max(range(len(scores)), key=scores.__getitem__)
    if scores[best] < minimum:
        return None
    if any(i != best and score > scores[best] - RIVAL_MARGIN for i, score in enumerate(scores)):
        return None
    return best


def match_phrase(heard: str, names: Sequence[str], minimum: float) -> int | None:
    """The index of the one name that a heard phrase names, or None.

    A name is scored by its best-matching run of words against the heard phrase's runs of
    words, filler left out, so "coffee" names "Coffee Corner" and "the electro mart one"
    names "ElectroMart Online". When several names are comparably close that way, the whole
    phrase against each whole name decides ("coffee corner" over "Corner Bakery"), or none.
    """
    heard_words = _content_words(heard)
    if not heard_words or not names:
        return None
    heard_runs = _runs(heard_words)
    words = [_content_words(name) for name in names]
    parts = [
        max((likeness(run, own) for run in heard_runs for own in _runs(w)), default=0.0)
        for w in words
    ]
    if max(parts) < minimum:
        return None
    top = max(parts)
    rivals = [i for i, score in enumerate(parts) if score > top - RIVAL_MARGIN]
    if len(rivals) == 1:
        return rivals[0]
    whole = [likeness("".join(heard_words), "".join(words[i])) for i in rivals]
    chosen = sole_best(whole, minimum=0.0)
    return None if chosen is None else rivals[chosen]


def one_digit_off(heard: str, number: str) -> bool:
    """Whether two record numbers differ by one misheard, added or dropped digit (not equal)."""
    distance = Levenshtein.distance(heard, number, score_cutoff=NUMBER_EDITS_ALLOWED)
    return 0 < distance <= NUMBER_EDITS_ALLOWED


def digits_of(number: str | int) -> str:
    """The digits of a number as heard or keyed: "# 100 234" -> "100234"."""
    return "".join(ch for ch in str(number) if ch.isdigit())


def _content_words(text: str) -> list[str]:
    words = (fold_name(word) for word in re.split(r"[\s\-./&,]+", text))
    return [word for word in words if word and word not in FILLER_WORDS]


def _runs(words: list[str]) -> list[str]:
    """Every run of up to PHRASE_WINDOW_WORDS consecutive words, joined."""
    return [
        "".join(words[start:stop])
        for start in range(len(words))
        for stop in range(start + 1, min(start + PHRASE_WINDOW_WORDS, len(words)) + 1)
    ]
