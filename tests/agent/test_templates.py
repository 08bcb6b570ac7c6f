"""Spoken forms of an agent's own words."""

from callwright.agent.dialogue.templates import activity, render


def test_a_task_named_as_a_verb_phrase_is_listed_as_an_activity():
    assert activity("move an appointment") == "moving an appointment"
    assert activity("book a new appointment") == "booking a new appointment"
    assert activity("go over the flagged charges") == "going over the flagged charges"
    assert activity("checking an order") == "checking an order"  # already an activity


def test_a_phone_number_is_read_in_groups_without_the_country_code():
    scope = {"phone": "+15557012288", "abroad": "+442071234567"}
    assert render("at {phone:phone}.", scope) == "at 5 5 5, 7 0 1, 2 2 8 8."
    assert render("{abroad:phone}", scope) == "4 4 2 0 7 1 2 3 4 5 6 7"
