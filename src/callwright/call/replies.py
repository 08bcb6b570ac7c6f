"""The agent's side of one call: each reply performed as one cancellable task.

A reply is the stream of actions the conversation yields for one caller turn: `Say`s
go to the speaker (the turn keeps what was said, so it can tell what the caller heard),
`EndCall` lets the audio drain and ends the call, `Transfer` hands the caller to a person
(and when that fails, the conversation is told and answers the caller), `PressKeys` presses
keys on the other side's phone menu after what was said (a "keys_sent" call event). When the first
action is slow (a backend, a model), a short filler phrase goes out meanwhile so the
caller never hears dead air. Stopping a reply (`stop`) cancels it where it is; nothing
said after that point reaches the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from callwright.agent.conversation import (
    AgentAction,
    Conversation,
    EndCall,
    PressKeys,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.call.handoff import CallHandoffs
from callwright.call.speaker import Speaker
from callwright.call.turn_log import Turn, TurnLog

log = logging.getLogger("callwright.call")


class Replies:
    """Performs the agent's replies on one call, one at a time."""

    def __init__(
        self,
        speaker: Speaker,
        conversation: Conversation,
        handoffs: CallHandoffs,
        fillers: list[str],
        filler_after_s: float,
        log: TurnLog,
        now: Callable[[], float],
        spawn: Callable[..., asyncio.Task],
        on_end: Callable[[str], None],
        on_handed_off: Callable[[bool], None],
    ) -> None:
        self._speaker = speaker
        self._conversation = conversation
        self._handoffs = handoffs
        self._fillers = fillers
        self._filler_after_s = filler_after_s
        self._fillers_said = 0
        self._log = log
        self._now = now
        self._spawn = spawn
        self._on_end = on_end
        self._on_handed_off = on_handed_off
        self.task: asyncio.Task[None] | None = None

    def start(self, actions: AsyncIterator[AgentAction], turn: Turn) -> None:
        """Perform `actions` as the reply of `turn`."""
        self.task = self._spawn(self._perform(actions, turn))

    @property
    def done(self) -> bool:
        return self.task is None or self.task.done()

    async def stop(self) -> None:
        """Cancel the reply in progress, if any, and wait until it has stopped."""
        task = self.task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _perform(self, actions: AsyncIterator[AgentAction], turn: Turn) -> None:
        marks = turn.record.marks
        now = self._now
        try:
            async for action in self._with_filler(actions, turn):
                self._handoffs.post_new()
                if isinstance(action, Say):
                    marks.setdefault("first_reply_text", now())

                    def first_audio() -> None:
                        marks.setdefault("first_audio_synth", now())

                    turn.utterances.append(await self._speaker.say(action.text, first_audio))
                elif isinstance(action, EndCall):
                    await self._speaker.drained()
                    self._on_end(action.reason)
                    return
                elif isinstance(action, PressKeys):
                    self._log.event("keys_sent", digits=action.digits)
                    await self._speaker.press_keys(action.digits)
                elif isinstance(action, Transfer):
                    # the caller is put through now: words they began meanwhile are not
                    # heard any more, so what was held for them goes out
                    self._speaker.resume()
                    connected = await self._handoffs.carry_out(action, self._speaker.drained)
                    self._on_handed_off(connected)
                    if not connected:
                        await self._perform(self._conversation.respond(TransferFailed("")), turn)
                    return
            self._handoffs.post_new()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("agent failed")
            self._log.event("error", where="agent", message=str(error))

    async def _with_filler(
        self, actions: AsyncIterator[AgentAction], turn: Turn
    ) -> AsyncIterator[AgentAction]:
        """The reply's actions, with a filler phrase first when the first one is slow."""
        iterator = aiter(actions)
        first = asyncio.ensure_future(anext(iterator))
        try:
            done, _ = await asyncio.wait({first}, timeout=self._filler_after_s)
            if not done and turn.record.caller_text and self._fillers:
                filler = self._fillers[self._fillers_said % len(self._fillers)]
                self._fillers_said += 1
                self._log.event("filler", text=filler)
                turn.utterances.append(await self._speaker.say(filler, lambda: None))
            action = await first
        except StopAsyncIteration:
            return
        finally:
            first.cancel()
        yield action
        async for action in iterator:
            yield action
