"""The caller's side of one call: frames in, turns out.

Every inbound frame goes through the VAD into the turn-taking policy. The `Listener`
keeps the audio of the turn being spoken (with a short pre-roll from before the VAD
noticed speech), starts a speculative transcription whenever the caller pauses, and drops
it when they go on; a pause's words that do not end the turn yet are passed on, so the
call can answer them ahead of time (speculation.py). While nobody speaks it learns the
line's steady noise, taken out of each utterance before transcription (audio/denoise.py).
When the turn ends it hands the call a `HeardTurn`: the end-of-turn event, the
transcription (the speculative one when the caller said nothing since), and the turn's
audio.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from callwright.audio.denoise import NoiseProfile, suppress
from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, AudioFrame
from callwright.speech.engines import SpeechToText, VoiceActivityStream
from callwright.speech.turns import TurnEvent, TurnEventKind, TurnTaking

log = logging.getLogger("callwright.call")

PRE_ROLL_FRAMES = 15  # 300 ms of audio kept from before the VAD noticed speech
MAX_UTTERANCE_S = 30.0  # Whisper's window; longer turns are transcribed from their end
MAX_UTTERANCE_SAMPLES = int(MAX_UTTERANCE_S * SAMPLE_RATE_HZ)
SECOND_LISTEN_MAX_S = 3.5
"""Answers longer than this are not listened to again: a number said alone is shorter, and
a second listen of a long sentence kept the caller waiting a second or more."""


@dataclass(frozen=True, slots=True)
class HeardTurn:
    """A caller turn that ended: when, its transcription (running or done), its audio."""

    event: TurnEvent
    transcript_started: float
    transcript: asyncio.Task[str]
    audio: np.ndarray
    second_listen: asyncio.Task[str] | None = None
    """The careful model's words, started in the pause when the first listen lacked the
    value the agent awaits (see `Listener.listen_again`)."""

    @property
    def duration_ms(self) -> float:
        return ((self.event.speech_end or self.event.at) - self.event.speech_start) * 1000


class Listener:
    """Turns one call's inbound frames into turn events and transcribed caller turns."""

    def __init__(
        self,
        vad: VoiceActivityStream,
        stt: SpeechToText,
        turns: TurnTaking,
        speech_context: str,
        now: Callable[[], float],
        spawn: Callable[..., asyncio.Task],
        on_event: Callable[[TurnEvent], None],
        on_turn: Callable[[HeardTurn], None],
        on_error: Callable[[str], None],
        careful_stt: SpeechToText | None = None,
        on_note: Callable[..., None] = lambda kind, **data: None,
        on_paused_words: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.turns = turns
        self._vad = vad
        self._stt = stt
        self._careful_stt = careful_stt
        self._note = on_note  # an event for the call record
        self._on_paused_words = on_paused_words  # a pause's words, the turn not over yet
        self._context = speech_context
        self._now = now
        self._spawn = spawn
        self._on_event = on_event
        self._on_turn = on_turn
        self._on_error = on_error
        self._pre_roll: deque[AudioFrame] = deque(maxlen=PRE_ROLL_FRAMES)
        self._utterance: list[AudioFrame] = []
        self._speculation: tuple[int, float, asyncio.Task[str]] | None = None
        self._second_listen: tuple[int, asyncio.Task[str]] | None = None
        self.gives_awaited: Callable[[str], bool | None] = lambda text: None
        """Whether words give the number the agent asked for (None: it asked for none):
        words without it are listened to again, from the caller's pause on."""
        self._generation = 0
        self._noise = NoiseProfile()

    @property
    def caller_speaking(self) -> bool:
        return self.turns.caller_speaking

    def hear(self, frame: AudioFrame, at: float, agent_speaking: bool) -> None:
        """One inbound frame that ended at `at` (seconds on the call's clock)."""
        probability = self._vad.speech_probability(frame)
        if self.turns.caller_speaking:
            self._utterance.append(frame)
        else:
            self._pre_roll.append(frame)
        silent = probability < self.turns.options.silence_threshold
        if silent and not agent_speaking and not self.turns.caller_speaking:
            self._noise.hear_silence(frame.samples)  # the line alone: its steady noise
        else:
            self._noise.forget_gap()
        for event in self.turns.on_frame(at, probability, agent_speaking):
            self._handle(event)

    async def transcribe(self, pcm: np.ndarray) -> str:
        """The words in `pcm` (the line's steady noise taken out first); "" (and an error
        reported) when speech-to-text fails."""
        audio = suppress(pcm[-MAX_UTTERANCE_SAMPLES:], self._noise.power)
        try:
            transcript = await self._stt.transcribe(audio, self._context)
        except Exception as error:
            log.exception("speech-to-text failed")
            self._on_error(str(error))
            return ""
        return transcript.text.strip()

    async def listen_again(
        self,
        pcm: np.ndarray,
        text: str,
        gives_awaited: Callable[[str], bool | None],
        started: asyncio.Task[str] | None = None,
    ) -> str:
        """`text`, or what the careful model hears in `pcm` when `text` lacks the value the
        agent awaits and the second listen has it ("four eight two one" heard as "4").
        `started`: that second listen, begun already in the caller's pause."""
        if not self._worth_listening_again(pcm, text, gives_awaited):
            return text
        try:
            again = await (started or self._listen_carefully(pcm))
        except Exception:  # the first listen stands
            log.exception("second listen failed")
            return text
        if not gives_awaited(again):
            return text
        self._note("listened_again", first=text, then=again)
        return again

    def _worth_listening_again(
        self, pcm: np.ndarray, text: str, gives_awaited: Callable[[str], bool | None]
    ) -> bool:
        """A careful model, an answer short enough to be a number (the careful model takes
        about a third of a second per second of speech), and the value missing from it."""
        short = len(pcm) <= SECOND_LISTEN_MAX_S * SAMPLE_RATE_HZ
        return self._careful_stt is not None and short and gives_awaited(text) is False

    async def _listen_carefully(self, pcm: np.ndarray) -> str:
        assert self._careful_stt is not None
        audio = suppress(pcm[-MAX_UTTERANCE_SAMPLES:], self._noise.power)
        return (await self._careful_stt.transcribe(audio, self._context)).text.strip()

    def _handle(self, event: TurnEvent) -> None:
        if event.kind is TurnEventKind.SPEECH_STARTED:
            self._utterance = list(self._pre_roll)
            self._pre_roll.clear()
        elif event.kind is TurnEventKind.PAUSED:
            self._speculate()
        elif event.kind is TurnEventKind.RESUMED:
            self._generation += 1
            self._speculation = None
            self._drop_second_listen()
        if event.kind is not TurnEventKind.END_OF_TURN:
            self._on_event(event)
            return
        audio = self._audio()
        speculation, self._speculation = self._speculation, None
        second = None
        if speculation is not None and speculation[0] == self._generation:
            _, started, transcript = speculation
            second, self._second_listen = self._second_listen, None
        else:
            self._drop_second_listen()
            started = self._now()
            transcript = self._spawn(self.transcribe(audio))
        self._utterance = []
        self._on_turn(HeardTurn(event, started, transcript, audio, second and second[1]))

    def _drop_second_listen(self) -> None:
        if self._second_listen is not None:
            self._second_listen[1].cancel()
            self._second_listen = None

    def _speculate(self) -> None:
        """Start transcribing the turn so far while the caller pauses."""
        self._generation += 1
        generation = self._generation
        audio = self._audio()
        task = self._spawn(self.transcribe(audio))
        self._speculation = (generation, self._now(), task)

        def ready(done: asyncio.Task[str]) -> None:
            if done.cancelled() or done.exception() or generation != self._generation:
                return
            if self._worth_listening_again(audio, done.result(), self.gives_awaited):
                self._second_listen = (generation, self._spawn(self._listen_carefully(audio)))
            events = self.turns.transcript_ready(self._now(), done.result())
            if not events and done.result():
                self._on_paused_words(done.result())
            for event in events:
                self._handle(event)

        task.add_done_callback(ready)

    def _audio(self) -> np.ndarray:
        frames = self._utterance[-int(MAX_UTTERANCE_S * 1000 / FRAME_MS) :]
        if not frames:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([frame.samples for frame in frames])

