"""An outbound call screening its answer (AnswerScreen in a real CallSession) on the virtual
line: a person's hello gets the greeting at once, a machine gets the voicemail after its
beep, and the record says who answered and when."""

from __future__ import annotations

import numpy as np
import pytest

from callwright.audio.frames import SAMPLES_PER_FRAME, AudioFrame
from callwright.call.answering_machine import AnsweringOptions
from tests.support.tones import tone
from tests.support.virtual_call import Phrase, VirtualLine, run_call

MESSAGE = "hi Dana this is Acme dental about your cleaning"  # 9 words: 0.9 s of fake speech
LEAVE = AnsweringOptions(voicemail_text=MESSAGE)
GREETING = "hi you have reached dana please leave a message after the tone"
BEEP_AMPLITUDE = 3000  # loud for the fake VAD, below what the fake speech-to-text reads


class MachineLine(VirtualLine):
    """The virtual line, with a 1 kHz beep from `beep_s[0]` to `beep_s[1]`."""

    def __init__(self, phrases, duration_s, beep_s: tuple[float, float]) -> None:
        super().__init__(phrases, duration_s)
        self.beep_s = beep_s
        self.beep = (tone(1000, 10.0) * (BEEP_AMPLITUDE / 6000)).astype(np.int16)

    def caller_frame(self) -> AudioFrame:
        start, end = self.beep_s
        if start < self.now <= end + 1e-9:
            index = round((self.now - start) / 0.02 - 1) * SAMPLES_PER_FRAME
            return AudioFrame(self.beep[index:index + SAMPLES_PER_FRAME])
        return super().caller_frame()


def event(record, kind):
    return [e for e in record.events if e.kind == kind]


async def test_a_hello_gets_the_greeting_as_soon_as_the_turn_ends():
    line, conversation, record = await run_call(
        [Phrase(0.4, 0.9, "hello")], 3.0, answering=LEAVE)
    [decided] = event(record, "answered_by")
    assert decided.data["who"] == "person" and decided.data["reason"] == "short greeting"
    first_word = line.agent_speech_times()[0]
    assert first_word - 0.9 <= 0.25  # the normal end of turn, nothing added
    assert record.turns[0].agent_text == "hello there"
    assert conversation.inputs == []  # the hello was answered by the greeting, not a reply
    assert record.dialogue_state["answered_by"] == "person"
    answering = record.dialogue_state["answering"]
    assert answering["decided_ms"] == pytest.approx(1060, abs=40)
    assert answering["voicemail_ms"] is None
    assert record.outcome == "caller_hung_up"


async def test_a_silent_pickup_is_greeted_after_a_short_wait():
    line, _, record = await run_call([], 3.0, answering=LEAVE)
    assert line.agent_speech_times()[0] == pytest.approx(LEAVE.silent_answer_s, abs=0.06)
    assert record.dialogue_state["answering"]["reason"] == "silence"


async def test_a_machine_gets_the_message_after_its_beep_then_the_call_ends():
    line = MachineLine([Phrase(0.3, 4.0, GREETING)], 9.0, beep_s=(4.3, 4.7))
    line, conversation, record = await run_call([], 9.0, line=line, answering=LEAVE)
    speech = line.agent_speech_times()
    assert speech and speech[0] >= 4.7  # nothing before the beep ended, the greeting neither
    assert speech[0] - 4.7 <= 0.1
    assert conversation.state.history == []
    assert record.turns[-1].agent_text == MESSAGE
    assert record.outcome == "voicemail_left"
    assert line.hung_up_at is not None and line.hung_up_at >= speech[-1]
    assert record.dialogue_state["answered_by"] == "machine"
    answering = record.dialogue_state["answering"]
    assert answering["reason"] == "long greeting"
    assert answering["decided_ms"] == pytest.approx(2560, abs=40)  # 60 ms onset + 2.2 s
    assert answering["beep_ms"] == pytest.approx(4300, abs=40)
    assert answering["voicemail_after"] == "beep"
    assert [e.data["hz"] for e in event(record, "beep")] == [1000]


async def test_without_a_beep_the_message_follows_the_greetings_silence():
    line, _, record = await run_call([Phrase(0.3, 4.0, GREETING)], 9.0, answering=LEAVE)
    speech = line.agent_speech_times()
    assert speech[0] >= 4.0 + LEAVE.greeting_end_silence_s
    assert record.dialogue_state["answering"]["voicemail_after"] == "silence"
    assert record.outcome == "voicemail_left"


async def test_a_business_line_answer_is_greeted_once_its_words_show_a_person():
    phrases = [Phrase(0.3, 3.8, "acme dental dana speaking how can i help you")]
    line, conversation, record = await run_call(phrases, 7.0, answering=LEAVE)
    verdicts = [(e.data["who"], e.data["reason"]) for e in event(record, "answered_by")]
    assert verdicts == [("machine", "long greeting"), ("person", "words: how can i help")]
    first_word = line.agent_speech_times()[0]
    assert 3.8 < first_word <= 3.8 + 0.3  # at the end of the turn, before any message
    assert record.turns[0].agent_text == "hello there"
    assert conversation.inputs == []
    answering = record.dialogue_state["answering"]
    assert answering["revised"] and answering["voicemail_ms"] is None


async def test_hang_up_on_a_machine_without_a_message():
    options = AnsweringOptions(on_machine="hang_up")
    line, _, record = await run_call([Phrase(0.3, 4.0, GREETING)], 6.0, answering=options)
    assert line.agent_speech_times() == []
    assert line.hung_up_at == pytest.approx(2.56, abs=0.1)
    assert record.outcome == "machine_no_message"


async def test_a_greeting_that_paused_early_turns_to_voicemail_when_its_words_show():
    phrases = [Phrase(0.3, 0.6, "hi"), Phrase(1.2, 3.8, "please leave a message after the tone")]
    line = MachineLine(phrases, 9.0, beep_s=(4.1, 4.5))
    line, conversation, record = await run_call([], 9.0, line=line, answering=LEAVE)
    verdicts = [(e.data["who"], e.data["revised"]) for e in event(record, "answered_by")]
    assert verdicts == [("person", False), ("machine", True)]
    assert conversation.inputs == []  # the agent never answered the greeting's words
    message = [at for at, f in line.sent if f.utterance_id is not None and at >= 4.5]
    assert message and record.turns[-1].agent_text == MESSAGE
    assert record.outcome == "voicemail_left"


async def test_keys_while_screening_wait_and_a_call_without_options_greets_at_once():
    line, conversation, record = await run_call([], 1.0, digits={0.5: "1"})
    assert line.agent_speech_times()[0] <= 0.04
    line, conversation, record = await run_call([], 1.0, digits={0.5: "1"}, answering=LEAVE)
    assert line.agent_speech_times() == [] and conversation.inputs == []
    assert record.dialogue_state["answered_by"] == "unknown"
