"""The agent interface: text and DTMF in, a stream of replies and actions out.

An `Agent` is loaded once from its agent file and shared; each call gets its own
`Conversation`. The call layer feeds it `CallerInput` events and carries out the
`AgentAction`s it yields, in order. The dialogue engine of later issues plugs in
behind this same interface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CallerSaid:
    text: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class CallerKeyed:
    digits: str  # DTMF digits, e.g. "1" or "4417#"


@dataclass(frozen=True, slots=True)
class CallerSilent:
    seconds: float  # how long the caller has been silent since the agent finished


@dataclass(frozen=True, slots=True)
class TransferFailed:
    """The call layer could not connect the caller with a person (busy, no answer, declined)."""

    reason: str


CallerInput = CallerSaid | CallerKeyed | CallerSilent | TransferFailed


@dataclass(frozen=True, slots=True)
class Say:
    text: str


@dataclass(frozen=True, slots=True)
class EndCall:
    reason: str  # "goodbye", "no input", ...


@dataclass(frozen=True, slots=True)
class Transfer:
    """Hand the caller to a person: `target` (a SIP URI) by `mode` ("blind" or "warm").

    `context` is the structured hand-off summary (who, verified, wanted, collected, done,
    why); `summary` the same in a few sentences, for the record and the SIP header;
    `briefing` what the person hears in a warm transfer before the caller is connected.
    """

    reason: str
    target: str
    mode: str
    summary: str
    briefing: str
    ring_s: float
    context: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PressKeys:
    """Press keys on the other side's phone menu (DTMF): 0-9 * # A-D, w for a 500 ms pause."""

    digits: str


AgentAction = Say | EndCall | Transfer | PressKeys


@dataclass(slots=True)
class HistoryEntry:
    role: str  # "caller" or "agent"
    text: str


@dataclass(slots=True)
class ConversationState:
    """What the conversation has been so far; recorded on the call after every turn."""

    history: list[HistoryEntry] = field(default_factory=list)
    intent: str | None = None
    task: dict = field(default_factory=dict)  # the running task: slots, step, verification
    no_input_count: int = 0
    not_understood_count: int = 0
    handoffs: list[dict] = field(default_factory=list)
    """Each hand-off: reason, mode, target, result ("transferred", "failed", "message")."""
    asked: list[str] = field(default_factory=list)
    """Questions answered, in order: intent names, or "no_answer" for an honest "I don't
    have that"."""
    opted_out: bool = False
    """The callee of an outbound call asked not to be called again (the dialer's do-not-call
    list reads it)."""
    task_outcome: str | None = None
    """The last outcome a task step reached (an agent file's `outcome:`, e.g.
    "refill_requested"); all of them, in order, are in `task["outcomes"]`."""


class WouldChangeRecords(Exception):
    """A speculative reply reached an action that may change records: it stops there."""


class Conversation(Protocol):
    state: ConversationState

    def greet(self) -> AsyncIterator[AgentAction]: ...

    def respond(self, caller_input: CallerInput) -> AsyncIterator[AgentAction]: ...

    def checkpoint(self) -> object:
        """An opaque copy of the conversation now, taken before a reply the call may undo."""
        ...

    def restore(self, checkpoint: object) -> bool:
        """Go back to `checkpoint` (the caller went on speaking during the reply's first
        words, so both halves are read as one turn); False, and nothing changed, when the
        reply already did something in the business's systems."""
        ...

    def speculative_copy(self) -> Conversation:
        """A copy that answers a turn ahead of time (the caller paused, maybe done): it runs
        look-ups, raises `WouldChangeRecords` where it would change records, and leaves this
        conversation as it is."""
        ...

    def agent_was_interrupted(self, heard_text: str) -> None:
        """The caller barged in: replace the last agent entry with the part they heard."""
        ...

    def takes_short_answers(self) -> bool:
        """Whether a short "yes"/"okay" now answers a question rather than just
        acknowledging (then it is not treated as a backchannel)."""
        ...

    def hears_awaited(self, text: str) -> bool | None:
        """Whether `text` gives the number the agent asked for (a card's last four, an order
        or phone number), or None when it asked for none: an answer heard without it is
        listened to again, more carefully."""
        ...

    def decides_action(self) -> bool:
        """Whether the caller's next answer decides an action in the business's systems (a
        read-back to confirm, "did you make this purchase?"): their turn is let finish."""
        ...

    def handoff_result(self, connected: bool, detail: str) -> None:
        """The call layer's word on the last `Transfer`: connected, or why not (a
        `TransferFailed` input follows for the agent to answer)."""
        ...


class Agent(Protocol):
    name: str
    voice: str
    speech_context: str
    """Words callers of this agent are likely to say, to bias speech-to-text."""
    fillers: list[str]
    """Short phrases ("One moment.") said when a reply is slow, so the line is never dead."""
    handoff_webhook: str | None
    """URL that receives each hand-off as JSON, or None."""

    def fixed_prompts(self) -> list[str]:
        """Texts the agent will say verbatim (greeting, reprompts, answers, the fixed
        openings of its templated replies): pre-synthesized when the agent loads."""
        ...

    def start_conversation(
        self,
        caller: str = "",
        outbound: bool = False,
        call_id: str | None = None,
        contact: Mapping[str, str] | None = None,
    ) -> Conversation:
        """A conversation for one call; `caller` is the other party (a SIP URI or number),
        `outbound` true when the agent placed the call, `call_id` links what it records,
        `contact` the campaign's fields of the person called (their first name, the matter
        the call is about), for the outbound opening and the task's slots."""
        ...
