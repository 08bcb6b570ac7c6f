"""Questions are told from other words, so an unanswerable one gets an honest answer."""

import pytest

from callwright.agent.understanding.questions import is_question


@pytest.mark.parametrize("text", [
    "how much do you charge for eyelash extensions",
    "can you host our data in Switzerland",
    "uh is there parking",
    "I was wondering if you deliver",
    "Do you price match?",
])
def test_questions(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["I need a refill", "my name is John", "yes", "the shoes don't fit"]
)
def test_not_questions(text):
    assert not is_question(text)
