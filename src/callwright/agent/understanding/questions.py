"""What a caller's words ask of the conversation itself, apart from their content: a question
(one the agent has no answer for gets an honest "I don't have that", not "I didn't catch
that"), to hear the last words again, a change of mind, or that they do not know."""

from __future__ import annotations

import re

_ASKS = (  # where a question may begin: also after a greeting ("yeah hi what's the price")
    r"(?:^|[,.;!]\s*|\b(?:and|but|so|also|um|uh|hi|hey|hello|yeah|okay|ok|well|oh)\s+)"
)
_QUESTION = re.compile(
    r"\?"
    rf"|{_ASKS}(?:how|what|what's|whats|where|where's|which|who|when|why)\s+(?!i\b|we\b)\w"
    rf"|{_ASKS}(?:do|does|did|can|could|is|are|will|would|have|has)\s+"
    r"(?:you|y'all|they|there|it|i|we|your|the|this|that|a|an|much|many|long|about|do|does)\b"
    r"|\bi (?:was )?(?:wonder|wondering|want to know|wanted to know|need to know)\b"
    r"|\b(?:find out|know|ask|check|see) (?:how|what|whether|if|when|where|which|why) "
    r"(?!i\b|we\b)\w",
    re.I,
)


def is_question(text: str) -> bool:
    """Whether `text` asks something ("how much is a perm", "do you do nails?", "I was
    wondering if you deliver")."""
    return _QUESTION.search(text.strip()) is not None


_REPEAT = re.compile(
    r"^\W*(?:(?:sorry|pardon|excuse me|what|huh)\W*)*"
    r"(?:what was that|what did you say|come again|say (?:that|it) again|"
    r"(?:can|could) you repeat(?: that| it)?|repeat (?:that|it)|i didn'?t (?:catch|hear|get) that|"
    r"pardon(?: me)?|sorry|what)\W*(?:please)?\W*$",
    re.I,
)


def asks_to_repeat(text: str) -> bool:
    """Whether the caller only asks to hear the agent's last words again ("sorry, what was
    that?", "come again?", "could you repeat that")."""
    return _REPEAT.match(text.strip()) is not None


_CHANGE_OF_MIND = re.compile(
    r"\b(?:instead|actually|rather|never ?mind|changed? my mind|on second thought)\b"
    r"|^\W*no\W+(?:i|i'd|i'm|we|we'd)\b",
    re.I,
)
_PAUSE_TO_THINK = re.compile(r"\b(?:hang on|hold on|wait)\b", re.I)


def changes_mind(text: str) -> bool:
    """Whether the caller turns away from what they asked for ("actually, can we move it
    instead", "no, I want to return it", "wait, I need to cancel"): another task named then
    is meant. "Wait, hold on, do I get a new card?" only asks."""
    if _CHANGE_OF_MIND.search(text) is not None:
        return True
    return _PAUSE_TO_THINK.search(text) is not None and not is_question(text)


_LEAVES_OPEN = re.compile(
    r"\b(?:(?:i )?(?:do not|don't|dont) know|not sure|no idea|hard to say|whenever|"
    r"no (?:real |set |fixed )?(?:deadline|timeline|budget|rush|preference)|"
    r"(?:have not|haven't) decided|undecided|it depends|not yet|(?:can't|cannot) say|"
    r"(?:does not|doesn't|don't|do not) (?:matter|mind|care)|whichever|either (?:is|one|works|"
    r"way)|any ?time|anything (?:is fine|works)|earliest|first available|soonest|"
    r"as (?:early|soon) as)\b",
    re.I,
)


def leaves_open(text: str) -> bool:
    """Whether the caller does not know or does not mind ("not sure", "no real deadline,
    whenever", "any time is fine", "the earliest you have")."""
    return _LEAVES_OPEN.search(text) is not None


_DECLINES = re.compile(
    r"\b(?:(?:i'd|i would|i'll|we'd) rather not|(?:i'd|i would) prefer not|prefer not to|"
    r"(?:don't|do not|dont) want to (?:say|give|share|get into|go into)|not (?:comfortable|"
    r"ready) (?:giving|sharing|to)|skip (?:that|this|it)|none of your business)\b",
    re.I,
)


def declines(text: str) -> bool:
    """Whether the caller will not answer ("I'd rather not get into that yet")."""
    return _DECLINES.search(text) is not None


_NOTHING_MORE = re.compile(
    r"^\W*(?:(?:um|uh|oh|well|okay|ok)\W+)*(?:no|nope|nah|not really|nothing(?: else)?"
    r"|that(?:'s| is| was) (?:it|all|everything))\b",
    re.I,
)


def nothing_more(text: str) -> bool:
    """Whether words said after "anything else?" decline it, whatever follows ("Nope, that
    covers it, thanks a bunch"), unless they go on to ask something."""
    return _NOTHING_MORE.search(text) is not None and not is_question(text)


_PRICE_OF = re.compile(
    r"\b(?:how much (?:do you charge for|would it be for|will it be for|is it for|for|"
    r"is|are|does|do|would|will)|prices? (?:of|for|on)|costs? (?:of|for)|charge for)\s+"
    r"(?:a |an |the |your |some |my )?(?P<thing>[a-z][a-z' -]*?)"
    r"(?=\s+(?:cost|costs|be|run|go for)\b|\s*[?.,!;]|\s+and\b|\s+or\b|\s*$)",
    re.I,
)


def priced_thing(text: str) -> str | None:
    """What a price question asks the price of ("how much do you charge for eyelash
    extensions?": "eyelash extensions"), or None when it asks no price."""
    match = _PRICE_OF.search(text)
    return match.group("thing").strip() if match else None


_CALLS_OFF = re.compile(
    r"\b(?:(?:don't|do not|dont) (?:do|start|book|send|go ahead|bother|need|want)|"
    r"don't\W*$|never ?mind|forget (?:it|that|about it)|(?:i'll|i will|i'm going to|i'm) "
    r"keep(?:ing)?|call (?:it|that) off|leave it|not anymore|changed my mind|"
    r"no (?:return|refund|refill|booking|need|thanks)|(?:skip|drop|cancel) (?:it|that))\b",
    re.I,
)


def calls_off(text: str) -> bool:
    """Whether a "no" to a read-back calls the whole thing off ("no, don't, I'll keep the
    lamp"), rather than asking to change part of it."""
    return _CALLS_OFF.search(text) is not None
