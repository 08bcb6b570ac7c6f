"""The optional language model: answers from the agent's own knowledge, never silence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from callwright.agent.conversation import CallerSaid, Say
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.llm.client import LanguageModelTimeout
from callwright.agent.spec.agent_file import load_agent_spec

DEMO = Path(__file__).resolve().parents[2] / "agents" / "demo.yaml"
OFF_SCRIPT = "do you have wifi while I wait"


class ScriptedModel:
    """Stands in for a language model in these unit tests (the real ones are tested in
    test_llm.py): returns a fixed answer, or times out."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.messages = None

    async def complete(self, messages, *, max_tokens=128, temperature=0.2, timeout_s=3.0):
        self.messages = messages
        if self.answer is None:
            raise LanguageModelTimeout("slow model")
        return self.answer


async def reply(model, text: str) -> str:
    agent = FrontDeskAgent(load_agent_spec(DEMO))
    agent.language_model = model
    conversation = agent.start_conversation()
    said = [a.text async for a in conversation.respond(CallerSaid(text)) if isinstance(a, Say)]
    return " ".join(said)


async def test_question_outside_the_intents_is_answered_by_the_model_from_the_agents_facts():
    model = ScriptedModel("I do not know about wifi, sorry.")
    assert await reply(model, OFF_SCRIPT) == "I do not know about wifi, sorry."
    system = model.messages[0]["content"]
    assert "Maple Street Hair Studio" in system and "Tuesday to Friday" in system  # grounded


@pytest.mark.parametrize("answer", ["UNKNOWN", "", None])
async def test_a_question_with_no_answer_gets_an_honest_one_with_what_the_agent_offers(answer):
    text = await reply(ScriptedModel(answer), OFF_SCRIPT)
    assert "I don't have an answer to that" in text and "our address" in text


async def test_without_a_model_an_unanswerable_question_is_still_answered_honestly():
    assert "I don't have an answer to that" in await reply(None, OFF_SCRIPT)


async def test_words_that_ask_nothing_and_name_nothing_get_the_clarifying_question():
    assert "didn't quite catch that" in await reply(None, "the purple elephant sideways")


async def test_summary_without_a_model_reads_naturally():
    agent = FrontDeskAgent(load_agent_spec(DEMO))
    conversation = agent.start_conversation()
    async for _ in conversation.respond(CallerSaid("what are your opening hours")):
        pass
    summary = await asyncio.wait_for(conversation.summary(), 1)
    assert summary.startswith("The caller called about hours")


class ClassifyingModel(ScriptedModel):
    """Names an intent when asked to classify, and knows no free answer."""

    async def complete(self, messages, **kwargs):
        self.messages = messages
        return self.answer if "matching request" in messages[0]["content"] else "UNKNOWN"


async def test_the_model_places_words_the_matcher_could_not():
    model = ClassifyingModel("hours")
    text = await reply(model, "do you have wifi while I wait")
    assert "Tuesday to Friday" in text  # the hours answer, chosen by the model
    assert "hours (e.g." in model.messages[0]["content"]


async def test_a_name_that_is_no_intent_is_ignored():
    text = await reply(ClassifyingModel("weather"), "do you have wifi while I wait")
    assert "I don't have an answer to that" in text
