"""Spoken forms of an agent's own words."""

from callwright.agent.dialogue.templates import activity


def test_a_task_named_as_a_verb_phrase_is_listed_as_an_activity():
    assert activity("move an appointment") == "moving an appointment"
    assert activity("book a new appointment") == "booking a new appointment"
    assert activity("go over the flagged charges") == "going over the flagged charges"
    assert activity("checking an order") == "checking an order"  # already an activity
