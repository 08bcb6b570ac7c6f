"""Yes or no about several items at once: "the gas one was me, but I never bought anything
at the Apple store".

A question about one of several items (flagged charges, orders, prescriptions) is often
answered for all of them in one breath. `answers_by_item` splits the words into clauses,
finds which item each clause is about (by a field such as the merchant, heard closely
enough; by its amount; by position: "the first one", "the last one", "the other one") and
whether the clause says yes or no, with a negation kept to its own clause. A clause that
names no item is about the item asked about, unless another clause already is. When one
item gets both answers, or the words cannot be placed, the result says so: the dialogue
then asks again, never acting on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.entities_values import sounds_like
from callwright.agent.understanding.questions import is_question
from callwright.agent.understanding.words import words

_CLAUSES = re.compile(r"([,;.!?]|\b(?:but|and|though|however|whereas|while)\b)", re.I)
_CONTRASTS = frozenset({"but", "though", "however", "whereas", "while"})
_DENIED = re.compile(
    r"\b(?:not|never|didn't|did not|wasn't|was not|don't|do not|no idea|fraud|isn't|"
    r"nope|no|none|neither|nor)\b",
    re.I,
)
_OWNED = re.compile(
    r"\b(?:yes|yeah|yep|mine|ours|(?:was|is|are|were|it's|that's|that) (?:me|us)|i did|"
    r"i made|i bought|i paid|we did|recogni[sz]e|that's fine|that's right|correct|legit|ok|"
    r"okay)\b",
    re.I,
)
_ELLIPSIS_OWNED = re.compile(r"\b(?:is|was|are|were|did|do|does|am)\s*$", re.I)
"""A clause that ends on its verb ("ElectroMart isn't mine. The coffee is."): the owning
said before, affirmed for this item."""
_SELF_CORRECTION = re.compile(
    r"\b(?:wait|actually|sorry|i mean|scratch that|on second thought|hang on|hold on)\b", re.I
)
"""Words after which a caller's answer replaces what they said before ("no... oh wait,
yes, that's my husband")."""
_POSITIONS = {"first": 0, "second": 1, "third": 2, "last": -1}
_PRONOUN_ONE = re.compile(r"\bones?\b(?!\s+(?:hundred|thousand|dollars?|cents?)\b)", re.I)
_OTHER = re.compile(r"\b(?:other|another|rest|others)\b", re.I)
ITEM_WORD_MIN_CHARS = 3
ITEM_WORD_MIN_SCORE = 85.0
"""Spelling closeness (rapidfuzz ratio) for a heard word to name an item: an answer about
it may lead to a dispute, so "hello" does not name the Shell station."""
AMOUNT_MIN_CONFIDENCE = 0.9  # "$80", "eighty dollars": an amount the caller surely said
AMOUNT_ROUNDING_SHARE = Decimal("0.1")
"""A caller rounds ("twelve hundred bucks" for $1,249.99): an amount this close (a share of
the item's) names the item when no other item's amount is as close."""
_IGNORED_ITEM_WORDS = frozenset({"the", "and", "online", "store", "inc", "shop", "co"})


@dataclass(slots=True)
class ItemAnswers:
    """Item index -> True (yes, theirs) or False (no); `unclear` when words could not be
    placed or an item got both answers."""

    answers: dict[int, bool] = field(default_factory=dict)
    unclear: bool = False


def answers_by_item(
    text: str, items: Sequence[dict[str, Any]], fields: Sequence[str], asked: int | None = 0
) -> ItemAnswers:
    """What the caller answered about each of `items`; `asked` is the one the question named
    (None: no question was asked, so a yes or no that names no item is about none).
    An answer after a self-correction ("oh wait, yes") replaces the ones before it."""
    corrections = list(_SELF_CORRECTION.finditer(text))
    if corrections:
        later = _answers(text[corrections[-1].end() :], items, fields, asked)
        if later.answers and not later.unclear:
            earlier = _answers(text[: corrections[-1].start()], items, fields, asked)
            return ItemAnswers({**({} if earlier.unclear else earlier.answers), **later.answers})
    return _answers(text, items, fields, asked)


