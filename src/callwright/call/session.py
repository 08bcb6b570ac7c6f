"""One live call: listen, think, speak, stop; record everything.

`CallSession` joins a `Transport`, the shared speech engines and a per-call
`Conversation`. Every inbound frame goes through the VAD into the turn-taking
policy; its events drive speculative transcription, end of turn, barge-in and
backchannel handling. Replies run as one cancellable task per turn, so a
barge-in or a keypress stops the agent at once, and only what the caller heard
stays in the conversation history. Every turn carries its timing marks on the
monotonic clock; the call, its turns and events go to the store as they happen
(in a thread, never blocking the audio path), the stereo recording at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from callwright.agent.conversation import (
    Agent,
    AgentAction,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    Conversation,
    EndCall,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.audio.frames import FRAME_MS, AudioFrame
from callwright.call.bridge import Bridge
from callwright.call.handoff import CallHandoffs, Dial
from callwright.call.recorder import CallRecorder
from callwright.call.speaker import Speaker, Utterance
from callwright.speech.loader import SpeechEngines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.speech.turns import (
    TurnEvent,
    TurnEventKind,
    TurnTaking,
    TurnTakingOptions,
    is_backchannel,
)
from callwright.store.calls import CallRepository
from callwright.store.records import CallEventRecord, CallRecord, TurnRecord
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup, Transport

log = logging.getLogger("callwright.call")

PRE_ROLL_FRAMES = 15  # 300 ms of audio kept from before the VAD noticed speech
MAX_UTTERANCE_S = 30.0  # Whisper's window; longer turns are transcribed from their end
SUMMARY_TIMEOUT_S = 5.0  # a language model writing the call summary gets this long
TRANSFER_GRACE_S = 5.0  # a transfer that ended our leg gets this long to report its result


@dataclass(frozen=True, slots=True)
class CallOptions:
    turn_taking: TurnTakingOptions = field(default_factory=TurnTakingOptions)
    no_input_timeout_s: float = 7.0
    """Caller silence after the agent finished speaking that counts as no input, for
    agents that do not set their own."""
    recordings_dir: Path = Path("var/recordings")
    filler_after_s: float = 0.7
    """A reply not started by then (a slow backend or model) gets a filler phrase first."""


@dataclass(slots=True)
class _Turn:
    """A turn in progress: the caller's words and the agent's reply to them."""

    record: TurnRecord
    utterances: list[Utterance] = field(default_factory=list)

    def heard_text(self) -> str:
        return " ".join(text for u in self.utterances if (text := u.heard_text()))


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
    ) -> None:
        self._transport = transport
        self._agent = agent
        self._stt = engines.stt
        self._vad = engines.vad.new_stream()
        self._calls = calls
        self._options = options or CallOptions()
        self._clock = clock
        self._turns = TurnTaking(self._options.turn_taking)
        self._no_input_timeout_s = getattr(
            agent, "no_input_timeout_s", self._options.no_input_timeout_s
        )
        self._speaker = Speaker(transport, engines.tts, prompts)
        self._recorder = CallRecorder()
        call_id = transport.call_id or uuid.uuid4().hex
        self._conversation: Conversation = agent.start_conversation(
            getattr(transport, "remote_party", transport.caller),
            outbound=getattr(transport, "direction", "inbound") == "outbound",
            call_id=call_id,
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
        self._pre_roll: deque[AudioFrame] = deque(maxlen=PRE_ROLL_FRAMES)
        self._utterance: list[AudioFrame] = []
        self._speculation: tuple[int, float, asyncio.Task[str]] | None = None
        self._generation = 0
        self._carried_text = ""
        self._turn_index = 0
        self._current: _Turn | None = None
        self._reply_task: asyncio.Task[None] | None = None
        self._finish_task: asyncio.Task[None] | None = None
        self._last_activity = clock()
        self._ended = asyncio.Event()
        self._hangup: asyncio.Task | None = None
        self._keypad = asyncio.Lock()
        self._outcome = "caller_hung_up"
        self._background: set[asyncio.Task] = set()
        self._fillers = 0
        self._handoffs = CallHandoffs(
            transport, self._conversation, self.record, engines.tts, prompts, dial, self._event,
            self._spawn, agent.handoff_webhook,
        )
        transport.on_frame_sent(self._on_frame_sent)

    # ---- the call's life ----

    async def run(self) -> CallRecord:
        await self._store("start_call", self.record)
        self._start_turn("")
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
        if self._handoffs.transferring and self._handoffs.blind and self._reply_task:
            # a blind transfer settles as our leg ends (the phone moved, or hung up): let it
            # report; a warm one the caller hung up on is cancelled at once (no more ringing)
            await asyncio.wait({self._reply_task}, timeout=TRANSFER_GRACE_S)
        await self._handoffs.close()
        for task in (self._reply_task, self._finish_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._hangup is None:
            self._hangup = self._spawn(self._transport.hangup())
        with contextlib.suppress(Exception):
            await self._hangup
        await self._close_turn()
        path = self._options.recordings_dir / f"{self.record.id}.wav"
        try:
            await asyncio.to_thread(self._recorder.save, path)
            self.record.recording_path = str(path)
        except OSError:
            log.exception("could not save the recording of call %s", self.record.id)
        self.record.ended_at = datetime.now(UTC)
        self.record.outcome = self._outcome
        self.record.dialogue_state = _state_dict(self._conversation)
        self.record.dialogue_state["summary"] = await self._summary()
        if self._calls is not None:
            await self._store_call_end()

    async def _summary(self) -> str:
        summarize = getattr(self._conversation, "summary", None)
        if summarize is None:
            return ""
        try:
            return await asyncio.wait_for(summarize(), SUMMARY_TIMEOUT_S)
        except Exception:
            log.exception("no summary for call %s", self.record.id)
            return ""

    async def _store_call_end(self) -> None:
        try:
            await asyncio.to_thread(
                self._calls.finish_call,
                self.record.id,
                outcome=self.record.outcome,
                ended_at=self.record.ended_at,
                recording_path=self.record.recording_path,
                dialogue_state=self.record.dialogue_state,
            )
        except Exception:
            log.exception("could not store the end of call %s", self.record.id)

    # ---- inbound audio and turn-taking ----

    def _on_audio(self, event: InboundAudio) -> None:
        now = event.received_at - self._t0
        frame = event.frame
        self._recorder.add_caller(frame, event.received_at)
        if self._handoffs.bridge is not None:
            self._handoffs.bridge.from_caller(frame)
            return
        if self._handoffs.transferring:
            return  # the caller is on hold: no turns until the transfer is over
        probability = self._vad.speech_probability(frame)
        if self._turns.caller_speaking:
            self._utterance.append(frame)
        else:
            self._pre_roll.append(frame)
        for turn_event in self._turns.on_frame(now, probability, self._speaker.audio_pending()):
            self._on_turn_event(turn_event)
        self._check_no_input(now)

    def _on_turn_event(self, event: TurnEvent) -> None:
        if event.kind is TurnEventKind.SPEECH_STARTED:
            self._turns.decisive = self._conversation.decides_action()
            self._utterance = list(self._pre_roll)
            self._pre_roll.clear()
            self._last_activity = self._now()
            self._abandon_silent_reply()
        elif event.kind is TurnEventKind.BARGE_IN:
            self._speaker.hold()
            self._event("barge_in", at_speech=round(event.speech_start, 3))
        elif event.kind is TurnEventKind.PAUSED:
            self._speculate()
        elif event.kind is TurnEventKind.RESUMED:
            self._generation += 1
            self._speculation = None
        elif event.kind is TurnEventKind.END_OF_TURN:
            speculation, self._speculation = self._speculation, None
            if speculation is not None and speculation[0] == self._generation:
                _, started, transcript = speculation
            else:
                started = self._now()
                transcript = self._spawn(self._transcribe(self._utterance_audio()))
            self._utterance = []
            self._finish_task = self._spawn(self._finish_caller_turn(event, started, transcript))

    def _speculate(self) -> None:
        """Start transcribing the turn so far while the caller pauses."""
        self._generation += 1
        generation = self._generation
        task = self._spawn(self._transcribe(self._utterance_audio()))
        self._speculation = (generation, self._now(), task)

        def ready(done: asyncio.Task[str]) -> None:
            if done.cancelled() or done.exception() or generation != self._generation:
                return
            for event in self._turns.transcript_ready(self._now(), done.result()):
                self._on_turn_event(event)

        task.add_done_callback(ready)

    async def _transcribe(self, pcm: np.ndarray) -> str:
        try:
            transcript = await self._stt.transcribe(pcm, self._agent.speech_context)
        except Exception as error:
            log.exception("speech-to-text failed on call %s", self.record.id)
            self._event("error", where="speech-to-text", message=str(error))
            return ""
        return transcript.text.strip()

    def _utterance_audio(self) -> np.ndarray:
        frames = self._utterance[-int(MAX_UTTERANCE_S * 1000 / FRAME_MS) :]
        if not frames:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([frame.samples for frame in frames])

    async def _finish_caller_turn(
        self, event: TurnEvent, transcript_started: float, transcript: asyncio.Task[str]
    ) -> None:
        text = await transcript
        transcript_at = self._now()
        duration_ms = ((event.speech_end or event.at) - event.speech_start) * 1000
        if event.barge_in and self._speaker.holding:
            short = duration_ms <= self._options.turn_taking.backchannel_max_ms
            answering = self._conversation.takes_short_answers()
            if not text or (short and is_backchannel(text) and not answering):
                self._speaker.resume()
                self._event("backchannel", text=text)
                return
            await self._interrupt_agent()
        if not text and not self._carried_text:
            self._event("noise", duration_ms=round(duration_ms))
            return
        text = f"{self._carried_text} {text}".strip()
        self._carried_text = ""
        await self._close_turn()
        self._start_turn(text)
        marks = self._current.record.marks
        marks["speech_start"] = event.speech_start
        marks["speech_end"] = event.speech_end or event.at
        marks["transcript_started"] = transcript_started
        marks["end_of_turn"] = event.at
        marks["transcript_ready"] = transcript_at
        self._reply(self._conversation.respond(CallerSaid(text)))

    def _abandon_silent_reply(self) -> None:
        """The caller spoke again before hearing any of the reply: answer both at once."""
        turn = self._current
        if (
            self._reply_task is not None
            and not self._reply_task.done()
            and turn is not None
            and turn.record.caller_text
            and "first_audio_sent" not in turn.record.marks
        ):
            self._reply_task.cancel()
            self._speaker.discard()
            self._conversation.agent_was_interrupted("")
            self._carried_text = turn.record.caller_text
            self._current = None
            self._turn_index -= 1

    # ---- keypad ----

    def _on_digit(self, event: DtmfDigit) -> None:
        self._event("dtmf", digit=event.digit)
        if self._handoffs.transferring or self._handoffs.bridge is not None:
            return
        self._last_activity = self._now()
        self._finish_task = self._spawn(self._keyed(event.digit))

    async def _keyed(self, digit: str) -> None:
        """One key press; presses are handled in order, each after the previous one's reply
        has started, so "4821" typed quickly reaches the agent as four digits."""
        async with self._keypad:
            if self._speaker.audio_pending():
                await self._interrupt_agent()
            elif self._reply_task is not None and not self._reply_task.done():
                await asyncio.wait({self._reply_task})  # a silent reply to the previous key
            await self._close_turn()
            self._start_turn(f"[keypad {digit}]")
            self._current.record.marks["end_of_turn"] = self._now()
            self._reply(self._conversation.respond(CallerKeyed(digit)))

    # ---- no input ----

    def _check_no_input(self, now: float) -> None:
        busy = (
            self._turns.caller_speaking
            or self._speaker.audio_pending()
            or (self._reply_task is not None and not self._reply_task.done())
            or (self._finish_task is not None and not self._finish_task.done())
        )
        if busy:
            self._last_activity = now
            return
        silent_s = now - self._last_activity
        if silent_s >= self._no_input_timeout_s:
            self._last_activity = now
            self._event("no_input", seconds=round(silent_s, 1))
            self._finish_task = self._spawn(self._silent(silent_s))

    async def _silent(self, seconds: float) -> None:
        await self._close_turn()
        self._start_turn("")
        self._reply(self._conversation.respond(CallerSilent(seconds)))

    # ---- replies ----

    def _reply(self, actions: AsyncIterator[AgentAction]) -> None:
        self._reply_task = self._spawn(self._perform(actions, self._current))

    async def _perform(self, actions: AsyncIterator[AgentAction], turn: _Turn) -> None:
        marks = turn.record.marks
        try:
            async for action in self._with_filler(actions, turn):
                self._handoffs.post_new()
                if isinstance(action, Say):
                    marks.setdefault("first_reply_text", self._now())

                    def first_audio() -> None:
                        marks.setdefault("first_audio_synth", self._now())

                    utterance_task = self._speaker.say(action.text, first_audio)
                    turn.utterances.append(await utterance_task)
                elif isinstance(action, EndCall):
                    await self._speaker.drained()
                    self._outcome = _OUTCOMES.get(action.reason, action.reason)
                    self._event("hangup", by="agent", reason=action.reason)
                    self._ended.set()
                    # not part of this cancellable task: the BYE must complete
                    self._hangup = self._spawn(self._transport.hangup())
                    return
                elif isinstance(action, Transfer):
                    if await self._hand_off(action):
                        return
                    await self._perform(self._conversation.respond(TransferFailed("")), turn)
                    return
            self._handoffs.post_new()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("agent failed on call %s", self.record.id)
            self._event("error", where="agent", message=str(error))

    async def _with_filler(
        self, actions: AsyncIterator[AgentAction], turn: _Turn
    ) -> AsyncIterator[AgentAction]:
        """The reply's actions; when the first is slow (a backend, a model), a short filler
        phrase goes out meanwhile so the caller never hears dead air."""
        iterator = aiter(actions)
        first = asyncio.ensure_future(anext(iterator))
        try:
            done, _ = await asyncio.wait({first}, timeout=self._options.filler_after_s)
            if not done and turn.record.caller_text and self._agent.fillers:
                filler = self._agent.fillers[self._fillers % len(self._agent.fillers)]
                self._fillers += 1
                self._event("filler", text=filler)
                turn.utterances.append(await self._speaker.say(filler, lambda: None))
            action = await first
        except StopAsyncIteration:
            return
        finally:
            first.cancel()
        yield action
        async for action in iterator:
            yield action

    async def _hand_off(self, transfer: Transfer) -> bool:
        """Carry out a transfer; True when the caller is now with a person."""
        connected = await self._handoffs.carry_out(transfer, self._speaker.drained)
        if not connected:
            self._last_activity = self._now()
            return False
        self._outcome = "transferred"
        if self._handoffs.bridge is not None:
            self._spawn(self._end_with(self._handoffs.bridge))
        return True

    async def _end_with(self, bridge: Bridge) -> None:
        """The person hung up: the call is over for the caller too."""
        await bridge.ended.wait()
        self._event("hangup", by="person", reason=bridge.hangup_reason)
        self._ended.set()
        if self._hangup is None:
            self._hangup = self._spawn(self._transport.hangup())

    async def _interrupt_agent(self) -> None:
        """The caller took the floor for real: stop the reply and keep only what was heard."""
        task = self._reply_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._speaker.discard()
        if self._current is not None:
            self._current.record.interrupted = True
            heard = self._current.heard_text()
            self._conversation.agent_was_interrupted(heard)

    def _on_frame_sent(self, frame: AudioFrame, at: float) -> None:
        self._recorder.add_agent(frame, at)
        turn = self._current
        if frame.utterance_id is not None and turn is not None:
            turn.record.marks.setdefault("first_audio_sent", at - self._t0)

    # ---- turns, events and the store ----

    def _start_turn(self, caller_text: str) -> None:
        self._current = _Turn(TurnRecord(self._turn_index, caller_text, ""))
        self._turn_index += 1

    async def _close_turn(self) -> None:
        turn, self._current = self._current, None
        if turn is None:
            return
        turn.record.agent_text = turn.heard_text()
        turn.record.dialogue_state = _state_dict(self._conversation, with_history=False)
        self.record.turns.append(turn.record)
        await self._store("add_turn", self.record.id, turn.record)

    def _event(self, kind: str, **data: object) -> None:
        event = CallEventRecord(self._now(), kind, data)
        self.record.events.append(event)
        self._spawn(self._store("add_event", self.record.id, event))

    async def _store(self, method: str, *args: object) -> None:
        if self._calls is None:
            return
        try:
            await asyncio.to_thread(getattr(self._calls, method), *args)
        except Exception:
            log.exception("could not store %s for call %s", method, self.record.id)

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _now(self) -> float:
        return self._clock() - self._t0


_OUTCOMES = {"goodbye": "completed", "no input": "no_input"}


def _state_dict(conversation: Conversation, with_history: bool = True) -> dict:
    state = asdict(conversation.state)
    state.pop("history")
    if with_history:
        state["history"] = [
            {"role": entry.role, "text": entry.text} for entry in conversation.state.history
        ]
    return state
