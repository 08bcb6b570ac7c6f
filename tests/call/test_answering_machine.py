"""The answering-machine detector as deterministic timelines: frames fed on a fake clock
(seconds after answer), the callee's floor and words scripted, no sleeps."""

from __future__ import annotations

import numpy as np
import pytest

from callwright.call.answering_machine import (
    MACHINE_PHRASES,
    AnsweredBy,
    AnsweringMachineDetector,
    AnsweringOptions,
    person_cue,
    phrase_in,
)
from tests.support.tones import tone

FRAME_S = 0.02
QUIET = np.zeros(320, np.int16)
VOICE = np.full(320, 3000, np.int16)  # speech-like for the tone analysis: no steady tone
OPTIONS = AnsweringOptions(voicemail_text="Hi, this is Acme calling back.")


def play(detector, until_s, speaking=lambda at: False, audio=lambda at: QUIET, start_s=0.0):
    """Feed frames up to `until_s`; the verdicts made on the way, with their times."""
    verdicts = []
    at = start_s
    while at < until_s - 1e-9:
        at = round(at + FRAME_S, 2)
        verdict = detector.hear(audio(at), at, speaking(at))
        if verdict is not None:
            verdicts.append(verdict)
    return verdicts


def talks(start_s, end_s):
    return lambda at: start_s < at <= end_s


def test_a_short_hello_is_a_person_the_moment_the_turn_ends():
    detector = AnsweringMachineDetector(OPTIONS)
    assert play(detector, 1.06, talks(0.4, 0.9)) == []  # turn-taking ends the turn at 1.06
    verdict = detector.turn_ended(1.06, 0.5, "Hello?")
    assert (verdict.answered_by, verdict.acts_as, verdict.at) == (
        AnsweredBy.PERSON, AnsweredBy.PERSON, 1.06)
    assert verdict.reason == "short greeting"
    assert play(detector, 3.5, start_s=1.06) == []  # decided once


def test_saying_nothing_is_a_person_waiting():
    detector = AnsweringMachineDetector(OPTIONS)
    [verdict] = play(detector, 3.0)
    assert verdict.answered_by is AnsweredBy.PERSON and verdict.reason == "silence"
    assert verdict.at == pytest.approx(OPTIONS.silent_answer_s, abs=0.021)


def test_a_greeting_that_talks_on_is_a_machine():
    detector = AnsweringMachineDetector(OPTIONS)
    [verdict] = play(detector, 3.0, talks(0.3, 6.0))
    assert verdict.answered_by is AnsweredBy.MACHINE and verdict.reason == "long greeting"
    assert verdict.at == pytest.approx(0.3 + OPTIONS.long_greeting_s, abs=0.021)


def test_voicemail_words_in_a_pause_decide_a_machine_before_its_length_does():
    detector = AnsweringMachineDetector(OPTIONS)
    play(detector, 1.5, talks(0.3, 6.0))
    verdict = detector.heard_words(1.5, "Hi, you've reached Dana.")
    assert verdict.answered_by is AnsweredBy.MACHINE
    assert verdict.reason == "words: you've reached"


def test_a_beep_is_a_machine_and_its_end_is_kept():
    beep = tone(1000, 0.4)
    detector = AnsweringMachineDetector(OPTIONS)

    def audio(at):
        if 0.5 < at <= 0.9:
            index = round((at - 0.52) / FRAME_S) * 320
            return beep[index:index + 320]
        return QUIET

    [verdict] = play(detector, 1.2, audio=audio)
    assert verdict.reason == "beep" and verdict.at == pytest.approx(0.62, abs=0.021)
    assert detector.beep.hz == 1000 and detector.beep.ended_at == pytest.approx(0.9, abs=0.021)


def test_undecided_at_the_deadline_acts_on_the_default():
    options = AnsweringOptions(on_machine="hang_up", default_when_unsure="machine")
    detector = AnsweringMachineDetector(options)
    [verdict] = play(detector, 3.2, talks(1.4, 3.2))  # 1.6 s of talk by the deadline
    assert (verdict.answered_by, verdict.acts_as, verdict.reason) == (
        AnsweredBy.UNKNOWN, AnsweredBy.MACHINE, "deadline")
    assert verdict.at == pytest.approx(3.0, abs=0.021)


