"""Escalation cues in callers' words: asks for a human, frustration and emergencies, with the
negations, questions about the agent and ordinary look-alikes that must not escalate."""

from __future__ import annotations

import pytest
from escalation_cases import NEGATIVE, POSITIVE

from callwright.agent.understanding.escalation import Cue, cues

MIN_CASES_PER_KIND = 60


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_cues_found(text: str, expected: set[Cue]) -> None:
    assert cues(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_words_hold_no_cue(text: str) -> None:
    assert cues(text) == frozenset()


def test_every_cue_has_cases_both_ways() -> None:
    assert len(POSITIVE) >= MIN_CASES_PER_KIND and len(NEGATIVE) >= MIN_CASES_PER_KIND
    assert {cue for _, expected in POSITIVE for cue in expected} == set(Cue)


def test_cue_values_are_the_names_integrations_record() -> None:
    assert {cue.value for cue in Cue} == {"asked_for_human", "frustration", "emergency"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", frozenset()),
        ("   ", frozenset()),
        ("...", frozenset()),
        ("REPRESENTATIVE", {Cue.HUMAN}),
        ("Representative\u2019s fine, put me through", {Cue.HUMAN}),
        ("i dont want an agent", frozenset()),
        ("i don't really want to talk to a person right now", frozenset()),
    ],
)
def test_casing_apostrophes_and_empty_text(text: str, expected: set[Cue]) -> None:
    assert cues(text) == expected


def test_negation_reaches_only_across_want_words() -> None:
    assert cues("I do not want a representative") == frozenset()
    assert cues("this is not working, representative") == {Cue.HUMAN}
    assert cues("no no, I want a representative") == {Cue.HUMAN}


def test_a_question_about_the_agent_and_a_request_in_one_utterance() -> None:
    assert cues("am I talking to a real person") == frozenset()
    assert cues("am I talking to a real person or can I talk to a real person") == {Cue.HUMAN}


def test_self_harm_escalates_even_when_denied() -> None:
    assert cues("I'm not going to kill myself but I need help") == {Cue.EMERGENCY}


def test_past_emergencies_are_history_unless_just_now() -> None:
    assert cues("he had a heart attack last year") == frozenset()
    assert cues("he just had a heart attack") == {Cue.EMERGENCY}
