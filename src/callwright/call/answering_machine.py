"""Who answered an outbound call: a person or an answering machine, decided in seconds.

The `AnsweringMachineDetector` is a pure state machine on the call's clock (seconds after
answer), fed every inbound frame with whether the callee holds the floor (the call's own
turn-taking), the end of each callee turn with its words, and the words of pauses. It never
sleeps, so it is tested as a deterministic timeline. Its cues, strongest first:

- a beep: a steady tone (audio/goertzel.py) is a machine, whenever it comes;
- words: voicemail phrases ("leave a message", "after the tone", "mailbox") and carrier
  announcements ("the person you are calling", "is not available");
- cadence: a person says a short "hello?" and waits, a greeting talks on. A callee turn
  that ends shorter than `long_greeting_s` is a person at once: that is when our own end of
  turn fires, so a person hears the agent with no delay added for the decision. Talk going on
  past `long_greeting_s` is a machine. Nothing said for `silent_answer_s` is a person who
  picked up and waits;
- the deadline: undecided at `deadline_s`, the call acts on `default_when_unsure`.

A person verdict can still turn into a machine one until `watch_s`: a greeting with a pause
early on ("Hi! ... You've reached Dana") ends a short turn first, and its beep or voicemail
words later show what it was. Only a beep or the strongest voicemail phrases do that: once
the agent has spoken, a person's own long answers are no sign of a machine.

A machine verdict that rests on length alone (a long greeting, or the deadline's machine
default; no beep, no machine words) turns into a person one when the callee's turn ends on a
person's words: a business line's "Acme Dental, Dana speaking, how can I help you?" runs past
`long_greeting_s`, then ends on a question and waits for us, which a greeting does not. Only
while the call leaves a message after the greeting: hanging up acts on the verdict at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Literal

import numpy as np

from callwright.audio.goertzel import Beep, BeepDetector

VOICEMAIL_PHRASES = (
    "leave a message", "leave your message", "leave me a message", "leave us a message",
    "after the tone", "at the tone", "after the beep", "at the beep", "voicemail",
    "voice mail", "mailbox", "mail box", "record your message",
)
"""Words only a voicemail greeting says: a machine even after the agent has started."""
MACHINE_PHRASES = VOICEMAIL_PHRASES + (
    "not available", "unavailable", "the person you are calling", "the person at extension",
    "the number you have dialed", "you have reached", "you've reached",
    "can't take your call", "cannot take your call", "can't come to the phone",
    "nobody is available", "no one is available", "is not answering", "please try again",
    "is on the phone", "is not in service",
)
"""Words of answering machines and carrier announcements: a machine while deciding."""
PERSON_PHRASES = (
    "how can i help", "how may i help", "can i help you", "may i help you", "how can we help",
    "how may we help", "what can i do for you", "speaking", "who is this", "who's this",
    "who is calling", "who's calling", "who is there", "who's there", "anybody there",
    "anyone there",
)
"""Words of a person answering: a turn with them (and no machine words) is a person's."""
_LENGTH_ONLY = ("long greeting", "deadline")  # machine verdicts that words can overturn


class AnsweredBy(Enum):
    PERSON = "person"
    MACHINE = "machine"
    UNKNOWN = "unknown"  # the deadline passed undecided (or the call ended first)