def test_a_person_verdict_turns_machine_on_voicemail_words_or_a_beep_but_not_long_talk():
    detector = AnsweringMachineDetector(OPTIONS)
    play(detector, 0.7, talks(0.3, 0.5))
    assert detector.turn_ended(0.7, 0.2, "Hi!").answered_by is AnsweredBy.PERSON
    assert play(detector, 6.0, talks(1.0, 6.0), start_s=0.7) == []  # talking on is no sign
    assert detector.heard_words(4.0, "Dana is not available right now") is None
    late = detector.heard_words(6.2, "please leave a message after the tone")
    assert late.answered_by is AnsweredBy.MACHINE and detector.revised
    assert late.reason == "words: leave a message"


def test_a_late_sign_after_the_watch_is_ignored():
    detector = AnsweringMachineDetector(OPTIONS)
    detector.turn_ended(0.7, 0.2, "hello")
    assert detector.heard_words(OPTIONS.watch_s + 1, "leave a message") is None


def test_a_business_line_answer_runs_long_then_its_words_show_a_person():
    detector = AnsweringMachineDetector(OPTIONS)
    [machine] = play(detector, 4.0, talks(0.4, 3.9))  # "Acme Dental, ... how can I help you?"
    assert machine.reason == "long greeting"
    person = detector.turn_ended(4.1, 3.5, "Acme Dental, this is Dana speaking. How can I help "
                                           "you?")
    assert (person.answered_by, person.acts_as, person.at) == (
        AnsweredBy.PERSON, AnsweredBy.PERSON, 4.1)
    assert person.reason == "words: how can i help" and detector.revised


def test_a_hello_said_twice_with_a_pause_inside_the_turn_ends_on_a_question():
    detector = AnsweringMachineDetector(OPTIONS)
    play(detector, 3.3, talks(0.4, 3.1))  # "Hello?" ... "Hello? Hello?" as one turn
    person = detector.turn_ended(3.3, 2.7, "Hello? Hello? Hello?")
    assert person.answered_by is AnsweredBy.PERSON and person.reason == "words: question"


def test_a_long_greeting_without_a_persons_words_stays_a_machine():
    detector = AnsweringMachineDetector(OPTIONS)
    play(detector, 5.0, talks(0.4, 4.8))
    assert detector.turn_ended(5.0, 4.4, "Hello, this is Oliver. I'm not able to answer right "
                                         "now. Ring me back later.") is None
    assert detector.turn_ended(5.0, 4.4, "Hi, you've reached Dana. Who is this?") is None
    assert detector.verdict.acts_as is AnsweredBy.MACHINE and not detector.revised


def test_a_beep_or_hanging_up_keeps_a_long_greeting_a_machine():
    beep = tone(1000, 0.4)
    detector = AnsweringMachineDetector(OPTIONS)
    play(detector, 3.0, talks(0.4, 3.0))
    play(detector, 3.5, audio=lambda at: beep[:320], start_s=3.0)
    assert detector.beep is not None
    assert detector.turn_ended(3.6, 2.6, "Who's calling?") is None
    detector = AnsweringMachineDetector(AnsweringOptions(on_machine="hang_up"))
    play(detector, 3.0, talks(0.4, 3.0))
    assert detector.turn_ended(3.2, 2.6, "Dana speaking, how can I help?") is None


def test_the_deadlines_machine_default_gives_way_to_a_persons_words():
    options = AnsweringOptions(voicemail_text="Hi.", default_when_unsure="machine")
    detector = AnsweringMachineDetector(options)
    play(detector, 3.2, talks(1.4, 3.2))
    person = detector.turn_ended(3.4, 1.8, "Yes, who is this?")
    assert person.answered_by is AnsweredBy.PERSON and person.reason == "words: who is this"


def test_person_cues():
    assert person_cue("Good afternoon, Riverside Plumbing, Mike speaking.") == "speaking"
    assert person_cue("Thanks for calling, what can I do for you today") == \
        "what can i do for you"
    assert person_cue("Hello, is anyone there?") == "anyone there"
    assert person_cue("Hi, it's Lee. Ring me back later.") is None


def test_machine_phrases_match_whole_words_only():
    assert phrase_in("The person you are calling is not available.", MACHINE_PHRASES) \
        == "not available"
    assert phrase_in("I'm at the toner shop", MACHINE_PHRASES) is None
    assert phrase_in("You’ve reached Dana", MACHINE_PHRASES) == "you've reached"


def test_options_refuse_a_voicemail_without_text():
    with pytest.raises(ValueError, match="voicemail_text"):
        AnsweringOptions()
    assert AnsweringOptions(on_machine="hang_up").deadline_s == 3.0
    assert AnsweringOptions(enabled=False).enabled is False
