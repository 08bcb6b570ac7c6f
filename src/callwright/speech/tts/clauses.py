"""Cutting a reply into clauses that are synthesized and played one after another.

The first clause decides how soon the caller hears the agent, so replies are cut
at sentence ends, and a long sentence again at a comma, semicolon or colon.
Short pieces are merged with a neighbour: a lone "Sure." or "Yes," sounds
clipped when synthesized on its own. Cuts happen only after
whitespace, so "$45.00", "9:30", "1,200" and "e.g." stay whole, and a full stop
after a known abbreviation or an initial does not end a sentence. When unsure,
we do not cut: a longer clause costs a little latency, a wrong cut costs prosody.

`speaking_clauses` cuts once more for speed: a long first clause loses its head (the
longest opening already synthesized, such as a template's fixed words, or the words
before a phrase boundary), so the caller hears that head at once while the rest of the
sentence is synthesized.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MIN_CLAUSE_WORDS = 3  # shortest sentence spoken on its own
MIN_COMMA_CLAUSE_WORDS = 5  # shortest piece of a sentence cut at a comma
LONG_SENTENCE_CHARS = 90  # sentences longer than this are cut again at commas
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*$")
CLAUSE_END = re.compile(r"[,;:]$")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc e.g i.e a.m p.m approx dept ave blvd rd inc ltd co "
    "mt ft apt est min max tel ext".split()
)


HEAD_WORDS_MAX = 5  # a first clause longer than this is cut after its head
HEAD_WORDS_MIN = 2  # the shortest head spoken on its own
KNOWN_HEAD_WORDS_MAX = 12  # the longest pre-synthesized opening looked for
REST_WORDS_MIN = 3  # what follows the head must be a phrase of its own
PHRASE_STARTS = frozenset(
    "from to at on for with and or but that which because so in by about until".split()
)
"""Words that begin a phrase: a cut before one keeps the prosody of both parts."""


def speaking_clauses(text: str, known: Callable[[str], bool] = lambda _: False) -> list[str]:
    """`split_clauses`, with the first clause cut after its head when it is long.

    The head is the longest opening `known` says is synthesized already ("I'll move
    your" of "I'll move your cleaning from Tuesday ..."), else the words before the last
    phrase boundary within `HEAD_WORDS_MAX` words ("Your refill" | "for Lisinopril is
    ready"). Without either, the clause stays whole.
    """
    clauses = split_clauses(text)
    if not clauses:
        return clauses
    words = clauses[0].split()
    head = _head_words(words, known)
    if head:
        clauses[:1] = [" ".join(words[:head]), " ".join(words[head:])]
    return clauses


def _head_words(words: list[str], known: Callable[[str], bool]) -> int:
    """How many of a first clause's words are spoken alone first (0: none)."""
    if len(words) <= HEAD_WORDS_MAX:
        return 0
    longest = min(KNOWN_HEAD_WORDS_MAX, len(words) - REST_WORDS_MIN)
    for count in range(longest, HEAD_WORDS_MIN - 1, -1):
        if known(" ".join(words[:count])):
            return count
    for count in range(min(HEAD_WORDS_MAX, len(words) - REST_WORDS_MIN), HEAD_WORDS_MIN - 1, -1):
        following = words[count].lower().strip(",;:")
        if following in PHRASE_STARTS or CLAUSE_END.search(words[count - 1]):
            return count
    return 0


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