@dataclass(frozen=True, slots=True)
class AnsweringOptions:
    """Answering-machine detection and voicemail drop for one outbound call."""

    enabled: bool = True
    """False: greet at once, as on an inbound call."""
    deadline_s: float = 3.0
    """Seconds after answer by which the call acts, decided or not."""
    on_machine: Literal["leave_message", "hang_up"] = "leave_message"
    """What the call does on a machine: leave `voicemail_text` after the beep, or hang up."""
    voicemail_text: str = ""
    """The message left on a machine, filled with the contact's details by the caller."""
    default_when_unsure: Literal["person", "machine"] = "person"
    """How the call acts when the deadline passes undecided."""
    silent_answer_s: float = 1.6
    """Nothing heard this long after answer: a person who picked up and waits (greet)."""
    long_greeting_s: float = 2.2
    """A callee turn this long (pauses inside it included) is a machine's greeting; a turn
    that ends shorter is a person."""
    greeting_end_silence_s: float = 1.2
    """With no beep heard, this much silence after the greeting ends it: the message starts."""
    max_greeting_s: float = 30.0
    """A greeting still going this long after the machine verdict gets the message anyway."""
    watch_s: float = 20.0
    """Until this long after answer, a beep or voicemail words turn a person verdict into a
    machine one (the agent stops and the voicemail is left)."""

    def __post_init__(self) -> None:
        if self.on_machine not in ("leave_message", "hang_up"):
            raise ValueError(f"on_machine must be 'leave_message' or 'hang_up', not "
                             f"{self.on_machine!r}")
        if self.default_when_unsure not in ("person", "machine"):
            raise ValueError(f"default_when_unsure must be 'person' or 'machine', not "
                             f"{self.default_when_unsure!r}")
        if self.enabled and self.on_machine == "leave_message" and not self.voicemail_text.strip():
            raise ValueError("leaving a voicemail needs voicemail_text; pass "
                             "on_machine='hang_up' to hang up on machines instead")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What answered and what the call does about it, decided `at` s after answer."""

    answered_by: AnsweredBy
    acts_as: AnsweredBy  # PERSON or MACHINE: UNKNOWN acts on the default
    at: float
    reason: str  # "short greeting", "silence", "beep", "words: ...", "long greeting", "deadline"


class AnsweringMachineDetector:
    """Decides person or machine from one outbound call's first seconds (see module doc)."""

    def __init__(self, options: AnsweringOptions) -> None:
        self.options = options
        self.verdict: Verdict | None = None
        self.beep: Beep | None = None  # the first beep heard, with its end once it ended
        self.revised = False  # the verdict was turned round (see module doc)
        self._beeps = BeepDetector()
        self._heard_speech = False
        self._talk_started: float | None = None  # the current callee turn's start

    @property
    def tone_sounding(self) -> bool:
        return self._beeps.sounding

    def hear(self, samples: np.ndarray, at: float, speaking: bool) -> Verdict | None:
        """One inbound frame that ended `at` s after answer; `speaking`: the callee holds the
        floor. Returns a verdict made (or revised) on this frame."""
        beep = self._beeps.hear(samples, at)
        if beep is not None and (self.beep is None or self.beep.started_at == beep.started_at):
            self.beep = beep
            if beep.ended_at is None:
                return self._machine(at, "beep", late_ok=True)
        if self.verdict is not None:
            return None
        opts = self.options
        if speaking:
            self._heard_speech = True
            if self._talk_started is None:
                self._talk_started = at
            if at - self._talk_started >= opts.long_greeting_s:
                return self._decide(AnsweredBy.MACHINE, at, "long greeting")
        else:
            self._talk_started = None
            if not self._heard_speech and at >= opts.silent_answer_s:
                return self._decide(AnsweredBy.PERSON, at, "silence")
        if at >= opts.deadline_s:
            default = AnsweredBy(opts.default_when_unsure)
            self.verdict = Verdict(AnsweredBy.UNKNOWN, default, at, "deadline")
            return self.verdict
        return None

    def turn_ended(self, at: float, speech_s: float, text: str | None) -> Verdict | None:
        """A callee turn of `speech_s` seconds ended at `at`; `text` its words (None while
        they are not transcribed yet: `heard_words` gives them later)."""
        if text:
            verdict = self.turn_words(at, text)
            if verdict is not None:
                return verdict
        self._talk_started = None
        if self.verdict is None and speech_s < self.options.long_greeting_s:
            return self._decide(AnsweredBy.PERSON, at, "short greeting")
        return None

    def heard_words(self, at: float, text: str) -> Verdict | None:
        """Words the callee said (a pause's or a turn's), heard `at` s after answer."""
        phrase = phrase_in(text, VOICEMAIL_PHRASES)
        if phrase is not None:
            return self._machine(at, f"words: {phrase}", late_ok=True)
        phrase = phrase_in(text, MACHINE_PHRASES)
        if phrase is not None:
            return self._machine(at, f"words: {phrase}", late_ok=False)
        return None

    def turn_words(self, at: float, text: str) -> Verdict | None:
        """The words of a whole callee turn, known `at` s after answer: machine words as in
        `heard_words`; else a person's words (PERSON_PHRASES, or ending on a question)
        overturn a machine verdict that rests on length alone."""
        verdict = self.heard_words(at, text)
        if verdict is not None or phrase_in(text, MACHINE_PHRASES) is not None:
            return verdict
        cue = person_cue(text)
        if cue is None or not self._overturnable():
            return None
        self.revised = True
        return self._decide(AnsweredBy.PERSON, at, f"words: {cue}")

    def _overturnable(self) -> bool:
        verdict = self.verdict
        return (verdict is not None and verdict.acts_as is AnsweredBy.MACHINE
                and verdict.reason in _LENGTH_ONLY and self.beep is None
                and self.options.on_machine == "leave_message")

    def _machine(self, at: float, reason: str, late_ok: bool) -> Verdict | None:
        verdict = self.verdict
        if verdict is None:
            return self._decide(AnsweredBy.MACHINE, at, reason)
        late = late_ok and verdict.acts_as is AnsweredBy.PERSON and at <= self.options.watch_s
        if not late:
            return None
        self.revised = True
        return self._decide(AnsweredBy.MACHINE, at, reason)

    def _decide(self, answered_by: AnsweredBy, at: float, reason: str) -> Verdict:
        self.verdict = Verdict(answered_by, answered_by, at, reason)
        return self.verdict


_WORDS = re.compile(r"[a-z0-9']+")


def phrase_in(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` said in `text` (whole words, case and punctuation ignored)."""
    spoken = f" {' '.join(_WORDS.findall(text.lower().replace('’', chr(39))))} "
    return next((phrase for phrase in phrases if f" {phrase} " in spoken), None)


def person_cue(text: str) -> str | None:
    """What in `text` shows a person: one of PERSON_PHRASES, or "question" when it ends on
    one (a person asks, then waits for the answer)."""
    phrase = phrase_in(text, PERSON_PHRASES)
    if phrase is not None:
        return phrase
    return "question" if text.rstrip().endswith("?") else None
