"""Who the caller is: a person's name (heard and spelled) and a phone number.

A name is taken after a cue ("my name is", "this is", "it's", "I'm", "call me"), before one
("... here", "... speaking"), from "Last, First", or from an utterance that is nothing but a
name. Common words are never a name ("yes", "hi", "my birthday is ..."). Letters the caller
spells ("L-O-P-E-Z", "l o p e z") replace the heard word they are closest to, the last name
when in doubt, since speech-to-text mishears surnames far more than it mishears letters.
A phone number is the run of digits that has a valid length for the region, in E.164.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from callwright.agent.understanding.entity import PERSON_NAME, PHONE_NUMBER, Entity, PersonName
from callwright.agent.understanding.numbers import Token, best_reading, number_runs, span, tokenize

NAME_CUES = (
    ("my", "name", "is"), ("my", "names"), ("name", "is"), ("the", "name", "is"),
    ("this", "is"), ("its",), ("it", "is"), ("i", "am"), ("im",), ("call", "me"),
    ("first", "name", "is"), ("last", "name", "is"), ("surname", "is"), ("last", "name"),
    ("first", "name"), ("names",), ("speaking", "with"), ("you", "are", "speaking", "to"),
    ("youre", "speaking", "to"), ("under",), ("for",),
)  # fmt: skip
NAME_END_CUES = frozenset({"here", "speaking", "calling"})
LAST_NAME_CUES = (("last", "name"), ("surname",), ("family", "name"))
TITLES = frozenset("mr mrs ms miss mister doctor dr dr. sir madam".split())
SURNAME_PARTICLES = frozenset("de la del der da di le van von st mac du dos das".split())
NAME_WORDS_MAX = 4
SPELLED_LETTERS_MIN = 3  # a run of single letters this long is a spelling ...
SPELLED_JOINED_MIN = 2  # ... or this long when joined by hyphens or dots ("N-G")
SPELLED_MATCH_MIN = 40.0  # rapidfuzz ratio, 0-100, for letters to replace a heard word
SPELLED_SHARE_MIN = 0.6  # fewer letters than this share of the heard word: a spelling half heard
NOT_NAMES = frozenset(
    """yes yeah yep yup no nope nah sure okay ok alright right hi hello hey thanks thank please
    sorry pardon what who why how when where which that this it its is am are was were be been
    the a an and or but so my me mine your you we us our they them their he she his her i
    im id ive ill calling call phoning looking trying wanting want need needing just still
    here there speaking about regarding for from with on in at to of by up down out over
    good fine great well bad morning afternoon evening night today tomorrow yesterday
    birthday birth born date dob phone number address email order appointment booking
    account card prescription refill cancel book reschedule check help question problem
    correct wrong not do does did have has had can could would should will shall may might
    name names first last surname spelled spell spelling letter letters again repeat
    monday tuesday wednesday thursday friday saturday sunday one two three four five six
    seven eight nine ten zero oh also actually really like then now later soon something
    nothing anything everything someone somebody anyone person customer patient
    husband wife son daughter mother father mom dad friend doctor dentist pharmacy bank
    store office clinic team support sales new old same other another real all any some
    got get going go gonna wanna make made see seen said say tell told ask asked know
    think thought mean""".split()
)
"""Words that are never taken as a name."""

COUNTRY_CODES = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "AU": "61", "NZ": "64", "DE": "49",
    "FR": "33", "ES": "34", "IT": "39", "NL": "31", "IN": "91", "MX": "52",
}  # fmt: skip
NANP_CODE = "1"  # United States, Canada and the rest of the North American Numbering Plan
NANP_NATIONAL_DIGITS = 10
NATIONAL_DIGITS = (6, 11)  # other regions: national significant number, trunk 0 dropped
E164_DIGITS = (8, 15)  # with the country code, after a "+"

CONFIDENCE_CUED = 0.9
CONFIDENCE_CUED_ONE_WORD = 0.6  # "it's Daniel": a first name only
CONFIDENCE_BARE = 0.75  # "Maria Lopez" with no cue
CONFIDENCE_BARE_ONE_WORD = 0.45
CONFIDENCE_SPELLED_ONLY = 0.6
SPELLED_BONUS = 0.05
CONFIDENCE_PHONE = 0.95
CONFIDENCE_PHONE_AMBIGUOUS = 0.75
CONFIDENCE_PHONE_JOINED = 0.7  # digits from several runs joined: "555, and then 123 0001"

_FIRST_SENTENCE = re.compile(r"^\s*([^.!?]+)[.!?]")
_FIRST_PIECE = re.compile(r"^\s*([^.!?,]+),")
_LETTERS = re.compile(r"\b[A-Z]{1,3}\b")  # "P.E.", "PDC": letters a spelling left
_LAST_COMMA_FIRST = re.compile(r"^\s*([^\W\d_][\w'-]*)\s*,\s*([^\W\d_][\w'-]*)\s*[.!?]?\s*$")


def extract_person_name(text: str) -> Entity | None:
    """The caller's name, capitalised, or None."""
    tokens = tokenize(text)
    spelled = _spelled_runs(text, tokens)
    in_spelling = {index for first, stop, _ in spelled for index in range(first, stop)}
    cased = text != text.lower()  # speech-to-text capitalises names, unless it writes no capitals
    found = _cued_name(text, tokens, in_spelling, cased) or _bare_name(
        text, tokens, in_spelling, cased
    )
    if found is None:
        first_sentence = _FIRST_SENTENCE.match(text)
        if first_sentence is not None and first_sentence.group(1).strip() != text.strip():
            named = extract_person_name(first_sentence.group(1))  # "Aoife Brennan. It's ..."
            if named is not None:
                return named
        first_piece = _FIRST_PIECE.match(text)  # "Maria Lopez, yellow, P.E.": a garbled spelling
        spelling_after = first_piece is not None and (
            spelled or _LETTERS.search(text[first_piece.end():]) is not None
        )  # not "Lumen Health, we need reporting", a company
        named = extract_person_name(first_piece.group(1)) if spelling_after else None
        if named is not None and named.value.first and named.value.last:
            return named
        if not spelled:
            return None
        first, stop, letters = spelled[0]
        name = PersonName("", letters.capitalize(), spelled_last=True)
        return Entity(PERSON_NAME, name, span(text, tokens, first, stop), CONFIDENCE_SPELLED_ONLY)
    indices, confidence, last_only = found
    parts = [_capitalise(tokens[index].raw) for index in indices]
    if len(parts) == 1 and spelled:
        last_only = True  # a single word that the caller spells is their surname
    spelled_last = False
    first_index, stop_index = min(indices), max(indices) + 1
    for run_first, run_stop, letters in spelled:
        scores = [fuzz.ratio(letters, part.lower()) for part in parts]
        best = max(range(len(parts)), key=lambda position: (scores[position], position))
        if scores[best] < SPELLED_MATCH_MIN:
            best = len(parts) - 1
        elif len(letters) < SPELLED_SHARE_MIN * len(parts[best]):
            continue  # "Lopez, P-E": the heard word is surer than what was heard of its letters
        parts[best] = letters.capitalize()
        spelled_last = spelled_last or best == len(parts) - 1
        first_index, stop_index = min(first_index, run_first), max(stop_index, run_stop)
        confidence = min(CONFIDENCE_CUED + SPELLED_BONUS, confidence + SPELLED_BONUS)
    name = _split_name(parts, last_only)
    if not name.last:
        spelled_last = False
    return Entity(
        PERSON_NAME,
        PersonName(name.first, name.last, spelled_last),
        span(text, tokens, first_index, stop_index),
        confidence,
    )


