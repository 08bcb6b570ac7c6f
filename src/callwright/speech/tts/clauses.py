"""Cutting a reply into clauses that are synthesized and played one after another.

The first clause decides how soon the caller hears the agent, so replies are cut
at sentence ends, and a long sentence again at a comma, semicolon or colon.
Short pieces are merged with a neighbour: a lone "Sure." or "Yes," sounds
clipped when synthesized on its own. Cuts happen only after
whitespace, so "$45.00", "9:30", "1,200" and "e.g." stay whole, and a full stop
after a known abbreviation or an initial does not end a sentence. When unsure,
we do not cut: a longer clause costs a little latency, a wrong cut costs prosody.
"""

from __future__ import annotations

import re

MIN_CLAUSE_WORDS = 3  # shortest sentence spoken on its own
MIN_COMMA_CLAUSE_WORDS = 5  # shortest piece of a sentence cut at a comma
LONG_SENTENCE_CHARS = 90  # sentences longer than this are cut again at commas
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*$")
CLAUSE_END = re.compile(r"[,;:]$")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e a.m p.m approx dept ave blvd rd inc ltd co "
    "mt ft apt est min max tel ext".split()
)


def split_clauses(text: str) -> list[str]:
    """Reply text -> clauses in speaking order (whitespace normalised, nothing dropped)."""
    clauses: list[str] = []
    for sentence in _merge_short(_sentences(text.split()), MIN_CLAUSE_WORDS):
        if len(" ".join(sentence)) > LONG_SENTENCE_CHARS:
            parts = _merge_short(_comma_parts(sentence), MIN_COMMA_CLAUSE_WORDS)
            clauses.extend(" ".join(part) for part in parts)
        else:
            clauses.append(" ".join(sentence))
    return clauses


def _sentences(words: list[str]) -> list[list[str]]:
    sentences: list[list[str]] = []
    current: list[str] = []
    for word in words:
        current.append(word)
        if SENTENCE_END.search(word) and not _is_abbreviation(word):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def _is_abbreviation(word: str) -> bool:
    if word.endswith(("!", "?")):
        return False
    stem = word.rstrip(".\"')]").lower()
    return stem in ABBREVIATIONS or (len(stem) == 1 and stem.isalpha() and word[0].isupper())


def _comma_parts(words: list[str]) -> list[list[str]]:
    parts: list[list[str]] = []
    current: list[str] = []
    for word in words:
        current.append(word)
        if CLAUSE_END.search(word):
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return parts


def _merge_short(pieces: list[list[str]], min_words: int) -> list[list[str]]:
    """Join pieces into clauses of at least `min_words` words.

    A clause never ends right after a piece under MIN_CLAUSE_WORDS words, so a list
    ("Monday, Tuesday, Wednesday,") is not cut between its items. A short tail joins the
    clause before it.
    """
    merged: list[list[str]] = []
    carry: list[str] = []
    for piece in pieces:
        carry = carry + piece
        if len(carry) >= min_words and len(piece) >= MIN_CLAUSE_WORDS:
            merged.append(carry)
            carry = []
    if carry:
        if merged:
            merged[-1] = merged[-1] + carry
        else:
            merged.append(carry)
    return merged
