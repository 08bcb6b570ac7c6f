"""What a conversation asks of its language model: which request words the intent matcher
could not place are, and a short answer from the agent's own facts.

Both have a tight time budget and return None when the model fails, is slow or has
nothing: the caller then gets the usual clarifying question, never silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from callwright.agent.llm.client import LanguageModel, LanguageModelError

if TYPE_CHECKING:
    from callwright.agent.spec.agent_file import AgentSpec

FREE_ANSWER_TIMEOUT_S = 1.5  # beyond this the caller gets the clarifying question instead
FREE_ANSWER_MAX_TOKENS = 60
UNKNOWN_MARK = "UNKNOWN"
CLASSIFY_MAX_TOKENS = 12
CLASSIFY_INSTRUCTIONS = (
    "A phone caller said the user's words. Reply with only the name of the matching request "
    "from this list, or NONE: {menu}"
)
FREE_ANSWER_INSTRUCTIONS = (
    "You answer phone callers for {business} in one or two short spoken sentences, using only "
    "these facts: {knowledge} If the facts do not answer the question, reply exactly UNKNOWN."
)


async def classify(model: LanguageModel, spec: AgentSpec, text: str) -> str | None:
    """The model's pick among the agent's intents and tasks for the caller's words, or None
    (also when it is slow or names no intent)."""
    choices = {intent.name: intent.examples[0] for intent in spec.all_intents()}
    choices |= {task.name: task.examples[0] for task in spec.tasks}
    menu = "; ".join(f"{name} (e.g. {example!r})" for name, example in choices.items())
    messages = [
        {"role": "system", "content": CLASSIFY_INSTRUCTIONS.format(menu=menu)},
        {"role": "user", "content": text},
    ]
    try:
        answer = await model.complete(
            messages, max_tokens=CLASSIFY_MAX_TOKENS, timeout_s=FREE_ANSWER_TIMEOUT_S
        )
    except LanguageModelError:
        return None
    name = answer.strip().strip(".'\"").lower()
    return name if name in choices else None


async def free_answer(
    model: LanguageModel, spec: AgentSpec, facts: Iterable[str], text: str
) -> str | None:
    """The model's answer to the caller's words from the agent's own `facts` (its fixed
    answers), or None when it has none or is slow."""
    knowledge = " ".join(facts)
    messages = [
        {"role": "system", "content": FREE_ANSWER_INSTRUCTIONS.format(
            business=spec.business, knowledge=knowledge)},
        {"role": "user", "content": text},
    ]
    try:
        answer = await model.complete(
            messages, max_tokens=FREE_ANSWER_MAX_TOKENS, timeout_s=FREE_ANSWER_TIMEOUT_S
        )
    except LanguageModelError:
        return None
    answer = answer.strip()
    return None if not answer or UNKNOWN_MARK in answer.upper() else answer