def _cued_name(
    text: str, tokens: list[Token], skip: set[int], cased: bool
) -> tuple[list[int], float, bool] | None:
    words = [token.word for token in tokens]
    for index in range(len(tokens)):
        for cue in NAME_CUES:
            if tuple(words[index : index + len(cue)]) != cue:
                continue
            start = index + len(cue)
            while start < len(tokens) and tokens[start].word in TITLES:
                start += 1
            indices = _name_words(text, tokens, start, skip, cased)
            if indices:
                last_only = any(cue[: len(c)] == c for c in LAST_NAME_CUES)
                one = len(indices) == 1 and not last_only
                return indices, CONFIDENCE_CUED_ONE_WORD if one else CONFIDENCE_CUED, last_only
    for index, word in enumerate(words):
        if word in NAME_END_CUES and index > 0:
            start = index
            while start > 0 and _is_name_word(tokens[start - 1], cased) and start - 1 not in skip:
                start -= 1
            if start == 0 or words[start - 1] in ("yes", "yeah", "hi", "hello", "hey"):
                indices = list(range(start, index))[-NAME_WORDS_MAX:]
                if indices:
                    one = len(indices) == 1
                    return indices, CONFIDENCE_CUED_ONE_WORD if one else CONFIDENCE_CUED, False
    return None


