"""Turn-taking: who holds the floor, decided frame by frame.

The policy is a pure state machine on the call's monotonic clock: it is fed one
VAD probability per 20 ms frame and the transcripts the call obtains for it, and
answers with typed events. It never sleeps and never calls a model, so it is
tested as a deterministic timeline.

End of turn is not a fixed long silence. A short pause starts a speculative
transcription; when its words sound like a complete turn, a short silence is
enough; when they trail off ("and...", "my number is..."), the policy waits up
to a longer silence so slow speakers are not cut off.

While the agent speaks, caller speech sustained for `barge_in_ms` is a barge-in
(the call stops the agent's audio at once). If that speech turns out to be a
short backchannel ("mm-hm", "okay") or noise, the call resumes the agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class TurnTakingOptions:
    speech_threshold: float = 0.5
    """VAD probability at or above which a frame is voiced."""
    silence_threshold: float = 0.35
    """VAD probability below which a frame is silent (hysteresis between the two)."""
    speech_onset_ms: int = 60
    """Voiced audio needed before the caller counts as speaking (clicks are ignored)."""
    pause_ms: int = 80
    """Silence after which a speculative transcription of the turn so far starts."""
    end_of_turn_ms: int = 160
    """Silence that ends a turn whose words sound complete."""
    decisive_end_of_turn_ms: int = 450
    """The same, when the caller's answer decides an action ("I didn't buy that" cut after
    "I did" would confirm a charge): a short pause inside it must not end the turn."""
    incomplete_turn_ms: int = 1_100
    """Silence that ends a turn even if its words trail off."""
    barge_in_ms: int = 80
    """Caller speech over the agent that stops the agent's audio."""
    backchannel_max_ms: int = 900
    """An interruption shorter than this that is only a backchannel resumes the agent."""


class TurnEventKind(Enum):
    SPEECH_STARTED = "speech_started"
    PAUSED = "paused"  # start a speculative transcription of the turn so far
    RESUMED = "resumed"  # the caller went on: discard the speculative transcript
    END_OF_TURN = "end_of_turn"
    BARGE_IN = "barge_in"  # stop the agent's audio now


@dataclass(frozen=True, slots=True)
class TurnEvent:
    kind: TurnEventKind
    at: float  # when it was decided
    speech_start: float  # first voiced frame of the current caller turn
    speech_end: float | None = None  # last voiced frame so far (PAUSED, END_OF_TURN)
    barge_in: bool = False  # the caller's turn began as speech over the agent


class _State(Enum):
    IDLE = "idle"
    ONSET = "onset"
    SPEAKING = "speaking"
    PAUSED = "paused"


