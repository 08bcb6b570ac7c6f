"""Reading one utterance for every slot the agent could use now, asked or not.

Callers give details out of order and several at once ("this is Maria Lopez, born March
14th 1985, I'd like a cleaning with Doctor Chen next Tuesday afternoon"). `read_slots` finds
each candidate slot's value in such words, and keeps two slots of one type apart by what the
words around the value say: a date in a clause about birth, or far in the past, is a birth
date, never the appointment day. Slots that any words would fill (text, yes/no) and numbers
with no length or cue are left to the question that asks for them: unasked, they would
swallow whatever was said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from callwright.agent.spec.tasks import SlotSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.entities_durations import extract_months
from callwright.agent.understanding.entities_values import extract_choice, sounds_like
from callwright.agent.understanding.words import words

UNASKED_MIN_CONFIDENCE = 0.7  # a time said unasked: not a bare "one" ("the first one")
NAME_MIN_CONFIDENCE = 0.9  # a full name after a cue ("this is", "my name is"), said unasked
BIRTH_CUES = re.compile(r"\b(born|birth|birthday|dob|d\.o\.b)\b", re.I)
PAST_DATE_MIN_YEARS = 2  # a date this many years back is a birth date, not a visit
_NUMBER_START = (
    r"\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|oh|zero)\b"
)
_CLAUSE_BREAKS = re.compile(
    rf",(?!\s*(?:{_NUMBER_START}))|[;.!?]|\b(?:and|but|also|then|so)\b", re.I
)
"""Where one detail ends and the next begins; a comma before a number stays inside a date
("March fourteenth, nineteen eighty five")."""
DAYS_PER_YEAR = 365
OPTION_WORD_MIN_CHARS = 3
TITLES = frozenset({"dr", "doctor", "mr", "mrs", "ms", "the"})


def read_slots(
    text: str, candidates: Mapping[str, SlotSpec], today: date
) -> dict[str, Any]:
    """Slot name -> value for the `candidates` that `text` gives, each at most once."""
    clauses = [c.strip() for c in _CLAUSE_BREAKS.split(text) if c and c.strip()]
    found: dict[str, Any] = {}
    dates = [_date_in(clause, today) for clause in clauses]
    for name, spec in candidates.items():
        if spec.type == "date":
            value = _date_for(spec, clauses, dates, today)
        elif spec.type in ("text", "yes_no"):
            value = _cued_text(spec, clauses) if spec.type == "text" else None
        elif spec.type == "person_name":
            entity = extract("person_name", text)
            cued = entity is not None and entity.confidence >= NAME_MIN_CONFIDENCE
            value = entity.value if cued else None
        elif spec.type == "number":
            value = _number_for(spec, clauses, today)
        elif spec.type == "choice":
            entity = extract_choice(text, spec.options, by_position=False)
            named = entity is not None and names_option(text, str(entity.value))
            value = entity.value if named else None
        else:
            entity = extract(spec.type, text, today=today, options=spec.options)
            sure = entity is not None and entity.confidence >= UNASKED_MIN_CONFIDENCE
            value = entity.value if sure else None
        if value is not None:
            found[name] = value
    return found


def names_option(text: str, option: str) -> bool:
    """Whether `text` names `option` by its own words (not "the first one"), allowing for
    words misheard on a phone line ("Doctor Chan" for Dr. Sarah Chen)."""
    heard = words(text)
    return any(
        sounds_like(word, said)
        for word in words(option)
        if len(word) >= OPTION_WORD_MIN_CHARS and word not in TITLES
        for said in heard
    )


def _date_in(clause: str, today: date) -> tuple[date, bool] | None:
    """The date said in one clause and whether the clause is about a birth date."""
    entity = extract("date", clause, today=today, past=bool(BIRTH_CUES.search(clause)))
    if entity is None or not isinstance(entity.value, date):
        return None
    return entity.value, bool(BIRTH_CUES.search(clause))


def _date_for(
    spec: SlotSpec, clauses: list[str], dates: list[tuple[date, bool] | None], today: date
) -> date | None:
    """The birth date said (the first), or the day asked for: the last one said ("I have a
    cleaning on Tuesday, can we move it to Friday")."""
    days: list[date] = []
    for clause, found in zip(clauses, dates, strict=True):
        if found is None:
            continue
        value, about_birth = found
        long_ago = (today - value).days >= PAST_DATE_MIN_YEARS * DAYS_PER_YEAR
        if spec.past and (about_birth or long_ago):
            return _past(clause, today) if about_birth else value
        if not spec.past and not about_birth and not long_ago:
            days.append(value)
    return days[-1] if days else None


def _past(clause: str, today: date) -> date | None:
    entity = extract("date", clause, today=today, past=True)
    return entity.value if entity is not None and isinstance(entity.value, date) else None


def _number_for(spec: SlotSpec, clauses: list[str], today: date) -> str | int | None:
    """A number said unasked: of the slot's exact length, or next to one of its cues."""
    for clause in clauses:
        months = extract_months(clause, today, unasked=True) if spec.unit == "months" else None
        if months is not None:  # "we need it in six weeks"
            return months.value
        entity = extract("number", clause, digits=spec.digits)
        if entity is None:
            continue
        if spec.digits is not None and len(str(entity.value)) == spec.digits:
            return str(entity.value)
        if spec.digits is None and _has_cue(spec, clause):
            return entity.value
    return None


def numbers_named(spec: SlotSpec, text: str) -> list[str]:
    """Every number of the slot's exact length said, in order and once each ("forty-four
    seventeen and fifty-five twenty-one": two prescriptions)."""
    if spec.type != "number" or spec.digits is None:
        return []
    found: list[str] = []
    for clause in _CLAUSE_BREAKS.split(text):
        entity = extract("number", clause or "", digits=spec.digits) if clause else None
        value = str(entity.value) if entity is not None else ""
        if len(value) == spec.digits and value not in found:
            found.append(value)
    return found


def _cued_text(spec: SlotSpec, clauses: list[str]) -> str | None:
    for clause in clauses:
        if _has_cue(spec, clause):
            return clause
    return None


def _has_cue(spec: SlotSpec, clause: str) -> bool:
    lowered = f" {clause.lower()} "
    return any(f" {cue.lower()} " in lowered or f" {cue.lower()}s " in lowered for cue in spec.cues)
