"""CallSession as deterministic timelines on a virtual phone line.

The line delivers one caller frame per virtual 20 ms tick and sends one agent
frame per tick, faster than real time. Fake engines stand in for the models:
the VAD hears any loud frame as speech, the speech-to-text reads which scripted
phrase was spoken from the frame level, and the TTS makes 100 ms of audio per
word. What is tested is the call's own logic: when it answers, what it records,
how it handles barge-in, backchannels, keypad digits and silence.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

import numpy as np
import pytest

from callwright.agent.conversation import (
    CallerKeyed,
    CallerSaid,
    CallerSilent,
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

    def start_conversation(self, caller="", outbound=False, call_id=None):
        return self.conversation


async def run_call(
    phrases, duration_s, digits=None, no_input_s=30.0, line=None, filler_s=0.7, agent=None,
    dial=None,
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
        line, agent, engines, prompts, None, options, clock=line.clock, dial=dial
    )
    record = await session.run()
    return line, agent.conversation, record


RECORDINGS = None


@pytest.fixture(autouse=True)
def recordings_dir(tmp_path):
    global RECORDINGS
    RECORDINGS = tmp_path / "recordings"


async def test_greets_then_answers_a_question_quickly():
    phrases = [Phrase(1.0, 2.0, "what are your hours")]
    line, conversation, record = await run_call(phrases, 5.0)
    assert record.turns[0].agent_text == "hello there"
    assert record.turns[1].caller_text == "what are your hours"
    assert record.turns[1].agent_text == "you said what are your hours"
    marks = record.turns[1].marks
    assert marks["speech_end"] == pytest.approx(2.0, abs=0.021)
    # decided after the short end-of-turn silence, not a long fixed timeout
    assert 0.1 <= marks["end_of_turn"] - marks["speech_end"] <= 0.25
    # transcription started speculatively in the pause, before the end of turn was decided
    assert marks["speech_end"] < marks["transcript_started"] <= marks["end_of_turn"]
    ordered = [marks[k] for k in ("speech_end", "end_of_turn", "transcript_ready",
                                  "first_reply_text", "first_audio_synth", "first_audio_sent")]
    assert ordered == sorted(ordered)
    assert record.turns[1].latency_ms() < 300
    assert record.outcome == "caller_hung_up"
    assert record.recording_path and RECORDINGS.joinpath("test-call.wav").exists()


async def test_goodbye_plays_farewell_then_hangs_up():
    phrases = [Phrase(1.0, 1.6, "bye")]
    line, _, record = await run_call(phrases, 10.0)
    assert record.outcome == "completed"
    assert line.hung_up_at is not None
    # the farewell (2 words = 200 ms) went out in full before the hang-up
    farewell = [at for at, f in line.sent if f.utterance_id == 2]
    assert len(farewell) == 10
    assert line.hung_up_at >= farewell[-1]


async def test_barge_in_stops_agent_audio_and_keeps_only_what_was_heard():
    # the answer to the first question lasts 0.1 s * 8 words = 0.8 s... make it long
    long_question = "one two three four five six seven eight nine ten eleven twelve"
    phrases = [Phrase(1.0, 2.0, long_question), Phrase(3.0, 4.0, "stop please wait")]
    line, conversation, record = await run_call(phrases, 7.0)
    speech_times = [at for at, f in line.sent if f.utterance_id == 2]
    # the barge-in is detected 100 ms after onset; nothing of utterance 2 after that
    assert speech_times and max(speech_times) <= 3.0 + 0.1 + 0.021
    interrupted = record.turns[1]
    assert interrupted.interrupted
    heard = interrupted.agent_text.split()
    assert 0 < len(heard) < len(("you said " + long_question).split())
    assert conversation.state.history[2].text == interrupted.agent_text
    assert record.turns[2].caller_text == "stop please wait"
    assert any(event.kind == "barge_in" for event in record.events)


async def test_backchannel_does_not_stop_the_agent():
    long_question = "one two three four five six seven eight nine ten eleven twelve"
    phrases = [Phrase(1.0, 2.0, long_question), Phrase(2.6, 2.9, "mm-hm")]
    line, conversation, record = await run_call(phrases, 6.0)
    answer_frames = [f for _, f in line.sent if f.utterance_id == 2]
    assert len(answer_frames) == 14 * 5  # all 14 words were played in full
    assert not record.turns[1].interrupted
    assert [t.caller_text for t in record.turns] == ["", long_question]
    assert any(event.kind == "backchannel" for event in record.events)


async def test_speech_going_on_during_the_first_words_of_the_reply_is_one_turn():
    # the caller paused long enough to end the turn, then went on as the reply began
    phrases = [Phrase(1.0, 2.0, "book a checkup"), Phrase(2.4, 3.2, "with doctor patel")]
    line, conversation, record = await run_call(phrases, 6.0)
    assert [t.caller_text for t in record.turns] == ["", "book a checkup with doctor patel"]
    assert record.turns[1].agent_text == "you said book a checkup with doctor patel"
    assert record.turns[1].marks["speech_start"] == pytest.approx(1.0, abs=0.021)
    # the reply to the first half stopped as soon as the caller went on
    first_reply = [at for at, f in line.sent if f.utterance_id == 2]
    assert first_reply and max(first_reply) <= 2.4 + 0.06 + 0.021
    # the agent answered the whole sentence once, from where it stood before the first half
    assert conversation.inputs == [CallerSaid("book a checkup"),
                                   CallerSaid("book a checkup with doctor patel")]
    assert [e.text for e in conversation.state.history] == [
        "hello there", "book a checkup with doctor patel",
        "you said book a checkup with doctor patel",
    ]
    joined = [e for e in record.events if e.kind == "joined"]
    assert joined and joined[0].data["first"] == "book a checkup"


async def test_a_sentence_in_three_parts_is_one_turn():
    phrases = [Phrase(1.0, 2.0, "book a checkup"), Phrase(2.4, 3.0, "with doctor patel"),
               Phrase(3.3, 3.6, "please")]
    line, conversation, record = await run_call(phrases, 6.0)
    assert [t.caller_text for t in record.turns] == [
        "", "book a checkup with doctor patel please"]
    assert conversation.state.history[-1].text == "you said book a checkup with doctor patel please"


async def test_speech_going_on_after_a_reply_that_acted_is_a_turn_of_its_own():
    phrases = [Phrase(1.0, 2.0, "book a checkup"), Phrase(2.4, 3.2, "with doctor patel")]
    line = VirtualLine(phrases, 6.0)
    agent = EchoAgent()
    agent.conversation.restorable = False  # the first reply ran an action: it stands
    line, conversation, record = await run_call(phrases, 6.0, line=line, agent=agent)
    assert [t.caller_text for t in record.turns] == ["", "book a checkup", "with doctor patel"]
    assert record.turns[1].interrupted
    assert not any(e.kind == "joined" for e in record.events)


async def test_a_backchannel_during_the_first_words_lets_the_reply_go_on():
    phrases = [Phrase(1.0, 2.0, "book a checkup"), Phrase(2.3, 2.6, "okay")]
    line, conversation, record = await run_call(phrases, 6.0)
    assert [t.caller_text for t in record.turns] == ["", "book a checkup"]
    assert record.turns[1].agent_text == "you said book a checkup"
    assert not record.turns[1].interrupted


async def test_keypad_digit_reaches_the_agent():
    line, conversation, record = await run_call([], 3.0, digits={1.5: "1"})
    assert CallerKeyed("1") in conversation.inputs
    assert record.turns[1].agent_text == "you pressed 1"


async def test_silence_gets_a_reprompt():
    line, conversation, record = await run_call([], 4.0, no_input_s=1.5)
    assert any(isinstance(i, CallerSilent) for i in conversation.inputs)
    assert "are you still there" in [t.agent_text for t in record.turns]


async def test_a_slow_reply_gets_a_filler_first():
    phrases = [Phrase(1.0, 2.0, "slow question")]
    line = VirtualLine(phrases, 5.0)
    agent = EchoAgent()

    def heard(frame, at):  # the slow backend answers only once the filler reached the caller
        if frame.utterance_id == 2:
            agent.conversation.filler_heard.set()

    line.on_frame_sent(heard)
    _, _, record = await run_call(phrases, 5.0, line=line, filler_s=0.0, agent=agent)
    assert record.turns[1].agent_text == "one moment you said slow question"
    assert [event.data["text"] for event in record.events if event.kind == "filler"] == [
        "one moment"
    ]


async def test_a_blind_transfer_that_connects_ends_our_leg_as_transferred():
    line = VirtualLine([Phrase(1.0, 2.0, "a person please")], 8.0)
    line.transfer_result = TransferResult(True, 200, "200 OK")
    _, conversation, record = await run_call([], 8.0, line=line)
    assert line.transferred_to == "sip:desk@test"
    assert record.outcome == "transferred"
    assert conversation.handoff_results == [(True, "200 OK")]
    assert [e.data for e in record.events if e.kind == "handoff_result"] == [
        {"connected": True, "detail": "200 OK"}
    ]
    assert line.hung_up_at is not None and line.hung_up_at < 8.0


async def test_words_begun_just_before_a_transfer_do_not_hold_it_up():
    # "now" starts in the first words of "connecting you", so the reply is held for it;
    # then the transfer starts: what was held goes out and the caller is put through
    phrases = [Phrase(1.0, 2.0, "a person slowly"), Phrase(2.25, 2.6, "now")]
    line = VirtualLine(phrases, 8.0)
    line.transfer_result = TransferResult(True, 200, "200 OK")
    _, conversation, record = await run_call(phrases, 8.0, line=line)
    assert line.transferred_to == "sip:desk@test"
    assert record.outcome == "transferred"


async def test_a_reply_that_tried_a_transfer_is_not_taken_back():
    phrases = [Phrase(1.0, 2.0, "a person slowly"), Phrase(2.25, 2.6, "now")]
    line, conversation, record = await run_call(phrases, 8.0)  # the transfer fails: 486
    assert conversation.handoff_results == [(False, "486 Busy Here")]
    assert [t.caller_text for t in record.turns][:3] == ["", "a person slowly", "now"]
    assert not any(e.kind == "joined" for e in record.events)


async def test_a_failed_transfer_comes_back_to_the_caller():
    line = VirtualLine([Phrase(1.0, 2.0, "a person please")], 8.0)
    _, conversation, record = await run_call([], 8.0, line=line)
    assert conversation.handoff_results == [(False, "486 Busy Here")]
    assert any(isinstance(i, TransferFailed) for i in conversation.inputs)
    assert record.turns[1].agent_text == "connecting you nobody answered"
    assert record.outcome == "caller_hung_up"  # the caller stayed with us until the end


async def test_the_caller_hanging_up_during_a_warm_transfer_stops_the_dialing():
    dialing = []

    async def dial_a_person_who_never_answers(target, headers, ring_s):
        dialing.append(target)
        try:
            await asyncio.Event().wait()
        finally:
            dialing.append("cancelled")

    line = VirtualLine([Phrase(1.0, 2.0, "a person warmly")], 6.0)  # hangs up at 6 s
    _, conversation, record = await run_call([], 6.0, line=line,
                                             dial=dial_a_person_who_never_answers)
    assert dialing == ["sip:desk@test", "cancelled"]
    assert record.outcome == "caller_hung_up"
    assert [e.data["mode"] for e in record.events if e.kind == "handoff"] == ["warm"]
    assert record.turns[-1].caller_text == "a person warmly"
