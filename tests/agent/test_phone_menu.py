"""Through a business's phone menu on a call the agent placed: press after each prompt that
holds a choice's words, stay quiet for the rest of the menu, greet the first person."""

from __future__ import annotations

import pytest

from callwright.agent.conversation import CallerKeyed, CallerSaid, CallerSilent, PressKeys, Say
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.dialogue.phone_menu import PhoneMenu
from callwright.agent.spec.agent_file import AgentSpec, MenuChoice

MENU = [
    {"when": "for the pharmacy", "press": 2},
    {"when": "for prescription refills", "press": "1"},
    {"when": "enter your member number", "press": "4417#"},
]
PHARMACY_PROMPT = (
    "Thank you for calling Riverside Health. For appointments, press 1. "
    "For the pharmacy, press 2. For billing, press 3."
)


def spec(**extra) -> AgentSpec:
    return AgentSpec.model_validate(
        {
            "name": "caller",
            "greeting": "Hi.",
            "intents": [{"name": "hours", "examples": ["when are you open"], "answer": "Nine."}],
            "outbound": {"greeting": "Hello, I'm calling about a refill for Maria Lopez."},
            "phone_menu": MENU,
            **extra,
        }
    )


def menu() -> PhoneMenu:
    return PhoneMenu([MenuChoice.model_validate(choice) for choice in MENU])


async def reply(conversation, caller_input) -> list:
    return [action async for action in conversation.respond(caller_input)]


def test_a_prompt_holding_a_choice_presses_its_keys():
    phone_menu = menu()
    assert phone_menu.hear(PHARMACY_PROMPT) == "2"
    assert phone_menu.hear("Pharmacy. For prescription refils, press one.") == "1"  # misheard
    assert phone_menu.hear("Please ENTER your member number followed by pound") == "4417#"


def test_each_prompt_gets_one_press_and_a_repeated_prompt_one_more_try():
    phone_menu = menu()
    assert [phone_menu.hear(PHARMACY_PROMPT) for _ in range(3)] == ["2", "2", ""]


def test_the_rest_of_the_menu_is_quiet_and_a_person_ends_it():
    phone_menu = menu()
    assert phone_menu.hear("") == ""  # silence, ringing, hold music with no words
    assert phone_menu.hear("Please hold while we connect your call.") == ""
    assert phone_menu.hear("For billing, press 3.") == ""
    assert phone_menu.hear("Pharmacy?") is None  # too short to be the choice's words: a person
    assert phone_menu.hear("Good morning, this is Sam, how can I help you?") is None


def test_the_agent_file_takes_keys_and_refuses_what_is_not_one():
    assert [choice.press for choice in spec().phone_menu] == ["2", "1", "4417#"]
    with pytest.raises(ValueError, match="'9-1' is not keys to press; use 0-9"):
        spec(phone_menu=[{"when": "for billing", "press": "9-1"}])
    assert spec(phone_menu=[]).phone_menu == []


async def test_an_outbound_call_into_a_menu_presses_quietly_then_greets_the_person():
    call = FrontDeskAgent(spec()).start_conversation(caller="sip:desk@clinic", outbound=True)
    assert [action async for action in call.greet()] == []  # a menu first: nothing said
    assert await reply(call, CallerSaid(PHARMACY_PROMPT)) == [PressKeys("2")]
    assert await reply(call, CallerSilent(5.0)) == []
    assert await reply(call, CallerSaid("Your call is important to us. Please hold.")) == []
    assert await reply(call, CallerSaid("For prescription refills, press 1.")) == [PressKeys("1")]
    greeting = await reply(call, CallerSaid("Hi, pharmacy, this is Sam speaking."))
    assert greeting == [Say("Hello, I'm calling about a refill for Maria Lopez.")]
    assert not any(entry.role == "agent" for entry in call.state.history[:-1])
    assert call.state.no_input_count == 0
    after = await reply(call, CallerSaid("when are you open"))
    assert Say("Nine.") in after  # the menu is over: a normal conversation


async def test_the_menu_is_only_for_calls_the_agent_places():
    call = FrontDeskAgent(spec()).start_conversation(caller="sip:alice@test")
    assert [action async for action in call.greet()] == [Say("Hi.")]
    assert not any(isinstance(a, PressKeys) for a in await reply(call, CallerSaid(PHARMACY_PROMPT)))


async def test_keys_from_the_other_side_are_no_menu_prompt():
    call = FrontDeskAgent(spec()).start_conversation(caller="sip:desk@clinic", outbound=True)
    assert not any(isinstance(a, PressKeys) for a in await reply(call, CallerKeyed("5")))
