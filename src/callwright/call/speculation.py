"""Replies run ahead of time: while the caller pauses, the agent answers what it has heard.

When a pause's transcript arrives and the turn is not over yet (a yes or no that decides
an action is let finish; words that trail off are waited on), a speculative copy of the
conversation answers those words: it runs look-ups but stops at any action that would
change records (`WouldChangeRecords`), and the real conversation is not touched. The
first clauses of its reply are synthesized into the speaker's store of prepared audio.

When the turn ends on the very same words, the real conversation answers them as always,
and the clauses it says that were prepared go out at once: the speculation was *used*.
When the caller goes on (or the turn ends on other words), it is *discarded*; when the
real reply differs from it, or it stopped at a write, it was *wasted*. Only what the
real conversation says reaches the caller, so speculation never changes what is said.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from callwright.agent.conversation import CallerSaid, Conversation, Say, WouldChangeRecords
from callwright.call.speaker import Speaker
from callwright.speech.engines import TextToSpeech
from callwright.speech.tts.clauses import speaking_clauses

log = logging.getLogger("callwright.call")

PREPARED_CLAUSES = 2  # clauses of a speculative reply synthesized ahead: the first sounds


@dataclass(slots=True)
class SpeculationCounts:
    """How one call's speculations ended."""

    used: int = 0  # the reply began with prepared audio
    discarded: int = 0  # the caller went on, or the turn ended on other words
    wasted: int = 0  # the turn ended on those words, but the prepared audio went unsaid

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Speculation:
    """One call's speculative replies: started on a pause, then used or thrown away."""

    def __init__(
        self,
        conversation: Conversation,
        speaker: Speaker,
        tts: TextToSpeech,
        spawn: Callable[..., asyncio.Task],
        on_event: Callable[..., None],
    ) -> None:
        self.counts = SpeculationCounts()
        self._conversation = conversation
        self._speaker = speaker
        self._tts = tts
        self._spawn = spawn
        self._event = on_event
        self._text: str | None = None  # the words answered ahead, until the turn ends
        self._task: asyncio.Task[None] | None = None
        self._committed = False  # a turn ended on the words answered: judge its reply
        self._synthesizing = False  # the answer is known and its first clauses synthesizing

    def start(self, text: str) -> None:
        """The caller paused after `text` and may be done: answer it ahead of time."""
        if self._text is not None:
            self._drop("discarded")
        self._text = text
        self._task = self._spawn(self._run(text))

    def caller_went_on(self) -> None:
        """The caller spoke again: what was answered ahead is not their turn."""
        if self._text is not None:
            self._drop("discarded")

    async def commit(self, text: str) -> None:
        """The caller's turn ended with `text`: keep what was prepared when it answers these
        very words. A synthesis under way is waited for (the reply would only redo it); an
        answer still being worked out (a slow look-up) is left to the real reply."""
        if self._text is None:
            return
        if text != self._text:
            self._drop("discarded")
            return
        task, self._text = self._task, None
        if task is not None and not task.done():
            if self._synthesizing:
                await asyncio.wait({task})
            else:
                task.cancel()
        self._committed = True

    def settle(self) -> None:
        """The committed turn's reply is over: count whether prepared audio was used."""
        if not self._committed:
            return
        self._committed = False
        used = self._speaker.forget_prepared() > 0
        result = "used" if used else "wasted"
        setattr(self.counts, result, getattr(self.counts, result) + 1)
        self._event("speculation", result=result)

    def _drop(self, result: str) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._text, self._task = None, None
        self._speaker.forget_prepared()
        setattr(self.counts, result, getattr(self.counts, result) + 1)
        self._event("speculation", result=result)

    async def _run(self, text: str) -> None:
        self._synthesizing = False
        try:
            says = await self._answer(text)
        except WouldChangeRecords as write:
            log.debug("speculation stopped before %s", write)
            return
        except Exception:
            log.exception("speculative reply failed")
            return
        clauses = [clause for say in says for clause in speaking_clauses(
            say, lambda known: self._speaker.ready_audio(known) is not None)]
        missing = [c for c in clauses[:PREPARED_CLAUSES] if self._speaker.ready_audio(c) is None]
        if not missing:
            return
        self._synthesizing = True
        stream = self._tts.synthesize_clauses(missing)
        try:
            for clause in missing:
                self._speaker.prepare(clause, await anext(stream))
        finally:
            await stream.aclose()

    async def _answer(self, text: str) -> list[str]:
        """What the agent would say first to `text`: its `Say`s up to any other action."""
        says: list[str] = []
        async for action in self._conversation.speculative_copy().respond(CallerSaid(text)):
            if not isinstance(action, Say):
                break
            says.append(action.text)
        return says
