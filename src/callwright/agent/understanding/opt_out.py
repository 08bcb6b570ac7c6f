"""A callee's "do not call me again": the words that take a number off a calling list.

Outbound calls (reminders, alerts) must honour it at once, whatever the call was about, so it
is read before anything else the callee says. It needs a word about calling or a list
together with stopping, never or removal: "stop, I mean Tuesday", "can you call me back
later" and "don't call me before noon" keep the call going. Phrases are matched over
`words` (contractions expanded, punctuation gone), with the spellings a phone line's
transcript gives them ("stop collin me", "take me of you are list", "un subscribe").
"""

from __future__ import annotations

import re

from callwright.agent.understanding.words import words

_CALLING = r"(?:calling|caling|callin|collin|colin|calls|phoning|ringing|contacting|bothering)"
_CALL = r"(?:call|phone|ring|contact|text|bother)"
_ME = r"(?:me|us|my number|this number|my phone|this phone|here|my house|my home)"
_LIST = (
    r"(?:(?:calling|call|phone|contact|mailing|marketing|reminder|your|this|the) )?"
    r"(?:list|lists|database|system|records)"
)
_NOT = r"(?:do not|don not|dont|never|not|no|stop)"
_PHRASES = (
    rf"\b(?:stop|quit|cease|please stop|stop stop) {_CALLING} {_ME}\b",
    rf"\b(?:stop|quit|no more|enough) {_CALLING}\b(?! (?:me )?(?:back|later|tomorrow))",
    rf"\b{_NOT} (?:ever )?{_CALL} {_ME} (?:ever )?(?:again|anymore|any more|no more)\b",
    rf"\bnever {_CALL} {_ME}\b(?! (?:before|after|at|on|during|between|until|till))",
    r"\b(?:take|remove|delete|drop|get|scratch|cross) (?:me|us|my (?:phone )?number|my name"
    r"|this (?:phone )?number)(?: off| of| from| out of| out from)(?: of)?(?: you are| your| you"
    rf"| the| this| our| ya)? {_LIST}\b",
    r"\b(?:remove|delete|erase) (?:my|this) (?:phone )?number\b(?! (?:from|on) my account)",
    r"\bdo not call (?:list|lists|registry|register)\b|\bdon not call list\b"
    r"|\bno call list\b",
    r"\bun ?subscribe\b|\bunsubscribed\b|\bopt (?:me |us )?out\b",
    r"\b(?:i|we) (?:do not|don not) want (?:any )?(?:more |these |your |any more )?"
    r"(?:of (?:these|your) )?calls\b",
    r"\b(?:no|stop the|stop these|stop your|stop all) (?:more )?(?:robo ?)?calls\b",
)
_OPT_OUT = re.compile("|".join(f"(?:{phrase})" for phrase in _PHRASES))


def asks_not_to_be_called(text: str) -> bool:
    """Whether the callee asks not to be called again ("take me off your list", "stop
    calling me", "unsubscribe", "put me on the do not call list")."""
    return _OPT_OUT.search(" ".join(words(text))) is not None
