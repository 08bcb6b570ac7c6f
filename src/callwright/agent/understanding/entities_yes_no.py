"""Yes or no: from the phrases said, the longest phrase winning ("no problem" is a yes, "not
right" a no); with both, the last one counts, with low confidence ("no, sorry, yes"). The words of
a question never answer ("why exactly did you call?")."""

from __future__ import annotations

import re

from callwright.agent.understanding.entity import YES_NO, Entity
from callwright.agent.understanding.numbers import span, tokenize
from callwright.agent.understanding.questions import is_question

YES_PHRASES = """yes | yeah | yep | yup | ya | yah | yes please | sure | sure thing | of course |
    absolutely | definitely | certainly | correct | thats correct | that is correct | thats right |
    that is right | right | exactly | affirmative | go ahead | please do | do it | ok | okay |
    alright | all right | sounds good | sounds great | that works | works for me | perfect |
    i do | yes it is | that is me | thats me | it was | i did | uh huh | mhm | mm hmm | mmhmm |
    confirm | confirmed | indeed | you got it | you bet | that would be great | fine |
    why not | no problem | yes maam | yes sir | that is it | thats it | i think so | it is"""
NO_PHRASES = """no | nope | nah | not really | no thanks | no thank you | negative | thats wrong |
    that is wrong | wrong | incorrect | i dont | i do not | i did not | i didnt | dont |
    do not | it isnt | it is not | it wasnt | it was not | not me | wasnt me | that wasnt me |
    never | cancel that | no way | not at all | i dont think so | rather not | id rather not |
    not now | not yet | please dont | dont do that | i never | absolutely not | of course not |
    definitely not | certainly not | sure not | not my call | not up to me | not my decision |
    not my choice"""
UNSURE_PHRASES = "not sure | im not sure | i dont know | dont know | maybe | i guess not sure"
NEGATION_WORDS = frozenset({"not", "dont", "isnt", "wasnt", "never", "didnt", "arent"})
CONFIDENCE_YES_NO = 0.95
CONFIDENCE_YES_NO_HEDGED = 0.85  # a yes-or-no phrase amid other words
CONFIDENCE_YES_NO_MIXED = 0.55  # both said: the last one counts
BARE_PLEASE_WORDS_MAX = 2  # "please", "that please": a yes whose "yes" the line swallowed
SOFT_YES_PHRASES = frozenset({"okay", "ok", "fine", "alright", "all right", "good", "cool"})


def _phrases(table: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(phrase.split()) for phrase in table.split("|"))


_POLARITY = {
    **{phrase: True for phrase in _phrases(YES_PHRASES)},
    **{phrase: False for phrase in _phrases(NO_PHRASES)},
    **{phrase: None for phrase in _phrases(UNSURE_PHRASES)},
}
_LONGEST_PHRASE_WORDS = max(len(phrase) for phrase in _POLARITY)


_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _answering_part(text: str) -> str:
    """The words of `text` that can answer: a question's words ask instead ("why exactly did
    you call?"), except a lead-in before its first comma ("okay, and when is it?")."""
    kept = []
    for sentence in _SENTENCES.split(text):
        if is_question(sentence):
            sentence = sentence.split(",", 1)[0] if "," in sentence else ""
            if is_question(sentence):
                continue
        kept.append(sentence)
    return " ".join(kept)


def extract_yes_no(text: str) -> Entity | None:
    """True for a yes ("yeah", "that's right", "go ahead", a bare "please"), False for a no,
    None for neither; never from the words of a question."""
    text = _answering_part(text)
    tokens = tokenize(text, keep_fillers=True)
    words = [token.word for token in tokens]
    said: list[tuple[int, int, bool | None]] = []  # (first, stop, polarity) of each phrase
    index = 0
    while index < len(words):
        size = next(
            (size for size in range(min(_LONGEST_PHRASE_WORDS, len(words) - index), 0, -1)
             if tuple(words[index : index + size]) in _POLARITY),
            0,
        )  # fmt: skip
        if not size:
            index += 1
            continue
        polarity, first = _POLARITY[tuple(words[index : index + size])], index
        if polarity and index > 0 and words[index - 1] in NEGATION_WORDS:
            polarity, first = False, index - 1  # "not correct", "don't go ahead"
            if said and said[-1][1] > first:
                said.pop()  # the negation was taken for a "no" of its own
        said.append((first, index + size, polarity))
        index += size
    decided = [item for item in said if item[2] is not None]
    if not decided:
        if "please" in words and not said and len(words) <= BARE_PLEASE_WORDS_MAX:
            index = words.index("please")
            return Entity(YES_NO, True, span(text, tokens, index, index + 1),
                          CONFIDENCE_YES_NO_HEDGED)
        return None
    if decided[0][2] is False and all(
        value and _is_soft_yes(words[first:stop]) for first, stop, value in decided[1:]
    ):  # "no, that's okay", "nah, it's fine": a polite no
        decided = [decided[0]]
        said = decided
    first, stop, value = decided[-1]
    if len(decided) < len(said) or len({item[2] for item in decided}) > 1:
        confidence = CONFIDENCE_YES_NO_MIXED
    elif sum(stop - first for first, stop, _ in said) >= len(words) - 1:
        confidence = CONFIDENCE_YES_NO
    else:
        confidence = CONFIDENCE_YES_NO_HEDGED
    return Entity(YES_NO, value, span(text, tokens, first, stop), confidence)


def _is_soft_yes(phrase: list[str]) -> bool:
    """A word of acceptance that after a "no" only softens it ("okay", "fine")."""
    return " ".join(phrase) in SOFT_YES_PHRASES
