"""The clauses of a caller's sentence, and which of them ask for something.

A caller's request is often one clause of a longer sentence ("the shoes don't fit, I need to
return them"), or one of two questions ("where are you, and can I park?"). The intent
matcher reads each clause apart (intents.py); this module says where clauses break, which
ones ask or request (the rest only tell a story) and what the caller turns away from.
"""

from __future__ import annotations

import re

from callwright.agent.understanding.questions import is_question

CLAUSE_BREAKS = re.compile(
    r"[,.;!?]|\b(?:but|and|so|because|cause|since)\b"
    r"|(?<!\bdo)(?<!\bdid)(?<!\bcan)(?<!\bcould)(?<!\bwould)(?<!\bwill)(?<!\bshould)"
    r"\s(?=(?:i|i'd|i'm|we|we'd) (?:need|want|would|like|have|was|am|were|gotta)\b)"
    r"|\s(?=with\b)",
    re.I,
)
"""Where a caller's sentence may turn to the request: punctuation, conjunctions, a new
"I need ..." without punctuation (not inside a question: "how long do I have to ..."), and a
"with Doctor ..." after the request."""
NOT_WANTED = re.compile(r"\b(?:instead of|rather than)\b[^,.;!?]*", re.I)
"""What the caller turns away from ("move it instead of booking a new one"): no request."""
REQUEST = re.compile(
    r"\b(?:need|want|wanna|would like|i'd like|please|tell me|give me|send me|check|"
    r"have to|gotta|got to|going to|gonna|help)\b",
    re.I,
)
"""A clause that asks for something without a question ("and I need directions"); a clause
with neither ("like the in-office one") adds no second request."""
LEAD_IN_ONLY = re.compile(
    r"^\W*(?:(?:and|so|um|uh|also)\s+)*(?:i (?:was |am |'m )?(?:just )?(?:wondering|"
    r"want(?:ed)? to (?:know|ask)|need(?:ed)? to know|have a (?:quick )?question)|"
    r"quick question|one more (?:thing|question))\W*$",
    re.I,
)
"""A clause that only announces a question ("I wanted to know"): it is no question left open."""


def asks(clause: str) -> bool:
    """Whether a clause asks a question or requests something (else it only tells)."""
    return is_question(clause) or REQUEST.search(clause) is not None


def clauses(text: str) -> list[str]:
    """The clauses of `text`; the one a question mark ends keeps it ("..., or only cash?")."""
    parts: list[str] = []
    start = 0
    for match in CLAUSE_BREAKS.finditer(text):
        parts.append(text[start : match.start()] + ("?" if match.group() == "?" else ""))
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part.strip(" ?")]


def announces_only(clause: str) -> bool:
    """Whether a clause only announces a question ("I wanted to know")."""
    return LEAD_IN_ONLY.match(clause) is not None


def without_unwanted(text: str) -> str:
    """`text` without what the caller turns away from ("instead of booking a new one")."""
    return NOT_WANTED.sub(" ", text)
