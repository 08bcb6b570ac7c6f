"""Which of the people who share a strong key (birth date, phone) a heard name names.

Speech-to-text mishears names, so a name that is close in spelling and sound is accepted
under rules that keep a stranger out (scores are `likeness`, 0-100):

- exact (case and accents aside): every given part equals the person's; several are ambiguous;
- one part exact, the other at least CLOSE_NAME_SCORE ("Maria Lopes");
- both parts at least STRONG_NAME_SCORE ("Mariah Lopes"), also first and last swapped;
- a name heard as one word ("marialopez") at least STRONG_NAME_SCORE against the full name;
- one part only ("Lopes") at least STRONG_NAME_SCORE, only when one person has the key.

Without an exact match, the best accepted person is taken only if no other person of the
key comes within RIVAL_MARGIN of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callwright.actions.likeness import RIVAL_MARGIN, fold_name, likeness

CLOSE_NAME_SCORE = 80.0
"""A misheard part beside an exact one: one letter off in five ("Marya", "Lopes" score 80-90);
"Mark" for "Maria" (73) stays out."""
STRONG_NAME_SCORE = 85.0
"""Each part when no part is exact, or a lone part: sounds alike and spelled nearly alike
("Mariah" 95, "Lopes" 90); one changed letter in a short name (80) is not enough."""


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The people (indices into the candidates) a heard name names: one is found, several are
    ambiguous, none is not found."""

    people: tuple[int, ...]
    exact: bool


def match_name(first: str, last: str, people: Sequence[tuple[str, str]]) -> NameMatch:
    """Match a heard first and last name (either may be empty) against (first, last) pairs.

    With no name at all, every candidate matches exactly (the key alone identifies).
    """
    heard_first, heard_last = fold_name(first), fold_name(last)
    folded = [(fold_name(given), fold_name(family)) for given, family in people]
    exact = tuple(
        i
        for i, (given, family) in enumerate(folded)
        if (not heard_first or given == heard_first) and (not heard_last or family == heard_last)
    )
    if exact:
        return NameMatch(exact, exact=True)
    sole = len(folded) == 1
    scored = [_closeness(heard_first, heard_last, given, family, sole) for given, family in folded]
    accepted = [i for i, (_, ok) in enumerate(scored) if ok]
    if not accepted:
        return NameMatch((), exact=False)
    top = max(scored[i][0] for i in accepted)
    return NameMatch(
        tuple(i for i, (score, _) in enumerate(scored) if score > top - RIVAL_MARGIN),
        exact=False,
    )


def _closeness(
    heard_first: str, heard_last: str, first: str, last: str, sole: bool
) -> tuple[float, bool]:
    """(how close the heard name is to this person's, whether the rules accept it)."""
    if heard_first and heard_last:
        readings = [
            _two_parts(heard_first, heard_last, first, last),
            _two_parts(heard_first, heard_last, last, first),  # "Lopez Maria"
        ]
        return max(score for score, _ in readings), any(ok for _, ok in readings)
    part = heard_first or heard_last
    as_part = max(likeness(part, first), likeness(part, last))
    as_whole = likeness(part, first + last)  # "marialopez" heard as one word
    if as_whole > as_part:
        return as_whole, as_whole >= STRONG_NAME_SCORE
    return as_part, sole and as_part >= STRONG_NAME_SCORE


def _two_parts(heard_first: str, heard_last: str, first: str, last: str) -> tuple[float, bool]:
    first_score, last_score = likeness(heard_first, first), likeness(heard_last, last)
    ok = (
        (heard_first == first and last_score >= CLOSE_NAME_SCORE)
        or (heard_last == last and first_score >= CLOSE_NAME_SCORE)
        or min(first_score, last_score) >= STRONG_NAME_SCORE
    )
    return (first_score + last_score) / 2, ok
