"""Questions are told from other words, so an unanswerable one gets an honest answer."""

import pytest

from callwright.agent.understanding.questions import (
    changes_mind,
    declines,
    is_question,
    leaves_open,
    priced_thing,
)


@pytest.mark.parametrize("text", [
    "how much do you charge for eyelash extensions",
    "can you host our data in Switzerland",
    "uh is there parking",
    "I was wondering if you deliver",
    "Do you price match?",
    "where are you exactly",
    "what time do you open on saturday",
    "yeah hi what's the prize for a mens hair cut",
    "my boss asked me to find out how you compare with Looker",
])
def test_questions(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["I need a refill", "my name is John", "yes", "the shoes don't fit",
             "what I need is a refill", "so when we moved house the parcel got lost"]
)
def test_not_questions(text):
    assert not is_question(text)


@pytest.mark.parametrize("text", [
    "no real deadline, whenever", "I don't know yet", "any time is fine",
    "it doesn't matter", "whatever's earliest", "either one works", "no preference",
])
def test_answers_that_leave_it_open(text):
    assert leaves_open(text)


@pytest.mark.parametrize("text", ["after lunch", "next month", "about fifty users", "yes"])
def test_answers_that_give_a_value(text):
    assert not leaves_open(text)


@pytest.mark.parametrize("text", [
    "actually, can we move it instead", "no, I want to return it", "wait, I need to cancel",
])
def test_changes_of_mind(text):
    assert changes_mind(text)


@pytest.mark.parametrize("text", [
    "wait, hold on, if my card's locked, do I get a new one?", "yes, that's right",
])
def test_no_change_of_mind(text):
    assert not changes_mind(text)


@pytest.mark.parametrize("text", [
    "I'd rather not get into that yet", "I don't want to give my name", "can we skip that",
])
def test_declines(text):
    assert declines(text)


@pytest.mark.parametrize("text", ["Pat Doe", "rather soon, maybe next month", "no"])
def test_not_declines(text):
    assert not declines(text)


@pytest.mark.parametrize(("text", "thing"), [
    ("Hey, how much do you charge for eyelash extensions? Like a full set?", "eyelash extensions"),
    ("how much does a beard trim cost", "beard trim"),
    ("what's the price for a mens hair cut and a beard trim", "mens hair cut"),
    ("how much is whitening?", "whitening"),
    ("what are your prices", None),
    ("when do you open", None),
])
def test_the_thing_a_price_is_asked_for(text, thing):
    assert priced_thing(text) == thing
