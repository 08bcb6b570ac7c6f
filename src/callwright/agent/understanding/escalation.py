"""Escalation cues: the words in one caller utterance that mean the call must go to a human.

`cues(text)` reads one transcribed utterance (Whisper on phone audio: lowercase or not,
punctuation missing or odd, fillers, partial sentences) and returns the cues it holds:

- `Cue.HUMAN`: the caller asks for a person. Words that only ever mean a person at the
  business count wherever they stand ("representative representative", "operator", "a real
  person", "live agent", "a human"). Words that also mean other things ("agent", "person",
  "someone", "the manager", "customer service", "the doctor") count only in a request: talk /
  speak / chat with, reach / get hold of, connect / transfer / put me through, get / give me,
  I want / need / can I have, is there ... I can talk to, "... please", or the whole utterance
  ("agent", "the front desk please", "transfer"). A named role at the business (manager, supervisor,
  receptionist, doctor, nurse, pharmacist, billing) counts when the caller asks to talk to it or
  be put through to it; "I need a doctor" or "I need to see the dentist" is a booking, not a
  hand-off. "someone"/"anyone" count only with talk, connect or get-me verbs: "can someone check
  my order status" asks for a task the agent may do itself (when it cannot, the dialogue falls
  back), "can someone call me back" is a callback the agent books, and "someone broke my tooth"
  is a story. "I don't want to talk to a robot" asks for a person. Not counted: negated asks ("I
  don't want a representative, just book it", "no need for a person"), questions about the
  agent ("am I talking to a real person?", "are you a robot?": common, answered, not a hand-off
  by themselves), reports of past contact ("I spoke to a representative yesterday", "the agent
  said"), a later call ("I'll call back and speak to someone then"), and agents who are not the
  business's ("my travel agent", "real estate agent").
- `Cue.ANGER`: swearing (including Whisper's censored "f***ing" and "[ __ ]"), insults at the
  agent or the system ("stupid machine", "useless", "you're an idiot"), exasperation ("you're not
  listening", "I already told you", "that's not what I said", "waste of time", "are you kidding
  me", "for god's sake", "oh my god just ..."), and a bare "stop" / "shut up". Whole words only,
  so "Shell station", "hello", "Hellman", "assess", "scrap metal" and "Dickens" are ordinary;
  "hell" counts only as an exclamation ("what the hell", "hell no"). Self-reproach ("I'm such an
  idiot, I forgot") and "I'm not angry" do not count.
- `Cue.EMERGENCY`: generic life or safety emergencies: chest pain, can't breathe, heart attack,
  stroke, seizure, unconscious, severe or unstoppable bleeding, overdose, poisoning, throat
  swelling, suicide or self-harm, fire or gas, a break-in or attack, "call 911", an ambulance,
  "this is an emergency". A business's own urgent requests are not this cue: "emergency
  contact", "a dental emergency", "do you take emergency appointments", "it's not an emergency"
  go to its intents. "an allergic reaction" alone is history more often than a crisis; the throat
  swelling is the emergency. Heart attacks, strokes, seizures, chest pain and fires in the past
  ("he had a stroke last year", "since my heart attack") do not count; "just had" does.
  Mentions of self-harm count even when negated: a person should judge those.

Negation: a "not" / "never" / "without" / "no" up to `NEGATION_SCOPE_WORDS` words before a
negatable phrase cancels it when only the words of a want-phrase stand between ("I do not really
want to talk to a representative"); any other word ends its reach ("it's not working, transfer
me"). "no" followed by a subject ("no, I want a human") is an answer, not a negation, and a
"not" before its subject is a question ("can't I talk to a person?"). Known limit: a refusal
by someone else reads as the caller's ("this machine won't transfer me" is not HUMAN).

The phrases are in `escalation_phrases`; this module applies them. Everything is
precompiled regular expressions over the words of `callwright.agent.words.words`
(contractions expanded, fillers dropped, so "I'd like" reads "i would"), a few passes per cue
and no model: about 0.1 ms an utterance on two slow server cores, most of it in `words`, so
safe to call on every turn on the event loop (bench/agent_eval.py prints the figure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from callwright.agent.understanding import escalation_phrases as phrases
from callwright.agent.understanding.words import words


class Cue(StrEnum):
    HUMAN = "asked_for_human"
    """The caller asks for a person, in any words."""
    ANGER = "frustration"
    """Anger, swearing, insults, exasperation."""
    EMERGENCY = "emergency"
    """A life-threatening or safety emergency."""


MISHEARD_WORDS = ("representative", "representatives", "receptionist", "supervisor")
"""Hand-off words long enough to be garbled on a phone line yet still recognisable."""
NOT_MISHEARD = frozenset({"representation", "representations", "supervision", "reception"})
MISHEARD_MIN_RATIO = 84.0  # rapidfuzz ratio, 0-100
MISHEARD_MIN_CHARS = 9
NEGATION_SCOPE_WORDS = 6
"""How far back (in words) a negation can reach a cue phrase: "i do not want to speak to a
representative" has "not" five words before "representative"."""
NEGATORS = frozenset({"not", "never", "without", "no"})
NO_IS_AN_ANSWER_BEFORE = frozenset({"i", "we", "you", "he", "she", "they", "it"})
"""A "no" with one of these between it and the cue phrase answers a question ("no, i want a
human") rather than negating the cue."""
INVERTED_SUBJECTS = frozenset({"i", "you", "we", "someone", "somebody", "anyone", "anybody"})
"""A "not" followed by one of these is a question ("can not i talk to a person"), not a denial."""
CLAUSE_BREAK = "."
"""Sentence punctuation survives normalisation as this word (the patterns spell it ``\\.``):
phrases do not run across it."""