class TurnTaking:
    """Decides when the caller starts, pauses, ends a turn, or barges in."""

    def __init__(self, options: TurnTakingOptions | None = None) -> None:
        self.options = options or TurnTakingOptions()
        self._state = _State.IDLE
        self._speech_start = 0.0
        self._last_voiced_end = 0.0
        self._last_frame_at = 0.0  # the end of the latest frame heard
        self._voiced_ms = 0.0
        self._transcript_complete: bool | None = None
        self._barged_in = False
        self.decisive = False
        """The answer now awaited decides an action: wait `decisive_end_of_turn_ms`."""

    @property
    def caller_speaking(self) -> bool:
        return self._state in (_State.SPEAKING, _State.PAUSED)

    def on_frame(
        self, at: float, speech_probability: float, agent_speaking: bool, frame_ms: float = 20
    ) -> list[TurnEvent]:
        """Feed one frame that ended at `at`; returns the events it caused."""
        opts = self.options
        self._last_frame_at = at
        voiced = speech_probability >= opts.speech_threshold
        silent = speech_probability < opts.silence_threshold
        events: list[TurnEvent] = []
        frame_start = at - frame_ms / 1000

        if self._state is _State.IDLE:
            if voiced:
                self._state = _State.ONSET
                self._speech_start = frame_start
                self._voiced_ms = frame_ms
                self._last_voiced_end = at
                self._barged_in = False
        elif self._state is _State.ONSET:
            if silent:
                self._state = _State.IDLE
            else:
                self._voiced_ms += frame_ms
                self._last_voiced_end = at
        else:
            if not silent:
                self._last_voiced_end = at
                self._voiced_ms += frame_ms
                if self._state is _State.PAUSED:
                    self._state = _State.SPEAKING
                    self._transcript_complete = None
                    events.append(self._event(TurnEventKind.RESUMED, at))

        if self._state is _State.ONSET and self._voiced_ms >= opts.speech_onset_ms:
            self._state = _State.SPEAKING
            events.append(self._event(TurnEventKind.SPEECH_STARTED, at))

        if (
            agent_speaking
            and not self._barged_in
            and self._state is _State.SPEAKING
            and self._voiced_ms >= opts.barge_in_ms
        ):
            self._barged_in = True
            events.append(self._event(TurnEventKind.BARGE_IN, at))

        if self._state in (_State.SPEAKING, _State.PAUSED):
            silence_ms = (at - self._last_voiced_end) * 1000
            if self._state is _State.SPEAKING and silence_ms >= opts.pause_ms:
                self._state = _State.PAUSED
                self._transcript_complete = None
                events.append(self._event(TurnEventKind.PAUSED, at))
            if self._state is _State.PAUSED and self._turn_is_over(silence_ms):
                events.append(self._end_turn(at))
        return events

    def transcript_ready(self, at: float, text: str) -> list[TurnEvent]:
        """The speculative transcript of the current pause arrived."""
        if self._state is not _State.PAUSED:
            return []
        self._transcript_complete = sounds_complete(text)
        # silence heard, not time passed: frames held up on a busy machine may still be speech
        silence_ms = (self._last_frame_at - self._last_voiced_end) * 1000
        if self._turn_is_over(silence_ms):
            return [self._end_turn(at)]
        return []

    def reset(self) -> None:
        """Forget the current caller turn (noise, or a turn the call handled)."""
        self._state = _State.IDLE
        self._transcript_complete = None
        self._barged_in = False

    def _turn_is_over(self, silence_ms: float) -> bool:
        opts = self.options
        if silence_ms >= opts.incomplete_turn_ms:
            return True
        complete_after_ms = opts.decisive_end_of_turn_ms if self.decisive else opts.end_of_turn_ms
        return bool(self._transcript_complete) and silence_ms >= complete_after_ms

    def _end_turn(self, at: float) -> TurnEvent:
        event = self._event(TurnEventKind.END_OF_TURN, at)
        self._state = _State.IDLE
        self._transcript_complete = None
        return event

    def _event(self, kind: TurnEventKind, at: float) -> TurnEvent:
        return TurnEvent(kind, at, self._speech_start, self._last_voiced_end, self._barged_in)


# Words a turn does not end on. Not "it", "ok" or "okay": callers end on them all the time
# ("no, that's it", "yes, book it", "okay"), and each such turn waited the incomplete wait.
_TRAILING_WORDS = frozenset(
    """a an the and or but so because if then to of for with at in on my our your his her
    their is are was were be been am um uh er erm like about from by as than that which
    who whose what when where whether can could would should will i i'm we it's is
    well also plus""".split()
)
_BACKCHANNELS = frozenset(
    """mm mhm mm-hm mmhm mm-hmm uh-huh uhhuh uh huh hm hmm yeah yep yes yup ok okay
    right sure alright all got it i see cool great nice oh ah""".split()
)
_WORD = re.compile(r"[a-z0-9'-]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def sounds_complete(text: str) -> bool:
    """Whether a transcript reads like a finished turn rather than a trailing-off one."""
    stripped = text.strip()
    words = _words(stripped)
    if not words:
        return False
    if stripped.endswith(("...", "…", ",", "-")):
        return False
    return words[-1] not in _TRAILING_WORDS or stripped.endswith("?")


def is_backchannel(text: str) -> bool:
    """Whether a short utterance only signals listening ("mm-hm", "okay", "yeah right")."""
    words = _words(text)
    return 0 < len(words) <= 3 and all(word in _BACKCHANNELS for word in words)
