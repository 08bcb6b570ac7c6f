"""One live call: listen, think, speak, stop; record everything.

`CallSession` joins a `Transport`, the shared speech engines and a per-call
`Conversation`. The `Listener` (listening.py) turns inbound frames into turn events
and transcribed caller turns; the session answers them: barge-in, backchannels, and
replies that run as one cancellable task per turn, so a barge-in or a keypress stops
the agent at once, and only what the caller heard stays in the conversation history.

No speech is lost: a caller who goes on speaking before hearing more than the first
words of the reply was not done. The `AgentFloor` (agent_floor.py) takes the reply back
and puts the conversation back to before it; both parts are transcribed and answered as
one turn. A backchannel or noise instead lets the held reply go on.

Every turn carries its timing marks on the monotonic clock; the `TurnLog`
(turn_log.py) stores the call, its turns and events as they happen, the stereo
recording at the end.

An outbound call given `AnsweringOptions` screens its answer first (`AnswerScreen`,
voicemail.py): the agent greets a person, and a machine gets the voicemail message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime

import numpy as np

from callwright.agent.conversation import (
    Agent,
    AgentAction,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    Conversation,
)
from callwright.audio.frames import AudioFrame
from callwright.call.agent_floor import AgentFloor
from callwright.call.answering_machine import AnsweringOptions
from callwright.call.bridge import Bridge
from callwright.call.handoff import CallHandoffs, Dial
from callwright.call.listening import HeardTurn, Listener
from callwright.call.no_input import NoInputWatch
from callwright.call.options import CallOptions
from callwright.call.recorder import CallRecorder
from callwright.call.replies import Replies
from callwright.call.speaker import Speaker
from callwright.call.speculation import Speculation
from callwright.call.turn_log import TurnLog
from callwright.call.voicemail import AnswerScreen
from callwright.speech.loader import SpeechEngines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.speech.turns import TurnEvent, TurnEventKind, TurnTaking, is_backchannel
from callwright.store.calls import CallRepository
from callwright.store.records import CallRecord
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup, Transport

log = logging.getLogger("callwright.call")

TRANSFER_GRACE_S = 5.0  # a transfer that ended our leg gets this long to report its result


class CallSession:
    """Runs one call from answer to hang-up and returns its record."""

    def __init__(
        self,
        transport: Transport,
        agent: Agent,
        engines: SpeechEngines,
        prompts: PromptCache,
        calls: CallRepository | None,
        options: CallOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
        dial: Dial | None = None,
        answering: AnsweringOptions | None = None,
        contact: Mapping[str, str] | None = None,
    ) -> None:
        """`answering`: screen an outbound call's answer for a machine (voicemail.py);
        `contact`: the called person's fields (a campaign's) for the agent's opening."""
        self._transport = transport
        self._agent = agent
        self._options = options or CallOptions()
        self._clock = clock
        self._speaker = Speaker(transport, engines.tts, prompts)
        self._recorder = CallRecorder()
        call_id = transport.call_id or uuid.uuid4().hex
        self._conversation: Conversation = agent.start_conversation(
            getattr(transport, "remote_party", transport.caller),
            outbound=getattr(transport, "direction", "inbound") == "outbound",
            call_id=call_id,
            contact=contact,
        )
        self._t0 = clock()
        self.record = CallRecord(
            id=call_id,
            agent=agent.name,
            caller=transport.caller,
            callee=transport.callee or agent.name,
            transport=getattr(transport, "transport_name", "unknown"),
            started_at=datetime.now(UTC),
        )
        self._background: set[asyncio.Task] = set()
        self._log = TurnLog(self.record, calls, self._conversation, self._now, self._spawn)
        self._listener = Listener(
            engines.vad.new_stream(), engines.stt, TurnTaking(self._options.turn_taking),
            agent.speech_context, self._now, self._spawn, self._on_turn_event,
            self._on_caller_turn, self._stt_failed, engines.careful_stt, self._event,
            self._on_paused_words,
        )
        self._speculation = Speculation(
            self._conversation, self._speaker, engines.tts, self._spawn, self._event
        )
        self._continuing = False  # the caller's speech now may continue the last turn
        self._finish_task: asyncio.Task[None] | None = None
        self._no_input = NoInputWatch(
            getattr(agent, "no_input_timeout_s", self._options.no_input_timeout_s), 0.0
        )
        self._ended = asyncio.Event()
        self._hangup: asyncio.Task | None = None
        self._keypad = asyncio.Lock()
        self._outcome = "caller_hung_up"
        self._handoffs = CallHandoffs(
            transport, self._conversation, self.record, engines.tts, prompts, dial, self._event,
            self._spawn, agent.handoff_webhook,
        )
        self._replies = Replies(
            self._speaker, self._conversation, self._handoffs, agent.fillers,
            self._options.filler_after_s, self._log, self._now, self._spawn,
            self._agent_ended_call, self._handed_off,
        )
        self._floor = AgentFloor(self._conversation, self._replies, self._speaker, self._log)
        self._screen = AnswerScreen(
            answering, self._conversation, self._replies, self._speaker, self._log, self._spawn,
            self._now,
        ) if answering and answering.enabled else None
        transport.on_frame_sent(self._on_frame_sent)

    # ---- the call's life ----

    async def run(self) -> CallRecord:
        await self._log.store("start_call", self.record)
        self._log.start("")
        if self._screen is None:
            self._reply(self._conversation.greet())
        try:
            async for event in self._transport.events():
                if isinstance(event, InboundAudio):
                    self._on_audio(event)
                elif isinstance(event, DtmfDigit):
                    self._on_digit(event)
                elif isinstance(event, RemoteHangup):
                    self._event("hangup", by="caller", reason=event.reason)
                    break
                if self._ended.is_set():
                    break
        except Exception:
            log.exception("call %s failed", self.record.id)
            self._outcome = "error"
        finally:
            await self._close()
        return self.record

    async def _close(self) -> None:
        reply = self._replies.task
        if self._handoffs.transferring and self._handoffs.blind and reply:
            # a blind transfer settles as our leg ends (the phone moved, or hung up): let it
            # report; a warm one the caller hung up on is cancelled at once (no more ringing)
            await asyncio.wait({reply}, timeout=TRANSFER_GRACE_S)
        await self._handoffs.close()
        for task in (reply, self._finish_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._hangup is None:
            self._hangup = self._spawn(self._transport.hangup())
        with contextlib.suppress(Exception):
            await self._hangup
        await self._log.close()
        path = self._options.recordings_dir / f"{self.record.id}.wav"
        try:
            await asyncio.to_thread(self._recorder.save, path)
            self.record.recording_path = str(path)
        except OSError:
            log.exception("could not save the recording of call %s", self.record.id)
        await self._log.finish(self._outcome, speculation=self._speculation.counts.as_dict(),
                               **(self._screen.facts() if self._screen else {}))

    # ---- the caller's turns ----

    def _on_audio(self, event: InboundAudio) -> None:
        frame = event.frame
        self._recorder.add_caller(frame, event.received_at)
        if self._handoffs.bridge is not None:
            self._handoffs.bridge.from_caller(frame)
            return
        if self._handoffs.transferring:
            return  # the caller is on hold: no turns until the transfer is over
        now = event.received_at - self._t0
        self._listener.hear(frame, now, self._speaker.audio_pending())
        if self._screen is not None:
            self._screen.hear(frame, now, self._listener.caller_speaking)
            if self._screen.holds_call:
                return
        self._check_no_input(now)

    def _on_turn_event(self, event: TurnEvent) -> None:
        if self._screen is not None and self._screen.holds_call:
            return  # the callee may be a machine: the agent does not answer it
        if event.kind is TurnEventKind.SPEECH_STARTED:
            self._listener.turns.decisive = self._conversation.decides_action()
            self._listener.gives_awaited = self._conversation.hears_awaited
            self._no_input.active(self._now())
            self._continuing = self._may_continue(event)
            if self._continuing:
                self._speaker.hold()  # the caller was not done: nothing more goes out for now
        elif event.kind is TurnEventKind.BARGE_IN:
            self._speaker.hold()
            self._event("barge_in", at_speech=round(event.speech_start, 3))
        elif event.kind is TurnEventKind.RESUMED:
            self._speculation.caller_went_on()

    def _on_paused_words(self, text: str) -> None:
        """The caller paused after `text`, their turn maybe not over: answer it ahead when
        the agent is idle (nothing of its own to say or undo)."""
        if self._screen is not None and self._screen.takes_words(text):
            return
        idle = self._replies.done and not self._speaker.audio_pending() and (
            self._finish_task is None or self._finish_task.done())
        if idle and not self._handoffs.transferring and self._handoffs.bridge is None:
            self._speculation.start(text)

    def _may_continue(self, event: TurnEvent) -> bool:
        """Whether speech starting now may be the rest of the caller's last turn: that turn
        is still being understood, or its reply has barely begun."""
        if self._handoffs.transferring or self._ended.is_set():
            return False
        if self._finish_task is not None and not self._finish_task.done():
            return True
        return self._floor.joins_turn(event.speech_start)

    def _on_caller_turn(self, heard: HeardTurn) -> None:
        if self._screen is not None and self._screen.takes_turn(heard):
            return
        continuing, self._continuing = self._continuing, False
        before = self._finish_task
        self._finish_task = self._spawn(self._finish_caller_turn(heard, continuing, before))

    async def _finish_caller_turn(
        self, heard: HeardTurn, continuing: bool, before: asyncio.Task | None
    ) -> None:
        if before is not None and not before.done():
            await asyncio.wait({before})  # the turn this one may continue comes first
        text = await heard.transcript
        if self._screen is not None and self._screen.holds_call:
            return  # the words showed a machine
        if self._speaker.holding:
            short = heard.duration_ms <= self._options.turn_taking.backchannel_max_ms
            answering = self._conversation.takes_short_answers()
            if not text or (short and is_backchannel(text) and not answering):
                self._speaker.resume()
                self._event("backchannel", text=text)
                return
        if not text:
            self._event("noise", duration_ms=round(heard.duration_ms))
            return
        speech_start, audio = heard.event.speech_start, heard.audio
        if continuing and self._floor.can_take_back() and await self._floor.take_back():
            first = self._log.drop_current()
            audio = np.concatenate([first.audio, audio])
            text = await self._listener.transcribe(audio) or f"{first.record.caller_text} {text}"
            speech_start = first.record.marks.get("speech_start", speech_start)
            self._event("joined", first=first.record.caller_text, then=text,
                        heard_reply=first.heard_text())
        elif self._speaker.holding or self._speaker.audio_pending():
            await self._floor.interrupt()
        early = heard.second_listen if audio is heard.audio else None  # not for joined halves
        text = await self._listener.listen_again(
            audio, text, self._conversation.hears_awaited, early)
        transcript_ready = self._now()
        await self._speculation.commit(text)
        await self._log.close()
        turn = self._log.start(text, audio)
        marks = turn.record.marks
        marks["speech_start"] = speech_start
        marks["speech_end"] = heard.event.speech_end or heard.event.at
        marks["transcript_started"] = heard.transcript_started
        marks["end_of_turn"] = heard.event.at
        marks["transcript_ready"] = transcript_ready
        self._floor.before_reply()
        self._reply(self._conversation.respond(CallerSaid(text)))
        self._replies.task.add_done_callback(lambda _: self._speculation.settle())

    def _stt_failed(self, message: str) -> None:
        self._event("error", where="speech-to-text", message=message)

    # ---- keypad ----

    def _on_digit(self, event: DtmfDigit) -> None:
        self._event("dtmf", digit=event.digit)
        held = self._screen is not None and self._screen.holds_call
        if self._handoffs.transferring or self._handoffs.bridge is not None or held:
            return
        self._no_input.active(self._now())
        self._finish_task = self._spawn(self._keyed(event.digit))

    async def _keyed(self, digit: str) -> None:
        """One key press; presses are handled in order, each after the previous one's reply
        has started, so "4821" typed quickly reaches the agent as four digits."""
        async with self._keypad:
            if self._speaker.audio_pending():
                await self._floor.interrupt()
            elif not self._replies.done:
                await asyncio.wait({self._replies.task})  # a silent reply to the previous key
            await self._log.close()
            self._log.start(f"[keypad {digit}]").record.marks["end_of_turn"] = self._now()
            self._floor.settle()
            self._reply(self._conversation.respond(CallerKeyed(digit)))

    # ---- no input ----

    def _check_no_input(self, now: float) -> None:
        busy = (
            self._listener.caller_speaking
            or self._speaker.audio_pending()
            or not self._replies.done
            or (self._finish_task is not None and not self._finish_task.done())
        )
        if busy:
            self._no_input.active(now)
            return
        silent_s = self._no_input.silent_for(now)
        if silent_s is not None:
            self._event("no_input", seconds=round(silent_s, 1))
            self._finish_task = self._spawn(self._silent(silent_s))

    async def _silent(self, seconds: float) -> None:
        await self._log.close()
        self._log.start("")
        self._floor.settle()
        self._reply(self._conversation.respond(CallerSilent(seconds)))

    # ---- replies ----

    def _reply(self, actions: AsyncIterator[AgentAction]) -> None:
        self._replies.start(actions, self._log.current)

    def _agent_ended_call(self, reason: str) -> None:
        self._outcome = _OUTCOMES.get(reason, reason)
        self._event("hangup", by="agent", reason=reason)
        self._ended.set()
        # not part of the reply's cancellable task: the BYE must complete
        self._hangup = self._spawn(self._transport.hangup())

    def _handed_off(self, connected: bool) -> None:
        self._floor.settle()  # a transfer was tried: that reply is not taken back
        if not connected:
            self._no_input.active(self._now())
            return
        self._outcome = "transferred"
        if self._handoffs.bridge is not None:
            self._spawn(self._end_with(self._handoffs.bridge))

    async def _end_with(self, bridge: Bridge) -> None:
        """The person hung up: the call is over for the caller too."""
        await bridge.ended.wait()
        self._event("hangup", by="person", reason=bridge.hangup_reason)
        self._ended.set()
        if self._hangup is None:
            self._hangup = self._spawn(self._transport.hangup())

    def _on_frame_sent(self, frame: AudioFrame, at: float) -> None:
        self._recorder.add_agent(frame, at)
        turn = self._log.current
        if frame.utterance_id is not None and turn is not None:
            turn.record.marks.setdefault("first_audio_sent", at - self._t0)

    def _event(self, kind: str, **data: object) -> None:
        self._log.event(kind, **data)

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _now(self) -> float:
        return self._clock() - self._t0


_OUTCOMES = {"goodbye": "completed", "no input": "no_input"}
