"""Front-desk conversations with the demo agent, turn by turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callwright.agent.conversation import (
    AgentAction,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    EndCall,
    HistoryEntry,
    Say,
)
from callwright.agent.dialogue.answers import NO_ANSWER_TOPIC
from callwright.agent.dialogue.front_desk import FrontDeskConversation
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.spec.agent_file import AgentSpec
from callwright.agent.spec.loader import load_agent

DEMO_AGENT = Path(__file__).parents[2] / "agents" / "demo.yaml"


@pytest.fixture(scope="module")
def agent() -> FrontDeskAgent:
    return load_agent(DEMO_AGENT)


@pytest.fixture
def call(agent: FrontDeskAgent) -> FrontDeskConversation:
    return agent.start_conversation()


async def collect(actions: AsyncIterator[AgentAction]) -> list[AgentAction]:
    return [action async for action in actions]


def said(actions: list[AgentAction]) -> list[str]:
    return [action.text for action in actions if isinstance(action, Say)]


async def test_greeting_is_first_and_in_history(call: FrontDeskConversation) -> None:
    actions = await collect(call.greet())
    assert said(actions)[0].startswith("Thanks for calling Maple Street Hair Studio.")
    assert call.state.history == [HistoryEntry("agent", said(actions)[0])]


async def test_question_gets_its_answer_then_a_short_follow_up(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    actions = await collect(call.respond(CallerSaid("um what time do you close on saturday")))
    assert said(actions) == [agent.texts.answers["hours"], "Anything else I can help with?"]
    assert call.state.intent == "hours"
    assert call.state.history[-2:] == [
        HistoryEntry("caller", "um what time do you close on saturday"),
        HistoryEntry("agent", " ".join(said(actions))),
    ]


async def test_everything_said_is_a_fixed_prompt(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    inputs = [
        CallerSaid("where are you"), CallerSaid("thank you"), CallerSaid("okay"),
        CallerSaid("hello?"), CallerKeyed("3"), CallerKeyed("*"), CallerKeyed("9"),
        CallerSaid("zebra crossing"), CallerSilent(6.0), CallerSaid("yes"), CallerSaid("bye"),
    ]  # fmt: skip
    texts = said(await collect(call.greet()))
    for caller_input in inputs:
        texts += said(await collect(call.respond(caller_input)))
    fixed = set(agent.fixed_prompts())
    assert texts and all(text in fixed for text in texts)
    assert "{" not in " ".join(agent.fixed_prompts())


async def test_goodbye_says_farewell_and_ends_the_call(call: FrontDeskConversation) -> None:
    await collect(call.respond(CallerSaid("do you take cash")))
    actions = await collect(call.respond(CallerSaid("no that's it, thanks")))
    assert actions == [
        Say("Thanks for calling Maple Street Hair Studio. Have a lovely day. Goodbye!"),
        EndCall("goodbye"),
    ]


async def test_thanks_alone_gets_youre_welcome(call: FrontDeskConversation) -> None:
    actions = await collect(call.respond(CallerSaid("thank you")))
    assert actions == [Say("You're welcome. Anything else?")]


async def test_no_after_anything_else_is_goodbye(call: FrontDeskConversation) -> None:
    await collect(call.respond(CallerSaid("where can I park")))
    actions = await collect(call.respond(CallerSaid("no")))
    assert actions[-1] == EndCall("goodbye")


@pytest.mark.parametrize(
    "said", ["Nope, that covers it, thanks a bunch.", "Nah, that's it, thanks man."]
)
async def test_no_in_own_words_after_anything_else_is_goodbye(
    call: FrontDeskConversation, said: str
) -> None:
    await collect(call.respond(CallerSaid("where can I park")))
    actions = await collect(call.respond(CallerSaid(said)))
    assert actions[-1] == EndCall("goodbye")


async def test_no_then_a_question_after_anything_else_is_answered(
    call: FrontDeskConversation,
) -> None:
    await collect(call.respond(CallerSaid("where can I park")))
    actions = await collect(call.respond(CallerSaid("No, but what time do you close?")))
    assert EndCall("goodbye") not in actions and "Tuesday" in actions[0].text


async def test_keypad_digits_select_intents(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    for digit, intent in [("1", "hours"), ("2", "address"), ("3", "prices")]:
        actions = await collect(call.respond(CallerKeyed(digit)))
        assert said(actions)[0] == agent.texts.answers[intent]
        assert call.state.intent == intent
        assert call.state.history[-2].text == f"[keypad {digit}]"


async def test_keypad_star_and_unknown_digits_get_the_menu(call: FrontDeskConversation) -> None:
    menu = said(await collect(call.respond(CallerKeyed("*"))))
    assert menu == [
        "For our opening hours, press 1. For our address, press 2. For prices, press 3. "
        "For booking an appointment, press 4."
    ]
    unknown = said(await collect(call.respond(CallerKeyed("7"))))
    assert unknown == [f"Sorry, that key isn't an option. {menu[0]}"]


async def test_spoken_menu_choice(agent: FrontDeskAgent, call: FrontDeskConversation) -> None:
    actions = await collect(call.respond(CallerSaid("option two")))
    assert said(actions)[0] == agent.texts.answers["address"]


async def test_no_input_ladder_ends_the_call(call: FrontDeskConversation) -> None:
    first = await collect(call.respond(CallerSilent(6.0)))
    second = await collect(call.respond(CallerSilent(6.0)))
    assert said(first) == ["Are you still there? How can I help?"]
    assert said(second)[0].startswith("Sorry, I can't hear anything. You can ask me about our ")
    assert call.state.no_input_count == 2
    last = await collect(call.respond(CallerSilent(6.0)))
    assert last == [
        Say("I'll let you go for now. Please call back any time. Goodbye!"),
        EndCall("no input"),
    ]


async def test_caller_speaking_resets_the_no_input_ladder(call: FrontDeskConversation) -> None:
    await collect(call.respond(CallerSilent(6.0)))
    await collect(call.respond(CallerSaid("what are your prices")))
    assert call.state.no_input_count == 0
    again = await collect(call.respond(CallerSilent(6.0)))
    assert said(again) == ["Are you still there? How can I help?"]


async def test_not_understood_ladder_offers_topics_never_repeats_then_a_person(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    prompts = []
    for text in ["blue whales", "the capital of France"]:
        prompts.append(said(await collect(call.respond(CallerSaid(text))))[0])
    assert all(a != b for a, b in zip(prompts, prompts[1:], strict=False))
    assert "our opening hours, our address, prices, or booking an appointment" in prompts[0]
    assert "press 1" in prompts[1] and "press 0" in prompts[1]
    assert call.state.not_understood_count == 2
    assert call.state.intent is None
    handoff = said(await collect(call.respond(CallerSaid("quantum physics"))))
    assert handoff[0] == "I'm sorry, I'm having trouble understanding."
    assert call.state.handoffs[-1]["reason"] == "not_understood"  # no front desk set: a message
    assert "call you back" in " ".join(handoff)


async def test_not_understood_can_end_with_goodbye_instead(tmp_path) -> None:
    text = DEMO_AGENT.read_text() + "\n"
    path = tmp_path / "demo.yaml"
    path.write_text(text.replace("not_understood:\n", "not_understood:\n  then: goodbye\n", 1))
    agent = load_agent(path)
    call = agent.start_conversation()
    for text in ["blue whales", "the capital of France"]:
        await collect(call.respond(CallerSaid(text)))
    closing = await collect(call.respond(CallerSaid("purple monkeys")))
    assert closing == [Say(agent.texts.closing), EndCall("not understood")]


async def test_understanding_resets_the_not_understood_ladder(
    call: FrontDeskConversation,
) -> None:
    await collect(call.respond(CallerSaid("blue whales")))
    await collect(call.respond(CallerSaid("do you take walk ins")))
    assert call.state.not_understood_count == 0


async def test_repeated_prompt_in_the_file_is_never_said_twice_in_a_row() -> None:
    spec = AgentSpec.model_validate(
        {
            "name": "echo",
            "greeting": "Hi.",
            "intents": [{"name": "hours", "examples": ["when are you open"], "answer": "Nine."}],
            "not_understood": {"prompts": ["Sorry?", "Sorry?", "Pardon?"]},
        }
    )
    call = FrontDeskAgent(spec).start_conversation()
    prompts = [said(await collect(call.respond(CallerSaid("xyzzy"))))[0] for _ in range(3)]
    assert all(a != b for a, b in zip(prompts, prompts[1:], strict=False))


async def test_interruption_keeps_only_what_the_caller_heard(
    call: FrontDeskConversation,
) -> None:
    await collect(call.respond(CallerSaid("what are your prices")))
    call.agent_was_interrupted("A men's cut is thirty five dollars,")
    assert call.state.history[-1] == HistoryEntry("agent", "A men's cut is thirty five dollars,")
    assert call.state.history[-2] == HistoryEntry("caller", "what are your prices")


async def test_interruption_mid_reply_stops_the_rest(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    reply = call.respond(CallerSaid("where are you located"))
    first = await anext(reply)  # the call layer speaks this, then the caller barges in
    await reply.aclose()
    assert first == Say(agent.texts.answers["address"])
    assert call.state.history[-1].text == agent.texts.answers["address"]
    call.agent_was_interrupted("")
    assert [entry.role for entry in call.state.history] == ["caller"]


def test_fixed_prompts_cover_every_text(agent: FrontDeskAgent) -> None:
    prompts = agent.fixed_prompts()
    assert len(prompts) == len(set(prompts))
    assert agent.texts.greeting in prompts
    assert set(agent.texts.answers.values()) <= set(prompts)
    assert set(agent.texts.reprompts + agent.texts.not_understood) <= set(prompts)
    assert agent.texts.farewell in prompts and agent.texts.follow_up in prompts
    assert (agent.name, agent.voice, agent.no_input_timeout_s) == ("demo", "joe", 6)


async def test_two_questions_in_one_breath_get_both_answers(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    actions = await collect(
        call.respond(CallerSaid("where are you exactly, and is there anywhere to park nearby?"))
    )
    answers = said(actions)
    assert agent.texts.answers["address"] in answers and agent.texts.answers["parking"] in answers
    assert sorted(call.state.asked) == ["address", "parking"]


async def test_asking_to_hear_it_again_repeats_the_last_words(call: FrontDeskConversation) -> None:
    greeting = said(await collect(call.greet()))[0]
    again = said(await collect(call.respond(CallerSaid("sorry, what was that?"))))
    assert again == [f"Sure. {greeting}"]
    twice = said(await collect(call.respond(CallerSaid("come again?"))))
    assert twice[0] != again[0] and twice[0].endswith(greeting)  # never the same words twice


async def test_a_question_asked_with_one_it_answers_gets_an_honest_word_too(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    actions = await collect(
        call.respond(CallerSaid("what time do you open on saturday, and do you do eyelash "
                                "extensions?"))
    )
    answers = said(actions)
    assert answers[0] == agent.texts.answers["hours"]
    assert agent.texts.no_answer_other in answers  # never silence on the lashes
    assert call.state.asked == ["hours", NO_ANSWER_TOPIC]


async def test_the_price_of_something_not_offered_gets_no_price_but_what_is_offered(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    answers = said(await collect(call.respond(CallerSaid(
        "how much do you charge for eyelash extensions? Like a full set?"
    ))))
    assert answers[0] == "I don't have a price for eyelash extensions."
    assert answers[1] == agent.texts.answers["services"]  # what the studio does offer
    assert call.state.asked == [NO_ANSWER_TOPIC, "services"]
    offered = said(await collect(call.respond(CallerSaid("and how much is color?"))))
    assert offered[0] == agent.texts.answers["prices"]  # "colour", as the studio spells it


async def test_the_same_reply_twice_in_a_row_is_said_as_a_repeat(
    agent: FrontDeskAgent, call: FrontDeskConversation
) -> None:
    first = said(await collect(call.respond(CallerSaid("what are your hours"))))
    again = said(await collect(call.respond(CallerSaid("and when are you open?"))))
    assert again == ["Let me say that again.", *first]
    assert said(await collect(call.respond(CallerSaid("what are your hours")))) == first