@dataclass(frozen=True, slots=True)
class _Rule:
    """Phrases that hold a cue, unless a match is negated or overlaps an excluded phrase."""

    cue: Cue
    phrases: re.Pattern[str]
    negation_bridges: frozenset[str] | None = None
    """Words a negation may reach across; None: these phrases are never negated."""
    excluded: re.Pattern[str] | None = None

    def found_in(self, said: str) -> bool:
        excluded: list[tuple[int, int]] | None = None
        for match in self.phrases.finditer(said):
            if self.excluded is not None:
                if excluded is None:
                    excluded = [m.span() for m in self.excluded.finditer(said)]
                if any(start < match.end() and match.start() < end for start, end in excluded):
                    continue
            if self.negation_bridges is not None and _negated(
                said, match.start(), self.negation_bridges
            ):
                continue
            return True
        return False


def _negated(said: str, start: int, bridges: frozenset[str]) -> bool:
    """Whether a negation before `start` reaches the phrase there (see the module docs)."""
    before = said[:start].split()[-NEGATION_SCOPE_WORDS:]
    following = said[start:].split(maxsplit=1)[:1] or [""]
    passed: list[str] = []
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        after = before[index + 1] if index + 1 < len(before) else following[0]
        if word in NEGATORS:
            if word == "not" and after in INVERTED_SUBJECTS:
                return False
            return word != "no" or not NO_IS_AN_ANSWER_BEFORE.intersection(passed)
        if word not in bridges:
            return False
        passed.append(word)
    return False


_CENSORED = re.compile(r"\b[a-z]+\*+[a-z]*|\*{3,}|\[\s*_+\s*\]")
"""Whisper writes the swearing it hears as "f***", "sh*t" or "[ __ ]"."""
_ANSWER_THEN_COMMA = re.compile(r"\b(no|nope|nah|yes|yeah|yep|okay|ok)\s*,")
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)")
_TITLE_DOT = re.compile(r"\b(dr|mr|mrs|ms|st)\.")
_CLAUSE_PUNCTUATION = frozenset(".!?;,")


def _caller_words(text: str) -> str:
    """The lowercase utterance as `words` normalises it, sentences joined by `CLAUSE_BREAK`.

    An answer word followed by a comma ends a clause too: "No, human." is an answer and a
    request, where "no human" is a refusal.
    """
    if _CLAUSE_PUNCTUATION.isdisjoint(text):
        return " ".join(words(text))
    text = _ANSWER_THEN_COMMA.sub(r"\1.", _TITLE_DOT.sub(r"\1", text))
    clauses = (" ".join(words(clause)) for clause in _SENTENCE_END.split(text))
    return f" {CLAUSE_BREAK} ".join(clause for clause in clauses if clause)


_RULES = (
    _Rule(Cue.EMERGENCY, phrases.DANGER, excluded=phrases.NOT_AN_EMERGENCY),
    _Rule(
        Cue.EMERGENCY,
        phrases.SYMPTOMS,
        frozenset(phrases.SYMPTOM_WORDS.split()),
        phrases.NOT_AN_EMERGENCY,
    ),
    _Rule(Cue.HUMAN, phrases.HUMAN_INSTEAD_OF_MACHINE),
    _Rule(
        Cue.HUMAN,
        phrases.HUMAN_REQUESTS,
        frozenset(phrases.WANT_WORDS.split()),
        phrases.HUMAN_EXCLUDED,
    ),
    _Rule(Cue.ANGER, phrases.SWEARING),
    _Rule(Cue.ANGER, phrases.EXASPERATION),
    _Rule(
        Cue.ANGER,
        phrases.INSULTS_AND_FEELINGS,
        frozenset(phrases.FEELING_WORDS.split()),
        phrases.SELF_REPROACH,
    ),
)


def _mended(said: str) -> str:
    """Long words speech-to-text nearly got right as a hand-off word ("reprenantative")
    written as that word. Checked against a prompt that biased Whisper towards these words:
    it made every turn of every call about 20 ms slower to transcribe, for this one word."""
    if len(said) < MISHEARD_MIN_CHARS:
        return said
    mended = []
    for word in said.split():
        if len(word) >= MISHEARD_MIN_CHARS and word not in MISHEARD_WORDS:
            match = process.extractOne(
                word, MISHEARD_WORDS, scorer=fuzz.ratio, score_cutoff=MISHEARD_MIN_RATIO
            )
            if match is not None and word not in NOT_MISHEARD:
                word = match[0]
        mended.append(word)
    return " ".join(mended)


def cues(text: str) -> frozenset[Cue]:
    """The escalation cues in one utterance (empty for ordinary words)."""
    text = text.lower()
    said = _mended(_caller_words(text))
    found: set[Cue] = (
        {Cue.ANGER} if ("*" in text or "[" in text) and _CENSORED.search(text) else set()
    )
    for rule in _RULES:
        if rule.cue not in found and rule.found_in(said):
            found.add(rule.cue)
    return frozenset(found)


_MILD = re.compile(r"\b(?:annoying|annoyed|frustrating|frustrated|irritating)\b", re.I)
"""Feelings a caller voices about a rule or a wait ("oh, that's annoying"), not at the agent."""


def only_annoyed(text: str) -> bool:
    """Whether the only anger in `text` is mild annoyance: no swearing, insult or
    exasperation besides it."""
    return _MILD.search(text) is not None and Cue.ANGER not in cues(_MILD.sub(" ", text))
