"""The agent's reply to the current turn, and giving the floor back to the caller.

A caller who takes the floor for real stops the reply: what they heard of it stays in the
conversation, the rest is dropped (`interrupt`). A caller who goes on with the same turn
within `JOIN_HEARD_S` of the reply's first sound had not finished: the reply is taken back
whole and the conversation returns to where it stood before it (`take_back`), as long as
the reply has not acted (a transfer tried, a record written).
"""

from __future__ import annotations

from callwright.agent.conversation import Conversation
from callwright.call.replies import Replies
from callwright.call.speaker import Speaker
from callwright.call.turn_log import TurnLog

JOIN_HEARD_S = 0.6
"""A caller who goes on within this long of the reply's first sound had planned to before
hearing it (a reaction to speech takes longer): both parts are one turn."""


class AgentFloor:
    """The reply in progress and the conversation as it was before it."""

    def __init__(
        self, conversation: Conversation, replies: Replies, speaker: Speaker, log: TurnLog
    ) -> None:
        self._conversation = conversation
        self._replies = replies
        self._speaker = speaker
        self._log = log
        self._checkpoint: object | None = None  # the conversation before the current turn

    def before_reply(self) -> None:
        """The caller's words are about to be answered: keep the conversation to go back to."""
        self._checkpoint = self._conversation.checkpoint()

    def settle(self) -> None:
        """The current reply stands whatever the caller says next (a key, silence, a
        transfer tried)."""
        self._checkpoint = None

    def can_take_back(self) -> bool:
        """Whether the current turn's reply can still be taken back whole."""
        turn = self._log.current
        return turn is not None and bool(turn.said) and self._checkpoint is not None

    def joins_turn(self, speech_start: float) -> bool:
        """Whether speech starting at `speech_start` goes on with the caller's last turn: its
        reply has not sounded yet, or barely (JOIN_HEARD_S)."""
        turn = self._log.current
        if turn is None or not self.can_take_back():
            return False
        first_sound = turn.record.marks.get("first_audio_sent")
        if first_sound is None:
            return not self._replies.done or self._speaker.audio_pending()
        return speech_start - first_sound <= JOIN_HEARD_S

    async def take_back(self) -> bool:
        """Stop the reply to the caller's last turn and put the conversation back to before
        it; False (the reply stands, only stopped) when it already acted."""
        await self._replies.stop()
        self._speaker.discard()
        checkpoint, self._checkpoint = self._checkpoint, None
        if checkpoint is not None and self._conversation.restore(checkpoint):
            return True
        self.mark_interrupted()
        return False

    async def interrupt(self) -> None:
        """The caller took the floor for real: stop the reply and keep only what was heard."""
        await self._replies.stop()
        self._speaker.discard()
        self.mark_interrupted()

    def mark_interrupted(self) -> None:
        turn = self._log.current
        if turn is not None:
            turn.record.interrupted = True
            self._conversation.agent_was_interrupted(turn.heard_text())
