"""The call's record as it happens: turns, events, the end and its summary, and the store.

Each turn (the caller's words and the agent's reply to them, with timing marks) is stored
when the next one starts; events are stored as they happen. Storing runs in a thread and
never blocks the audio path; a store that fails is logged, and the call goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

from callwright.agent.conversation import Conversation
from callwright.call.speaker import Utterance
from callwright.store.calls import CallRepository
from callwright.store.records import CallEventRecord, CallRecord, TurnRecord

log = logging.getLogger("callwright.call")

SUMMARY_TIMEOUT_S = 5.0  # a language model writing the call summary gets this long


@dataclass(slots=True)
class Turn:
    """A turn in progress: the caller's words and the agent's reply to them."""

    record: TurnRecord
    utterances: list[Utterance] = field(default_factory=list)
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    """The caller's speech of this turn (16 kHz), joined to the next when they go on."""

    def heard_text(self) -> str:
        return " ".join(text for u in self.utterances if (text := u.heard_text()))

    @property
    def said(self) -> bool:
        """Whether the caller spoke this turn (not a key, not a silence)."""
        text = self.record.caller_text
        return bool(text) and not text.startswith("[keypad ")


class TurnLog:
    """Keeps one call's record: the turn in progress, closed turns, events."""

    def __init__(
        self,
        record: CallRecord,
        calls: CallRepository | None,
        conversation: Conversation,
        now: Callable[[], float],
        spawn: Callable[..., asyncio.Task],
    ) -> None:
        self.record = record
        self._calls = calls
        self._conversation = conversation
        self._now = now
        self._spawn = spawn
        self._index = 0
        self.current: Turn | None = None

    def start(self, caller_text: str, audio: np.ndarray | None = None) -> Turn:
        """A new turn: the caller's words and, when spoken, their audio."""
        self.current = Turn(TurnRecord(self._index, caller_text, ""))
        if audio is not None:
            self.current.audio = audio
        self._index += 1
        return self.current

    def drop_current(self) -> Turn | None:
        """Forget the turn in progress (its words are joined to the next one)."""
        turn, self.current = self.current, None
        if turn is not None:
            self._index -= 1
        return turn

    async def close(self) -> None:
        """Store the turn in progress with what the caller heard of the reply."""
        turn, self.current = self.current, None
        if turn is None:
            return
        turn.record.agent_text = turn.heard_text()
        turn.record.dialogue_state = state_dict(self._conversation, with_history=False)
        self.record.turns.append(turn.record)
        await self.store("add_turn", self.record.id, turn.record)

    async def finish(self, outcome: str, **facts: object) -> None:
        """End the record with `outcome`, the final dialogue state with `facts` about the
        call (e.g. its speculation counts) and its summary; store it."""
        record = self.record
        record.ended_at = datetime.now(UTC)
        record.outcome = outcome
        record.dialogue_state = {**state_dict(self._conversation), **facts}
        record.dialogue_state["summary"] = await self._summary()
        if self._calls is None:
            return
        try:
            await asyncio.to_thread(
                self._calls.finish_call,
                record.id,
                outcome=record.outcome,
                ended_at=record.ended_at,
                recording_path=record.recording_path,
                dialogue_state=record.dialogue_state,
            )
        except Exception:
            log.exception("could not store the end of call %s", record.id)

    async def _summary(self) -> str:
        summarize = getattr(self._conversation, "summary", None)
        if summarize is None:
            return ""
        try:
            return await asyncio.wait_for(summarize(), SUMMARY_TIMEOUT_S)
        except Exception:
            log.exception("no summary for call %s", self.record.id)
            return ""

    def event(self, kind: str, **data: object) -> None:
        event = CallEventRecord(self._now(), kind, data)
        self.record.events.append(event)
        self._spawn(self.store("add_event", self.record.id, event))

    async def store(self, method: str, *args: object) -> None:
        if self._calls is None:
            return
        try:
            await asyncio.to_thread(getattr(self._calls, method), *args)
        except Exception:
            log.exception("could not store %s for call %s", method, self.record.id)


def state_dict(conversation: Conversation, with_history: bool = True) -> dict:
    """The conversation's state as stored on the call (history last, when asked for)."""
    state = asdict(conversation.state)
    state.pop("history")
    if with_history:
        state["history"] = [
            {"role": entry.role, "text": entry.text} for entry in conversation.state.history
        ]
    return state
