"""Spoken forms of an agent's own words."""

from pathlib import Path

import pytest

from callwright.agent.dialogue.templates import activity, render
from callwright.agent.dialogue.texts import task_prompts, template_opening
from callwright.agent.spec.agent_file import load_agent_spec


def test_a_task_named_as_a_verb_phrase_is_listed_as_an_activity():
    assert activity("move an appointment") == "moving an appointment"
    assert activity("book a new appointment") == "booking a new appointment"
    assert activity("go over the flagged charges") == "going over the flagged charges"
    assert activity("checking an order") == "checking an order"  # already an activity


def test_a_phone_number_is_read_in_groups_without_the_country_code():
    scope = {"phone": "+15557012288", "abroad": "+442071234567"}
    assert render("at {phone:phone}.", scope) == "at 5 5 5, 7 0 1, 2 2 8 8."
    assert render("{abroad:phone}", scope) == "4 4 2 0 7 1 2 3 4 5 6 7"


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("I'll move your {appointment.kind} from {old} to {new}.", "I'll move your"),
        ("What day would  suit you?", "What day would suit you?"),  # no placeholder: all
        ("Your {kind} is booked.", ""),  # one word is not worth a clip of its own
        ("Thanks, Dr.{name} will call.", ""),  # "Dr." is glued to the value
        ("{name}, you're all set.", ""),
    ],
)
def test_template_opening_is_the_fixed_words_before_the_first_value(text, opening):
    assert template_opening(text) == opening


def test_task_prompts_hold_the_openings_of_an_agents_templated_replies():
    dental = load_agent_spec(Path("agents/dental.yaml"))
    prompts = task_prompts(dental)
    assert "I'll move your" in prompts
    assert "What day would suit you?" in prompts
    assert not any("{" in prompt for prompt in prompts)