def _bare_name(
    text: str, tokens: list[Token], skip: set[int], cased: bool
) -> tuple[list[int], float, bool] | None:
    """An utterance that is nothing but a name, after a greeting or a yes: "Maria Lopez"."""
    comma = _LAST_COMMA_FIRST.match(text)
    if comma and all(_is_name_word(token, cased) for token in tokens):
        return [1, 0], CONFIDENCE_BARE, False
    start = 0
    while start < len(tokens) and tokens[start].word in ("yes", "yeah", "hi", "hello", "sure"):
        start += 1
    stop = len(tokens)
    while stop > start and tokens[stop - 1].word in ("thanks", "please", "thank", "you"):
        stop -= 1
    indices = [index for index in range(start, stop) if index not in skip]
    if not indices or not all(_is_name_word(tokens[index], cased) for index in indices):
        return None
    indices = _longest_piece(text, tokens, indices)  # "James. James Wilson."
    if len(indices) > NAME_WORDS_MAX:
        return None
    one = len(indices) == 1
    return indices, CONFIDENCE_BARE_ONE_WORD if one else CONFIDENCE_BARE, False


def _name_words(
    text: str, tokens: list[Token], start: int, skip: set[int], cased: bool
) -> list[int]:
    """Indices of the name that starts at tokens[start]; the longest piece between commas."""
    stop = start
    while stop < len(tokens) and stop - start < 2 * NAME_WORDS_MAX:
        if stop in skip or not _is_name_word(tokens[stop], cased):
            break
        stop += 1
    return _longest_piece(text, tokens, list(range(start, stop)))[:NAME_WORDS_MAX]


def _longest_piece(text: str, tokens: list[Token], indices: list[int]) -> list[int]:
    """The longest run of `indices` not split by a comma or full stop, the last on a tie.

    A spelling between two words ("Marya, M-A-R-I-A, Lopez") does not split them.
    """
    pieces: list[list[int]] = [[]]
    for index in indices:
        previous = pieces[-1][-1] if pieces[-1] else None
        gap = text[tokens[previous].end : tokens[index].start] if previous == index - 1 else ""
        if re.search(r"[,.;]", gap):
            pieces.append([])
        pieces[-1].append(index)
    return max(reversed(pieces), key=len)


def _is_name_word(token: Token, cased: bool) -> bool:
    """Whether a word can be part of a name; in cased text a name is capitalised."""
    if cased and token.raw[0].islower() and token.word not in SURNAME_PARTICLES:
        return False
    return len(token.word) >= 2 and token.word.isalpha() and token.word not in NOT_NAMES


