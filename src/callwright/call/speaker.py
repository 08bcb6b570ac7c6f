"""The agent's mouth on one call: text in, paced frames out, and what was heard.

Fixed prompts and template openings come from the prompt cache, clauses prepared
while the caller paused from the speaker's own store; anything else is synthesized
clause by clause (speech/tts/clauses.py `speaking_clauses`: a long first clause loses
its head, spoken at once) and each clause is queued while the next is synthesizing. The
speaker counts every frame the transport actually put on the wire, so after a
barge-in it can say which words the caller heard. While the caller may be
barging in, `hold()` takes the unsent audio off the wire and keeps it, and
`resume()` puts it back (a backchannel) or `discard()` drops it (a real
interruption).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from callwright.audio.frames import AudioFrame, split_into_frames
from callwright.speech.engines import TextToSpeech
from callwright.speech.tts.clauses import speaking_clauses
from callwright.speech.tts.prompt_cache import PromptCache, prompt_key
from callwright.telephony.transport import Transport


@dataclass(slots=True)
class _Clause:
    text: str
    frames: int


@dataclass(slots=True)
class Utterance:
    id: int
    text: str
    clauses: list[_Clause] = field(default_factory=list)
    frames_sent: int = 0

    def heard_text(self) -> str:
        """The words the caller heard: whole clauses sent, plus a share of the clause cut off."""
        heard: list[str] = []
        remaining = self.frames_sent
        for clause in self.clauses:
            if remaining >= clause.frames:
                heard.append(clause.text)
                remaining -= clause.frames
                continue
            words = clause.text.split()
            share = round(len(words) * remaining / max(clause.frames, 1))
            if share:
                heard.append(" ".join(words[:share]))
            break
        return " ".join(heard)

    @property
    def finished_sending(self) -> bool:
        return self.frames_sent >= sum(clause.frames for clause in self.clauses)


class Speaker:
    """Queues the agent's speech on a transport and tracks what reached the caller."""

    def __init__(self, transport: Transport, tts: TextToSpeech, prompts: PromptCache) -> None:
        self._transport = transport
        self._tts = tts
        self._prompts = prompts
        self._utterances: dict[int, Utterance] = {}
        self._next_id = 1
        self._held: list[AudioFrame] | None = None
        self._prepared: dict[str, np.ndarray] = {}  # clause -> audio synthesized ahead
        self._prepared_used = 0
        self._sent = asyncio.Event()
        transport.on_frame_sent(self._frame_sent)

    @property
    def holding(self) -> bool:
        return self._held is not None

    def audio_pending(self) -> bool:
        """Whether agent audio is queued or held back (the agent still has the floor)."""
        return self._transport.queued_frames() > 0 or bool(self._held)

    async def say(self, text: str, on_first_audio: Callable[[], None]) -> Utterance:
        """Synthesize `text` and queue it; returns once all of it is queued (or held).

        Clauses with audio ready (a fixed prompt, a template's opening, a clause prepared
        while the caller paused) go out at once; the others are synthesized in order, each
        while the one before plays."""
        utterance = Utterance(self._next_id, text)
        self._next_id += 1
        self._utterances[utterance.id] = utterance
        started = False

        def queue(clause: str, pcm: np.ndarray) -> None:
            nonlocal started
            if not started:
                on_first_audio()
                started = True
            self._queue(utterance, clause, pcm)

        whole = self._prompts.get(text)
        if whole is not None:
            queue(text, whole)
            return utterance
        clauses = speaking_clauses(text, lambda clause: self.ready_audio(clause) is not None)
        index = 0
        while index < len(clauses):
            ready = self.ready_audio(clauses[index])
            if ready is not None:
                self._prepared_used += prompt_key(clauses[index]) in self._prepared
                queue(clauses[index], ready)
                index += 1
                continue
            end = index + 1
            while end < len(clauses) and self.ready_audio(clauses[end]) is None:
                end += 1
            run = clauses[index:end]
            async for clause, pcm in _zip_async(run, self._tts.synthesize_clauses(run)):
                self._prompts.remember(clause, pcm)
                queue(clause, pcm)
            index = end
        return utterance

    def ready_audio(self, clause: str) -> np.ndarray | None:
        """Audio of `clause` synthesized already: a cached prompt or a prepared clause."""
        cached = self._prompts.get(clause)
        return cached if cached is not None else self._prepared.get(prompt_key(clause))

    def prepare(self, clause: str, pcm: np.ndarray) -> None:
        """Keep `clause`'s audio for when the agent says it (synthesized ahead of time)."""
        self._prepared[prompt_key(clause)] = pcm

    def forget_prepared(self) -> int:
        """Drop the prepared clauses; how many of them were said."""
        used, self._prepared_used = self._prepared_used, 0
        self._prepared.clear()
        return used

    def _queue(self, utterance: Utterance, text: str, pcm: np.ndarray) -> None:
        frames = split_into_frames(pcm, utterance.id)
        utterance.clauses.append(_Clause(text, len(frames)))
        for frame in frames:
            if self._held is not None:
                self._held.append(frame)
            else:
                self._transport.play(frame)

    def _frame_sent(self, frame: AudioFrame, _at: float) -> None:
        if frame.utterance_id is not None:
            utterance = self._utterances.get(frame.utterance_id)
            if utterance is not None:
                utterance.frames_sent += 1
        elif not self.audio_pending():
            self._sent.set()

    async def drained(self) -> None:
        """Wait until every queued frame has gone out on the wire."""
        while self.audio_pending():
            self._sent.clear()
            await self._sent.wait()

    async def press_keys(self, digits: str) -> None:
        """Press `digits` on the line once what was said before has gone out; returns when
        the presses have gone out too (Transport.send_digits)."""
        await self.drained()
        await self._transport.send_digits(digits)

    def hold(self) -> None:
        """Take unsent audio off the wire at once and keep it aside."""
        if self._held is None:
            self._held = self._transport.clear()

    def resume(self) -> None:
        """Put held audio back on the wire where it stopped."""
        held, self._held = self._held or [], None
        for frame in held:
            self._transport.play(frame)

    def discard(self) -> None:
        """Drop all unsent audio for good."""
        self._held = None
        self._transport.clear()


async def _zip_async(
    clauses: list[str], audio: AsyncIterator[np.ndarray]
) -> AsyncIterator[tuple[str, np.ndarray]]:
    """Each clause with its audio as the stream yields it (the stream closed at the end)."""
    try:
        for clause in clauses:
            yield clause, await anext(audio)
    finally:
        await audio.aclose()
