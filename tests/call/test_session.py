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

import pytest

from callwright.agent.conversation import CallerKeyed, CallerSaid, CallerSilent, TransferFailed
from callwright.telephony.transport import TransferResult
from tests.support import virtual_call
from tests.support.virtual_call import EchoAgent, Phrase, VirtualLine, run_call


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
    assert record.recording_path and virtual_call.RECORDINGS.joinpath("test-call.wav").exists()


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