def _spelled_runs(text: str, tokens: list[Token]) -> list[tuple[int, int, str]]:
    """(first, stop, letters) of each spelled word: "L-O-P-E-Z", "l o p e z", "double L"."""
    runs: list[tuple[int, int, str]] = []
    index = 0
    while index < len(tokens):
        letters, stop, joined = "", index, True
        while stop < len(tokens):
            word = tokens[stop].word
            if word == "double" and stop + 1 < len(tokens) and len(tokens[stop + 1].word) == 1:
                letters += tokens[stop + 1].word * 2
                stop += 2
            elif len(word) == 1 and word.isalpha():
                if stop > index and text[tokens[stop - 1].end : tokens[stop].start] not in "-.":
                    joined = False
                letters += word
                stop += 1
            else:
                break
        if len(letters) >= SPELLED_LETTERS_MIN or (joined and len(letters) >= SPELLED_JOINED_MIN):
            runs.append((index, stop, letters))
        index = max(stop, index + 1)
    return runs


def _split_name(parts: list[str], last_only: bool) -> PersonName:
    if last_only and len(parts) == 1:
        return PersonName("", parts[0])
    if len(parts) == 1:
        return PersonName(parts[0], "")
    last_start = len(parts) - 1
    while last_start > 1 and parts[last_start - 1].lower() in SURNAME_PARTICLES:
        last_start -= 1
    return PersonName(" ".join(parts[:last_start]), " ".join(parts[last_start:]))


def _capitalise(raw: str) -> str:
    """ "maria" and "MARIA" -> "Maria", "o'brien" -> "O'Brien"; "McDonald" and "de" stay."""
    if raw != raw.lower() and raw != raw.upper():
        return raw
    if raw.lower() in SURNAME_PARTICLES and raw == raw.lower():
        return raw
    return "-".join(
        "'".join(piece.capitalize() for piece in part.split("'")) for part in raw.split("-")
    )


def extract_phone_number(text: str, default_region: str = "US") -> Entity | None:
    """The phone number in `text` in E.164 ("+15551230001"), or None.

    Args:
        default_region: ISO country code of a number said without "+" and a country code.
    """
    code = COUNTRY_CODES.get(default_region.upper())
    if code is None:
        known = ", ".join(sorted(COUNTRY_CODES))
        raise ValueError(f"unknown phone region {default_region!r}; use one of {known}")
    tokens = tokenize(text)
    runs = number_runs(tokens)
    for run in runs:
        before = text[: tokens[run.first].start].rstrip(" (")
        plus = before.endswith("+") or (run.first > 0 and tokens[run.first - 1].word == "plus")
        for reading in run.readings:
            number = _e164(reading.digits, code, plus)
            if number is not None:
                clear = best_reading(run, len(reading.digits))
                confidence = CONFIDENCE_PHONE if clear and clear[1] else CONFIDENCE_PHONE_AMBIGUOUS
                spoken = text[len(before.rstrip("+(")) : tokens[run.stop - 1].end]
                return Entity(PHONE_NUMBER, number, spoken.lstrip(), confidence)
    if len(runs) > 1:
        joined = "".join(run.readings[0].digits for run in runs)
        number = _e164(joined, code, plus=False)
        if number is not None:
            spoken = span(text, tokens, runs[0].first, runs[-1].stop)
            return Entity(PHONE_NUMBER, number, spoken, CONFIDENCE_PHONE_JOINED)
    return None


def _e164(digits: str, code: str, plus: bool) -> str | None:
    """ "+<country code><number>" for digits said with or without a country code, or None."""
    if plus:
        return f"+{digits}" if E164_DIGITS[0] <= len(digits) <= E164_DIGITS[1] else None
    if code == NANP_CODE:
        if len(digits) == NANP_NATIONAL_DIGITS + 1 and digits.startswith(NANP_CODE):
            digits = digits[1:]
        valid = len(digits) == NANP_NATIONAL_DIGITS and digits[0] not in "01"  # area code
        return f"+1{digits}" if valid else None
    if digits.startswith("0"):
        digits = digits[1:]
    elif digits.startswith(code) and len(digits) > NATIONAL_DIGITS[1]:
        digits = digits[len(code) :]
    if NATIONAL_DIGITS[0] <= len(digits) <= NATIONAL_DIGITS[1]:
        return f"+{code}{digits}"
    return None
