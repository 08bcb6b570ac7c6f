"""The first seconds of an outbound call: screen the answer, then greet or leave a voicemail.

`AnswerScreen` sits between the call's listening and its agent while the callee is not known
to be a person: it feeds the `AnsweringMachineDetector` (answering_machine.py) every frame,
turn and pause's words, and holds the agent's greeting. On a person (or the deadline with a
person default) it greets at once. On a machine it waits for the end of the greeting (the
beep ending, or silence once the greeting's words are known) and leaves the voicemail
message, then hangs up; or hangs up at once, per the options. Until the message starts, a
person's words at the end of a long answer ("... how can I help you?") turn a machine
verdict that rests on length alone into a person one: the agent greets instead. The
call's record gets what was decided and when, in ms after answer:
events `answered_by`, `beep`, `voicemail`, and `answered_by` / `answering` in its dialogue
state; its outcome is "voicemail_left" or "machine_no_message" on a machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from callwright.agent.conversation import AgentAction, Conversation, EndCall, Say
from callwright.audio.frames import AudioFrame
from callwright.call.answering_machine import (
    AnsweredBy,
    AnsweringMachineDetector,
    AnsweringOptions,
    Verdict,
)
from callwright.call.listening import HeardTurn
from callwright.call.replies import Replies
from callwright.call.speaker import Speaker
from callwright.call.turn_log import TurnLog

VOICEMAIL_LEFT = "voicemail_left"  # the call's outcome once the whole message went out
MACHINE_NO_MESSAGE = "machine_no_message"  # hung up on a machine without a message


class AnswerScreen:
    """Screens one outbound call's answer and acts on the verdict (see module doc)."""

    def __init__(
        self,
        options: AnsweringOptions,
        conversation: Conversation,
        replies: Replies,
        speaker: Speaker,
        log: TurnLog,
        spawn: Callable[..., asyncio.Task],
        now: Callable[[], float],
    ) -> None:
        self._detector = AnsweringMachineDetector(options)
        self._options = options
        self._conversation = conversation
        self._replies = replies
        self._speaker = speaker
        self._log = log
        self._spawn = spawn
        self._now = now
        self._greeted = False
        self._quiet_since: float | None = None  # the machine's line silent since then
        self._words_pending = False  # the last callee turn is still being transcribed
        self._voicemail_at: float | None = None
        self._voicemail_after = ""

    @property
    def holds_call(self) -> bool:
        """Whether the agent keeps off the call: undecided yet, or a machine."""
        verdict = self._detector.verdict
        return verdict is None or verdict.acts_as is AnsweredBy.MACHINE

    def hear(self, frame: AudioFrame, at: float, speaking: bool) -> None:
        """One inbound frame that ended `at` s after answer; `speaking`: the callee holds
        the floor (the call's turn-taking)."""
        beep = self._detector.beep
        self._act(self._detector.hear(frame.samples, at, speaking))
        if self._detector.beep is not beep and self._detector.beep.ended_at is not None:
            heard = self._detector.beep
            self._log.event("beep", hz=heard.hz, ms=_ms(heard.started_at),
                            duration_ms=_ms(heard.duration_s or 0.0))
        if self.holds_call and self._detector.verdict is not None:
            self._wait_for_greeting_end(at, speaking)

    def takes_turn(self, heard: HeardTurn) -> bool:
        """A callee turn ended: whether it is the screen's (the agent must not answer it)."""
        held = self.holds_call
        if self._voicemail_at is not None:
            return held  # the message is going out: nothing the machine says changes it
        transcript = heard.transcript
        text = transcript.result() if transcript.done() and not transcript.cancelled() \
            and transcript.exception() is None else None
        self._words_pending = text is None
        if held:
            self._act(self._detector.turn_ended(heard.event.at, heard.duration_ms / 1000, text))
        elif text:
            self._act(self._detector.heard_words(heard.event.at, text))
        if text is None:
            transcript.add_done_callback(self._words_of)
        return held or self.holds_call

    def takes_words(self, text: str) -> bool:
        """Words of a pause in the callee's turn: whether they are the screen's."""
        held = self.holds_call
        self._act(self._detector.heard_words(self._now(), text))
        return held or self.holds_call

    def facts(self) -> dict[str, object]:
        """What the call record keeps in its dialogue state."""
        verdict, beep = self._detector.verdict, self._detector.beep
        return {
            "answered_by": verdict.answered_by.value if verdict else AnsweredBy.UNKNOWN.value,
            "answering": {
                "acted_as": verdict.acts_as.value if verdict else None,
                "decided_ms": _ms(verdict.at) if verdict else None,
                "reason": verdict.reason if verdict else "call ended first",
                "revised": self._detector.revised,
                "beep_ms": _ms(beep.started_at) if beep else None,
                "voicemail_ms": None if self._voicemail_at is None else _ms(self._voicemail_at),
                "voicemail_after": self._voicemail_after or None,
            },
        }

    def _words_of(self, transcript: asyncio.Task[str]) -> None:
        """A turn's words, transcribed after the turn ended."""
        self._words_pending = False
        if self._voicemail_at is not None or transcript.cancelled() or \
                transcript.exception() is not None or not transcript.result():
            return
        self._act(self._detector.turn_words(self._now(), transcript.result()))

    def _act(self, verdict: Verdict | None) -> None:
        if verdict is None:
            return
        self._log.event("answered_by", who=verdict.answered_by.value,
                        acts_as=verdict.acts_as.value, reason=verdict.reason, ms=_ms(verdict.at),
                        revised=self._detector.revised)
        if verdict.acts_as is AnsweredBy.PERSON:
            if not self._greeted:
                self._greeted = True
                self._replies.start(self._conversation.greet(), self._log.current)
        elif self._options.on_machine == "hang_up":
            self._spawn(self._take_over(_actions(None, MACHINE_NO_MESSAGE)))
        elif self._detector.revised:
            self._spawn(self._take_over(_actions(None, None)))  # the agent stops at once

    def _wait_for_greeting_end(self, at: float, speaking: bool) -> None:
        """The machine's greeting is over once its beep ended, or after a silence with its
        words known (they may show a person waiting for us); then the message goes out
        (once)."""
        if self._voicemail_at is not None or self._options.on_machine != "leave_message":
            return
        beep, verdict = self._detector.beep, self._detector.verdict
        if speaking or self._detector.tone_sounding:
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = at
        if beep is not None and beep.ended_at is not None:
            after = "beep"
        elif self._quiet_since is not None and not self._words_pending and \
                at - self._quiet_since >= self._options.greeting_end_silence_s:
            after = "silence"
        elif verdict is not None and at - verdict.at >= self._options.max_greeting_s:
            after = "max wait"
        else:
            return
        self._voicemail_at, self._voicemail_after = at, after
        self._log.event("voicemail", ms=_ms(at), after=after)
        self._spawn(self._take_over(_actions(self._options.voicemail_text, VOICEMAIL_LEFT)))

    async def _take_over(self, actions: AsyncIterator[AgentAction]) -> None:
        """Stop the agent where it is and perform `actions` instead, as a turn of their own
        (the voicemail message, or hanging up on a machine)."""
        await self._replies.stop()
        self._speaker.discard()
        await self._log.close()
        self._log.start("")
        self._replies.start(actions, self._log.current)


async def _actions(text: str | None, end: str | None) -> AsyncIterator[AgentAction]:
    """Say `text` (when given), then end the call with reason `end` (when given)."""
    if text:
        yield Say(text)
    if end:
        yield EndCall(end)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
