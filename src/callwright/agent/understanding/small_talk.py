"""Small talk: hello, thanks, yes, no, okay and goodbye, told before any intent is matched.

An utterance is small talk when every word of it is a small-talk word and one of the cue
phrases is said ("okay thank you so much bye bye"). "I'll call back Saturday" is a goodbye
too: the caller will ring again, they do not ask to be called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from callwright.agent.understanding.questions import is_question
from callwright.agent.understanding.words import words

GOODBYE, THANKS, HELLO, YES, NO, ACK = "goodbye", "thanks", "hello", "yes", "no", "ack"
SMALL_TALK_INTENTS = (GOODBYE, THANKS, HELLO, YES, NO, ACK)

_SMALL_TALK_CUES = (
    (
        GOODBYE,
        """bye | goodbye | that is all | that is it | that is everything | that will be all |
        that was all | that was it | that is about it | that should be it | nothing else |
        have a good | have a nice | have a great | have a lovely | take care | see you |
        talk to you later | all set | i am good | i am done | i am fine | no thank | no thanks |
        good night | that is all i needed | that is all i wanted""",
    ),
    (THANKS, "thank | thanks | appreciate | cheers"),
    (HELLO, "hello | hi | hey | good morning | good afternoon | good evening"),
    (
        YES,
        """yes | yeah | yep | yup | sure | i do | i have | another question | one more |
        something else""",
    ),
    (NO, "no | nope | nah | not really | i do not think so"),
    (
        ACK,
        """ok | okay | alright | all right | great | perfect | cool | got it | i see | awesome |
        good | nice | lovely | wonderful | fine | understood | sounds good | brilliant""",
    ),
)
_SMALL_TALK_EXTRA_WORDS = """a the so very much lot you for your help info information then oh
    well right it that is was all day one evening night afternoon weekend again really just i
    am have had needed need what wanted to know me there everything think great thing question
    and anyway anyways though now today guys folks""".split()
_CALLING_BACK = re.compile(
    r"\bi(?:'ll| will|'m going to| am going to|'m gonna| am gonna)\s+(?:just\s+)?"
    r"(?:call|ring|phone|try)\s+(?:you\s+|again\s+)?(?:back|again|later)\b",
    re.I,
)
"""The caller will call again themselves: a goodbye, never a request to be called back."""



class SmallTalk:
    """Tells small talk from a request, with the agent's own goodbye phrases added."""

    def __init__(self, goodbye_phrases: Iterable[str] = ()) -> None:
        self._cues = [
            (intent, [f" {cue.strip()} " for cue in text.split("|")])
            for intent, text in _SMALL_TALK_CUES
        ]
        extra = [" ".join(words(phrase)) for phrase in goodbye_phrases]
        self._cues[0][1].extend(f" {phrase} " for phrase in extra if phrase)
        self._words = {w for _, cues in self._cues for cue in cues for w in cue.split()}
        self._words.update(_SMALL_TALK_EXTRA_WORDS)

    def recognise(self, text: str, tokens: list[str]) -> str | None:
        """The small-talk intent of `text` (its normalised words `tokens`), or None."""
        if all(token in self._words for token in tokens):
            joined = f" {' '.join(tokens)} "
            for intent, cues in self._cues:
                if any(cue in joined for cue in cues):
                    return intent
        if _CALLING_BACK.search(text) and not is_question(text):
            return GOODBYE
        return None
