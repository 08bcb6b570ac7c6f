"""A callee's "do not call me again", its look-alikes, and the outbound opening's fields."""

from __future__ import annotations

import pytest

from callwright.agent.dialogue.outbound import opening
from callwright.agent.spec.agent_file import AgentFileError, load_agent_spec
from callwright.agent.spec.outbound import Outbound
from callwright.agent.understanding.opt_out import asks_not_to_be_called

OPTS_OUT = [
    "stop calling me",
    "Take me off your list.",
    "Don't call me again!",
    "remove my number",
    "unsubscribe",
    "Put me on the do not call list.",
    "please stop calling this number",
    "take me of you're list",  # misheard: "off your"
    "stop collin me",  # misheard: "calling"
    "un subscribe me",
    "dont call me anymore",
]
HELD_OUT = [  # phrasings the patterns were not written against
    "I'd like you to take my number off your calling list",
    "quit calling this number, okay?",
    "never call me again please",
    "Can you remove my number from your system?",
    "I don't want any more of these calls",
    "add me to your do-not-call list",
]
KEEPS_GOING = [
    "stop, I mean Tuesday",
    "can you call me back later",
    "don't call me before noon",
    "stop, wait, I meant the other one",
    "I'll take it off my list",
    "can you remove the late fee",
    "no more questions, thanks",
    "you can call me on my cell",
    "don't call my work number, call my cell",
    "never mind",
]


@pytest.mark.parametrize("text", OPTS_OUT + HELD_OUT)
def test_asking_not_to_be_called(text):
    assert asks_not_to_be_called(text)


@pytest.mark.parametrize("text", KEEPS_GOING)
def test_words_that_only_look_like_it(text):
    assert not asks_not_to_be_called(text)


def test_the_opening_names_the_contact_or_reads_well_without():
    outbound = Outbound(
        greeting="Hello {first_name}, this is {business}. {first_name}, press 9 to stop.",
        contact_fields=["first_name"],
    )
    named = opening(outbound, "Northside Pharmacy", {"first_name": "Maria"})
    assert named == "Hello Maria, this is Northside Pharmacy. Maria, press 9 to stop."
    assert opening(outbound, "Northside Pharmacy", {}) == (
        "Hello, this is Northside Pharmacy. Press 9 to stop."
    )


@pytest.mark.parametrize(
    ("outbound", "problem"),
    [
        ('{greeting: "Hi {frist_name}", contact_fields: [first_name]}', "{frist_name}"),
        (
            '{greeting: "Hi, your {prescription_number}", contact_fields: [prescription_number]}',
            "names the slot {prescription_number}",
        ),
        ('{greeting: "Hi", opt_out_key: "99"}', "one keypad key"),
    ],
    ids=["unknown-field", "slot-before-verification", "two-keys"],
)
def test_outbound_sections_that_are_refused(tmp_path, outbound, problem):
    path = tmp_path / "agent.yaml"
    path.write_text(
        "name: shop\ngreeting: Hi\nintents: [{name: hours, examples: [hours], answer: Nine.}]\n"
        "slots: {prescription_number: {type: number, digits: 4, ask: Which number}}\n"
        f"outbound: {outbound}\n"
    )
    with pytest.raises(AgentFileError) as error:
        load_agent_spec(path)
    assert problem in str(error.value) and ":5:" in str(error.value)