def _answers(
    text: str, items: Sequence[dict[str, Any]], fields: Sequence[str], asked: int | None
) -> ItemAnswers:
    result = ItemAnswers()
    placed: list[tuple[list[int], bool | None, bool, bool]] = []  # items, answer, other, but
    for clause, contrast, asks in _clauses(text):
        indices = _items_named(clause, items, fields)
        if not indices and _mentions_amount(clause):  # an amount that is none of the items
            result.unclear = True
        answer = None if asks else _polarity(clause)  # "why did you call me?" answers nothing
        placed.append((indices, answer, _is_other(clause), contrast))
    named = {index for indices, _, _, _ in placed for index in indices}
    previous: bool | None = None
    pending: list[int] = []  # items named without a yes or no yet
    pending_contrast = False
    unplaced: list[bool] = []  # answers of clauses that name no item
    for indices, answer, other, contrast in placed:
        if answer is None:
            if indices:  # "the Apple one and the StreamFlix one are not me": the next answer
                pending_contrast = pending_contrast or (contrast and not pending)
                pending += indices
            continue
        if not indices and other:  # "the other one", "the rest": every item not named
            indices = [i for i in range(len(items)) if i not in named | result.answers.keys()]
            if not indices:
                result.unclear = True
                continue
        if pending and contrast and previous is not None:  # "the Shell one, but not the Apple"
            _give(result, pending, not previous if pending_contrast else previous)
            pending = []
        if pending and contrast and indices:  # "the gas and StreamFlix, but not the Apple one"
            _give(result, pending, not answer)
            pending = []
        if pending:  # "the gas, yeah, that's mine"; "the Apple and the StreamFlix are not me"
            _give(result, pending, answer)
            pending = []
            if not indices:
                previous = answer
                continue
        previous = answer
        if not indices:
            unplaced.append(answer)
            continue
        _give(result, indices, answer)
    if pending and previous is not None:  # "I made the Shell and the StreamFlix ones"
        _give(result, pending, not previous if pending_contrast else previous)
    for answer in unplaced if asked is not None else []:  # about the item asked about
        if result.answers.get(asked, answer) != answer:  # "No! ... That's not me." agree
            result.unclear = True
        elif asked not in named or asked in result.answers:
            result.answers[asked] = answer
        else:
            result.unclear = True
    return result


def _give(result: ItemAnswers, indices: list[int], answer: bool) -> None:
    """Record `answer` for the items; one that already has the other answer is unclear."""
    for index in indices:
        if result.answers.get(index, answer) != answer:
            result.unclear = True
        result.answers[index] = answer


def _clauses(text: str) -> list[tuple[str, bool, bool]]:
    """The clauses of `text`, each with whether it follows a contrast ("but", "though") and
    whether it asks a question."""
    parts = _CLAUSES.split(text)
    found: list[tuple[str, bool, bool]] = []
    contrast = False
    for index, part in enumerate(parts):
        if index % 2:  # a separator
            contrast = contrast or (part or "").lower() in _CONTRASTS
            continue
        if part and part.strip():
            ends_asking = index + 1 < len(parts) and parts[index + 1] == "?"
            found.append((part, contrast, ends_asking or is_question(part)))
            contrast = False
    return found


def _items_named(clause: str, items: Sequence[dict[str, Any]], fields: Sequence[str]) -> list[int]:
    heard = words(clause)
    found = [
        index for index, item in enumerate(items)
        if any(_field_named(heard, clause, item.get(name)) for name in fields)
    ]  # fmt: skip
    if found:
        return found
    rounded = _rounded_amount_named(clause, items, fields)
    if rounded is not None:
        return [rounded]
    for word, position in _POSITIONS.items():
        if word in heard and len(items) > 1:
            return [position % len(items)]
    return []


def _field_named(heard: list[str], clause: str, value: Any) -> bool:
    if value is None:
        return False
    amount = _amount(value)
    if amount is not None:  # "the eight ninety nine one": the pronoun is no cent
        readings = (extract("amount", clause), extract("amount", _PRONOUN_ONE.sub(" ", clause)))
        return any(said is not None and said.value == amount for said in readings)
    return any(
        sounds_like(word, spoken, ITEM_WORD_MIN_SCORE)
        for word in words(str(value))
        if len(word) >= ITEM_WORD_MIN_CHARS and word not in _IGNORED_ITEM_WORDS
        for spoken in heard
    )


def _rounded_amount_named(
    clause: str, items: Sequence[dict[str, Any]], fields: Sequence[str]
) -> int | None:
    """The one item whose amount the clause's amount is a rounding of, or None."""
    said = extract("amount", clause)
    if said is None or said.confidence < AMOUNT_MIN_CONFIDENCE:
        return None
    near = []
    for index, item in enumerate(items):
        for name in fields:
            amount = _amount(item.get(name))
            if amount and abs(amount - Decimal(said.value)) <= amount * AMOUNT_ROUNDING_SHARE:
                near.append(index)
    return near[0] if len(near) == 1 else None


def _mentions_amount(clause: str) -> bool:
    said = extract("amount", clause)
    return said is not None and said.confidence >= AMOUNT_MIN_CONFIDENCE


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return None
    try:
        text = str(value)
        return Decimal(text) if re.fullmatch(r"\d+\.\d{2}", text) else None
    except InvalidOperation:
        return None


def _polarity(clause: str) -> bool | None:
    if _DENIED.search(clause):
        return False
    if _OWNED.search(clause) or _ELLIPSIS_OWNED.search(clause.strip(" .!")):
        return True
    return None


def _is_other(clause: str) -> bool:
    return _OTHER.search(clause) is not None
