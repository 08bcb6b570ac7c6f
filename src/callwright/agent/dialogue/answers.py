"""The agent's own answers to questions, given honestly.

An intent's fixed answer, the answers to other questions asked with it, "I don't have an
answer to that" for a question nothing answers, and for the price of something the business
never mentions ("how much are eyelash extensions?" at a hair studio), "I don't have a price
for eyelash extensions" followed by what it does offer, instead of its price list read as if
it answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jellyfish
from rapidfuzz import fuzz, process

from callwright.agent.conversation import ConversationState
from callwright.agent.understanding.questions import priced_thing
from callwright.agent.understanding.words import STOP_WORDS, stem, words

if TYPE_CHECKING:
    from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
    from callwright.agent.spec.agent_file import AgentSpec

NO_ANSWER_TOPIC = "no_answer"  # recorded when a question got the honest "I don't have that"
NOT_OFFERED = "I don't have a price for {thing}."
OFFER_QUESTION = "what do you offer"
"""Asked of the agent's own intents to find the one that says what the business offers."""
WORD_MIN_CHARS = 3  # shorter words of a priced thing ("a", "of") tell nothing
NEAR_WORD_MIN_SCORE = 85.0  # rapidfuzz ratio: "color" is the "colour" the business named


class Answers:
    """One call's fixed answers: each given is recorded in the state's `asked`."""

    def __init__(self, agent: FrontDeskAgent, state: ConversationState) -> None:
        self._agent = agent
        self._texts = agent.texts
        self._state = state

    def gives(self, intent: str | None) -> bool:
        """Whether the agent answers this intent itself, with no hand-off."""
        return intent in self._texts.answers and intent not in self._agent.intent_handoffs

    def to(self, intents: list[str]) -> list[str]:
        """The answers to `intents`, in order."""
        self._state.asked.extend(intents)
        return [self._texts.answers[intent] for intent in intents]

    def none(self, other: bool = False) -> str:
        """The honest word for a question nothing answers; `other`: one asked with others
        that were answered."""
        self._state.asked.append(NO_ANSWER_TOPIC)
        return self._texts.no_answer_other if other else self._texts.no_answer

    def not_offered(self, text: str, pending: str | None = None) -> list[str] | None:
        """For the price of something the business never names: that there is no price
        for it, what it offers, then the task's `pending` question or the follow-up. None
        when the words ask no such price."""
        thing = priced_thing(text)
        if thing is None or self._agent.vocabulary.names(thing) is not False:
            return None
        self._state.asked.append(NO_ANSWER_TOPIC)
        offer = self._agent.offer_intent
        then = pending or self._texts.follow_up
        said = [NOT_OFFERED.format(thing=thing), *self.to([offer] if offer else []), then]
        return [text for text in said if text]


class Vocabulary:
    """The words a business uses about itself: its examples, answers and options."""

    def __init__(self, spec: AgentSpec) -> None:
        texts = [spec.business]
        for intent in spec.all_intents():
            texts += [*intent.examples, intent.answer, intent.topic or ""]
        for task in spec.tasks:
            texts += [*task.examples, task.topic or ""]
        for slot in spec.slots.values():
            texts += slot.options
        self._words = sorted({
            word for text in texts for word in words(text)
            if len(word) >= WORD_MIN_CHARS and word not in STOP_WORDS
        })  # fmt: skip
        self._stems = {stem(word) for word in self._words}
        self._sounds = {jellyfish.metaphone(word) for word in self._words}

    def names(self, thing: str) -> bool | None:
        """Whether a word of `thing` is one the business uses (spelled or sounding close);
        None when `thing` has no word that could tell ("it", "that")."""
        content = [w for w in words(thing) if len(w) >= WORD_MIN_CHARS and w not in STOP_WORDS]
        if not content:
            return None
        return any(self._knows(word) for word in content)

    def _knows(self, word: str) -> bool:
        if stem(word) in self._stems or jellyfish.metaphone(word) in self._sounds:
            return True
        near = process.extractOne(
            word, self._words, scorer=fuzz.ratio, score_cutoff=NEAR_WORD_MIN_SCORE
        )
        return near is not None
