"""A call on a virtual phone line, for deterministic timeline tests of `CallSession`.

The line delivers one caller frame per virtual 20 ms tick and sends one agent frame per
tick, faster than real time. Fake engines stand in for the models: the VAD hears any loud
frame as speech, the speech-to-text reads which scripted phrase was spoken from the frame
level, and the TTS makes 100 ms of audio per word. `EchoConversation` answers "you said
..." and is enough to test the call's own logic.
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callwright.agent.conversation import (
    CallerKeyed,
    CallerSaid,
    ConversationState,
    EndCall,
    HistoryEntry,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.audio.frames import SAMPLES_PER_FRAME, AudioFrame
from callwright.call.session import CallOptions, CallSession
from callwright.speech.engines import Transcript
from callwright.speech.loader import SpeechEngines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup, TransferResult

RECORDINGS = Path("var/recordings")
"""Where calls save their recordings; tests point it into their tmp_path (conftest.py)."""
TICK_S = 0.02
SPOKEN_LEVEL = 4000
LEVEL_STEP = 1000


@dataclass
class Phrase:
    start_s: float
    end_s: float
    text: str


class VirtualLine:
    """A Transport on a virtual clock: one inbound and one outbound frame per tick."""

    transport_name = "virtual"

    def __init__(self, phrases: list[Phrase], duration_s: float, digits=None) -> None:
        self.call_id = "test-call"
        self.caller = "sip:caller@test"
        self.callee = "fake"
        self.now = 0.0
        self.phrases = phrases
        self.digits = dict(digits or {})
        self.ticks = round(duration_s / TICK_S)
        self.queue: deque[AudioFrame] = deque()
        self.listeners = []
        self.sent: list[tuple[float, AudioFrame]] = []
        self.hung_up_at: float | None = None
        self.transfer_result = TransferResult(False, 486, "486 Busy Here")
        self.transferred_to: str | None = None
        self.pressed: list[tuple[float, str]] = []  # (when, digits) the agent pressed

    def clock(self) -> float:
        return self.now

    def caller_frame(self) -> AudioFrame:
        for index, phrase in enumerate(self.phrases):
            if phrase.start_s < self.now <= phrase.end_s + 1e-9:
                level = SPOKEN_LEVEL + index * LEVEL_STEP
                return AudioFrame(np.full(SAMPLES_PER_FRAME, level, dtype=np.int16))
        return AudioFrame.silence()

    async def events(self):
        for tick in range(1, self.ticks + 1):
            if self.hung_up_at is not None:
                return
            self.now = tick * TICK_S
            frame = self.queue.popleft() if self.queue else AudioFrame.silence()
            self.sent.append((self.now, frame))
            for listener in self.listeners:
                listener(frame, self.now)
            digit = self.digits.pop(round(self.now, 2), None)
            if digit:
                yield DtmfDigit(digit, self.now)
            yield InboundAudio(self.caller_frame(), self.now)
            for _ in range(5):
                await asyncio.sleep(0)
        yield RemoteHangup("BYE")

    def play(self, frame):
        self.queue.append(frame)

    def clear(self):
        dropped = list(self.queue)
        self.queue.clear()
        return dropped

    def queued_frames(self):
        return len(self.queue)

    def on_frame_sent(self, listener):
        self.listeners.append(listener)

    async def send_digits(self, digits):
        self.pressed.append((self.now, digits))

    async def transfer(self, target, headers=None, timeout_s=0.0):
        self.transferred_to = target
        if self.transfer_result.ok:  # the caller's phone now talks to the target: our leg ends
            self.hung_up_at = self.now
        return self.transfer_result

    async def hangup(self):
        self.hung_up_at = self.now

    def agent_speech_times(self) -> list[float]:
        return [at for at, frame in self.sent if frame.utterance_id is not None]


class LevelVad:
    def new_stream(self):
        return self

    def speech_probability(self, frame: AudioFrame) -> float:
        return 1.0 if np.abs(frame.samples).max() > 1000 else 0.0


class LevelStt:
    def __init__(self, phrases: list[Phrase]) -> None:
        self.phrases = phrases
        self.calls = 0

    async def transcribe(self, pcm: np.ndarray, context: str = "") -> Transcript:
        self.calls += 1
        await asyncio.sleep(0)
        levels = np.abs(pcm.astype(np.int32))
        levels = levels[levels >= SPOKEN_LEVEL]
        if not len(levels):
            return Transcript("", 0.0, len(pcm) / 16000)
        phrases, first_at = np.unique((levels - SPOKEN_LEVEL) // LEVEL_STEP, return_index=True)
        spoken = phrases[np.argsort(first_at)]  # each phrase heard, in order
        text = " ".join(self.phrases[index].text for index in spoken)
        return Transcript(text, 0.9, len(pcm) / 16000)


class WordTts:
    voice = "fake"

    async def synthesize_clauses(self, clauses):
        for clause in clauses:
            yield await self.synthesize(clause)

    async def synthesize(self, text):
        return np.full(1600 * len(text.split()), 300, dtype=np.int16)


class EchoConversation:
    """Greets, answers 'you said ...', says goodbye to 'bye', reprompts once on silence."""

    def __init__(self) -> None:
        self.state = ConversationState()
        self.inputs = []
        self.filler_heard = asyncio.Event()
        self.handoff_results = []
        self.restorable = True
        self.speculative = False
        self.speculated: list[list] = []  # what each speculative copy was told

    async def greet(self):
        self.state.history.append(HistoryEntry("agent", "hello there"))
        yield Say("hello there")

    async def respond(self, caller_input):
        self.inputs.append(caller_input)
        if isinstance(caller_input, CallerSaid):
            self.state.history.append(HistoryEntry("caller", caller_input.text))
            if caller_input.text == "bye":
                yield Say("goodbye now")
                yield EndCall("goodbye")
                return
            if caller_input.text == "slow question":  # a backend that answers only later
                await self.filler_heard.wait()
            if caller_input.text in ("a person please", "a person warmly", "a person slowly"):
                mode = "warm" if caller_input.text.endswith("warmly") else "blind"
                self.state.handoffs.append({"reason": "asked_for_human", "result": "pending"})
                yield Say("connecting you")
                if caller_input.text.endswith("slowly"):  # the transfer comes a moment later
                    for _ in range(60):
                        await asyncio.sleep(0)
                yield Transfer("asked_for_human", "sip:desk@test", mode, "summary", "", 5.0)
                return
            reply = "you said " + caller_input.text
        elif isinstance(caller_input, TransferFailed):
            reply = "nobody answered"
        elif isinstance(caller_input, CallerKeyed):
            reply = f"you pressed {caller_input.digits}"
        else:
            reply = "are you still there"
        self.state.history.append(HistoryEntry("agent", reply))
        yield Say(reply)

    def takes_short_answers(self):
        return False

    def hears_awaited(self, text):
        return None

    def decides_action(self):
        return False

    def checkpoint(self):
        return list(self.state.history)

    def speculative_copy(self):
        """A copy answering ahead: its own history and inputs; `speculated` keeps its words."""
        clone = copy.copy(self)
        clone.state = ConversationState(history=list(self.state.history))
        clone.inputs = []
        clone.speculative = True
        self.speculated.append(clone.inputs)
        return clone

    def restore(self, checkpoint):
        if not self.restorable:  # as when the reply ran an action
            return False
        self.state.history = list(checkpoint)
        return True

    def agent_was_interrupted(self, heard_text):
        self.state.history[-1] = HistoryEntry("agent", heard_text)

    def handoff_result(self, connected, detail):
        self.handoff_results.append((connected, detail))


class EchoAgent:
    name = "fake"
    voice = "fake"
    speech_context = "what are your hours"
    fillers = ["one moment"]
    handoff_webhook = None

    def __init__(self):
        self.conversation = EchoConversation()

    def fixed_prompts(self):
        return ["hello there"]

    def start_conversation(self, caller="", outbound=False, call_id=None, contact=None):
        return self.conversation


async def run_call(
    phrases, duration_s, digits=None, no_input_s=30.0, line=None, filler_s=0.7, agent=None,
    dial=None, answering=None,
):
    line = line or VirtualLine(phrases, duration_s, digits)
    tts = WordTts()
    engines = SpeechEngines(LevelVad(), LevelStt(line.phrases), tts)
    prompts = PromptCache(tts)
    agent = agent or EchoAgent()
    await prompts.warm(agent.fixed_prompts())
    options = CallOptions(
        no_input_timeout_s=no_input_s, recordings_dir=RECORDINGS, filler_after_s=filler_s
    )
    session = CallSession(
        line, agent, engines, prompts, None, options, clock=line.clock, dial=dial,
        answering=answering,
    )
    record = await session.run()
    return line, agent.conversation, record
