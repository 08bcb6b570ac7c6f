"""What an entity extractor found in a caller's words: the value, where it was, how sure."""

from __future__ import annotations

from dataclasses import dataclass

DATE, TIME, PERSON_NAME, PHONE_NUMBER = "date", "time", "person_name", "phone_number"
NUMBER, AMOUNT, YES_NO, CHOICE, TEXT = "number", "amount", "yes_no", "choice", "text"
KINDS = (DATE, TIME, PERSON_NAME, PHONE_NUMBER, NUMBER, AMOUNT, YES_NO, CHOICE, TEXT)


@dataclass(frozen=True, slots=True)
class PersonName:
    """A caller's name, capitalised: PersonName("Maria", "Lopez")."""

    first: str
    last: str
    spelled_last: bool = False
    """The last name came from letters the caller spelled ("L-O-P-E-Z"), not from hearing it."""

    def __str__(self) -> str:
        return f"{self.first} {self.last}".strip()


@dataclass(frozen=True, slots=True)
class Entity:
    """One value found in an utterance."""

    kind: str
    """One of `KINDS`."""
    value: object
    """date, time, PersonName, str (E.164 phone number, digit string, choice, text), Decimal
    (amount) or bool (yes/no)."""
    text: str
    """The span of the utterance the value came from."""
    confidence: float
    """0-1: lower when the reading is a guess (a two-digit year, "the 5th" with no month)."""
