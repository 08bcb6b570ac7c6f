"""Plain records that cross the store boundary (the ORM models stay inside `store`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TURN_MARKS = (
    "speech_start",  # caller started speaking
    "speech_end",  # last voiced frame of the caller
    "transcript_started",  # speech-to-text of the final words began (speculatively, in a pause)
    "end_of_turn",  # turn-taking decided the caller is done
    "transcript_ready",  # speech-to-text result available
    "first_reply_text",  # agent produced its first reply text
    "first_audio_synth",  # first reply audio synthesized
    "first_audio_sent",  # first reply audio frame put on the wire
)
"""Timing marks of one turn, each in seconds since the call started (monotonic clock)."""


@dataclass(slots=True)
class TurnRecord:
    index: int
    caller_text: str
    agent_text: str  # what the caller actually heard (truncated on barge-in)
    interrupted: bool = False
    marks: dict[str, float] = field(default_factory=dict)  # keys from TURN_MARKS
    dialogue_state: dict = field(default_factory=dict)  # intent, task, slots after the turn

    def latency_ms(self) -> float | None:
        """Caller's end of speech to the agent's first audio on the wire."""
        if "speech_end" in self.marks and "first_audio_sent" in self.marks:
            return (self.marks["first_audio_sent"] - self.marks["speech_end"]) * 1000
        return None


@dataclass(slots=True)
class CallEventRecord:
    at: float  # seconds since call start
    kind: str  # "dtmf", "barge_in", "backchannel", "reprompt", "hangup", "error", ...
    data: dict = field(default_factory=dict)


@dataclass(slots=True)
class CallRecord:
    id: str
    agent: str
    caller: str
    callee: str
    transport: str  # "sip", "file", ...
    started_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None  # "completed", "caller_hung_up", "no_input", "error"
    recording_path: str | None = None
    dialogue_state: dict = field(default_factory=dict)
    turns: list[TurnRecord] = field(default_factory=list)
    events: list[CallEventRecord] = field(default_factory=list)
